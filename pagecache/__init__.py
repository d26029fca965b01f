"""The page cache: anonymous GETs of pages and feeds come from the cache, and every change to
what readers see is on every page at the next request. A site-wide piece: it imports none of
the project's apps and learns what it must know of them from settings.

Exact invalidation by generation. The cache holds one small record, the *generation*: a random
token and the time it was made. Every cached page is stored with the token read when its request
began (in the same round trip as the page), and an entry with any other token is a miss, so
making a new generation retires every page at once without deleting anything. A new generation
is made

- by `retire()`, which the code that changes what readers see calls, explicitly: once per
  transaction however many rows it changes, when it commits (a request that read the old rows
  began under the old token, so what it stores is a miss already);
- when the clock passes the next moment a page changes by itself (a scheduled post coming out,
  a post's comments closing): the functions named in PAGE_CACHE_NEXT_CHANGE say when, and the
  generation record expires then.

The token is random, never a counter, so a generation lost from the cache (Redis restarted,
an eviction) can never come back and revive pages stored under it.

The same record gives every cached page its ETag and Last-Modified, so a conditional GET is
answered with 304 before any view runs.

Who is never served a cached page: anyone with a session (logged in, or in the admin), a reader
with one of the cookies named in PAGE_CACHE_PERSONAL_COOKIES (a commenter whose comment awaits
moderation or whose details the form remembers), and any request that is not a GET or HEAD.
Values made for each reader (the CSRF token, a form's token: PAGE_CACHE_PERSONAL_VALUES) are
stored as placeholders, and each reader gets their own.
"""

import hashlib
import logging
import secrets
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, QueryDict
from django.middleware.csrf import get_token
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.functional import SimpleLazyObject
from django.utils.http import http_date, quote_etag
from django.utils.module_loading import import_string

logger = logging.getLogger("pagecache")

GENERATION_KEY = "pages:generation"
PLACEHOLDER = "@@personal-value-9d1f6c:{}@@"  # in a cached page, for a value made per reader
KEPT_HEADERS = ("Content-Type", "Content-Language", "X-Robots-Tag", "Link")


@dataclass(frozen=True)
class Generation:
    token: str  # changes with any change readers could see
    made_at: float  # seconds since the epoch
    valid_until: float | None  # when a page changes by itself next (a scheduled post, ...)
    # Changes with posts, paths, tags and people, not with comments: what only depends on those
    # (the sidebar, the number of posts in a listing) outlives a comment being approved.
    posts_token: str = ""

    @property
    def last_modified(self):
        return int(self.made_at)


def next_change_by_clock():
    """The earliest moment (seconds since the epoch) named by PAGE_CACHE_NEXT_CHANGE, or None."""
    moments = [import_string(path)() for path in settings.PAGE_CACHE_NEXT_CHANGE]
    moments = [moment for moment in moments if moment is not None]
    return min(moments) if moments else None


def new_generation(*, posts_changed=True):
    """Retire every cached page now: the next request renders afresh. With posts_changed=False
    (only comments changed), what depends on posts alone stays."""
    now = time.time()
    posts_token = ""
    if not posts_changed:
        try:
            previous = cache.get(GENERATION_KEY)
        except Exception:
            previous = None
        if previous is not None and (previous.valid_until is None or now < previous.valid_until):
            posts_token = previous.posts_token
    generation = Generation(
        token=secrets.token_hex(8),
        made_at=now,
        valid_until=next_change_by_clock(),
        posts_token=posts_token or secrets.token_hex(8),
    )
    try:
        cache.set(GENERATION_KEY, generation, None)
    except Exception:
        logger.exception("cache unavailable: could not retire cached pages")
    return generation


class Retirement:
    """The one retirement a transaction schedules on commit, however many changes it makes."""

    def __init__(self, posts_changed):
        self.posts_changed = posts_changed

    def merge(self, other):
        self.posts_changed |= other.posts_changed

    def __call__(self):
        new_generation(posts_changed=self.posts_changed)


def retire(*, posts_changed=True):
    """Retire every cached page when the current transaction commits (at once outside one).
    Every change in one transaction shares one retirement; posts_changed=False when only
    comments changed (the sidebar and post counts stay)."""
    once_on_commit(Retirement(posts_changed))


def once_on_commit(hook):
    """Run `hook` when the current transaction commits (at once outside one), once: a hook of
    the same class already waiting in this transaction takes this one in (`merge`). A
    rolled-back savepoint drops what it scheduled, so nothing is lost or run for nothing."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        hook()
        return
    for _savepoints, waiting, _robust in connection.run_on_commit:
        if type(waiting) is type(hook):
            waiting.merge(hook)
            return
    schedule(hook)


# How a hook waits for the commit. The test suite replaces it: its requests run inside the
# test's own transaction, which never commits (tests/conftest.py).
schedule = transaction.on_commit


def current_generation(generation=None):
    """The generation in force (`generation`: the record just read, to save a round trip)."""
    if generation is None:
        generation = cache.get(GENERATION_KEY)
    if generation is None or (
        generation.valid_until is not None and time.time() >= generation.valid_until
    ):
        return new_generation()
    return generation


def cached_until_change(name, compute, *, scope="posts"):
    """compute(), kept in the cache until the next change it depends on (or for
    BLOG_PAGE_CACHE_SECONDS): for counts and fragments that many pages share. scope="posts":
    it depends on posts, paths, tags and people only; scope="content": on comments too."""
    try:
        digest = hashlib.sha256(name.encode()).hexdigest()
        generation = current_generation()
        token = generation.posts_token if scope == "posts" else generation.token
        key = f"data:{scope}:{token}:{digest}"
        value = cache.get(key)
    except Exception:
        logger.exception("cache unavailable: %s computed without it", name)
        return compute()
    if value is None:
        value = compute()
        try:
            cache.set(key, value, settings.BLOG_PAGE_CACHE_SECONDS)
        except Exception:
            logger.exception("cache unavailable: %s not stored", name)
    return value


def csrf(request):
    """Context processor in place of Django's: the same lazy token, remembered on the request
    so that the page cache can store a placeholder where it appears."""

    def token():
        value = get_token(request)
        personal = getattr(request, "page_personal_values", None)
        if personal is not None:
            personal[value] = "csrf"
        return value

    return {"csrf_token": SimpleLazyObject(token)}


def is_personal(request):
    """A request whose pages may differ from everyone else's: logged in, a commenter with a
    held comment or remembered details, a message to show, credentials. The cookies that make
    a request personal are named in settings (PAGE_CACHE_PERSONAL_COOKIES)."""
    personal = {settings.SESSION_COOKIE_NAME, *settings.PAGE_CACHE_PERSONAL_COOKIES}
    return bool(personal & request.COOKIES.keys()) or "HTTP_AUTHORIZATION" in request.META


def personal_value(request, name):
    """A fresh value for this reader in place of a cached page's placeholder `name`
    ("csrf", or "comment-form:12": a maker from PAGE_CACHE_PERSONAL_VALUES and its argument)."""
    kind, _, argument = name.partition(":")
    maker = import_string(settings.PAGE_CACHE_PERSONAL_VALUES[kind])
    return maker(request, argument) if argument else maker(request)


def reader_digest(request, secret=None):
    """Who holds a page with a form: a digest of their CSRF secret ("" for none)."""
    if secret is None:
        secret = request.META.get("CSRF_COOKIE") or request.COOKIES.get(
            settings.CSRF_COOKIE_NAME, ""
        )
    return hashlib.sha256(secret.encode()).hexdigest()[:16] if secret else ""


def request_is_cacheable(request):
    return (
        request.method in {"GET", "HEAD"} and settings.BLOG_PAGE_CACHE and not is_personal(request)
    )


def response_is_cacheable(response):
    cache_control = response.get("Cache-Control", "")
    return (
        response.status_code == 200
        and not response.streaming
        and set(response.cookies) <= {settings.CSRF_COOKIE_NAME}
        and not any(word in cache_control for word in ("private", "no-cache", "no-store"))
    )


def page_key(request):
    """The cache key of a page: host, path and the query parameters pages read (others, such
    as a random cache-buster, neither make new entries nor change the page)."""
    address = f"{request.get_host()}\n{request.path}\n{used_query(request)}"
    return f"pages:{hashlib.sha256(address.encode()).hexdigest()}"


def used_query(request, *, leave_out=()):
    """The query parameters pages read (PAGE_CACHE_QUERY_PARAMETERS), sorted, as text: each
    with the one value a page reads (the last), so repeating a parameter makes no new key."""
    query = QueryDict(request.META.get("QUERY_STRING", ""))  # read quietly (ReadRecorder)
    return "&".join(
        f"{name}={query[name]}"
        for name in sorted(settings.PAGE_CACHE_QUERY_PARAMETERS)
        if name not in leave_out and name in query
    )


class ReadRecorder(QueryDict):
    """The query parameters of a request, noting which ones the page read: a page stored
    under a parameter it never read (?q= on the front page) would be a copy made for nothing,
    and a way to fill the cache."""

    @classmethod
    def of(cls, query):
        recorder = cls(mutable=True, encoding=query.encoding)
        for name, values in query.lists():
            recorder.setlist(name, values)
        recorder._mutable = False
        return recorder

    @property
    def read(self):
        return self.__dict__.setdefault("_read", set())

    def __getitem__(self, key):
        self.read.add(key)
        return super().__getitem__(key)

    def getlist(self, key, default=None):
        self.read.add(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        self.read.add(key)
        return super().__contains__(key)


def placeholder(name):
    return PLACEHOLDER.format(name).encode()


class PageCacheMiddleware:
    """Serve anonymous GETs from the cache; answer conditional GETs with 304. Last in
    MIDDLEWARE, so every other middleware (CSRF cookie, security headers, CSP) still runs on a
    cached response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request_is_cacheable(request):
            response = self.get_response(request)
            # A page made for this reader alone must not be kept by a shared cache; anything
            # else (media, static, the page cache switched off) keeps its own headers.
            if is_personal(request) and "Cache-Control" not in response:
                response["Cache-Control"] = "private, no-cache"
            return response
        try:
            # One round trip for both: the page is stored with the generation it was made in,
            # and an entry of any other generation is a miss.
            key = page_key(request)
            found = cache.get_many([GENERATION_KEY, key])
            generation = current_generation(found.get(GENERATION_KEY))
            entry = found.get(key)
            if entry is not None and entry[0] != generation.token:
                entry = None
        except Exception:
            logger.exception("cache unavailable: serving the page from the database")
            return self.get_response(request)
        if entry is not None:
            # A page with a form holds this reader's CSRF token: a 304 only for the same reader.
            etag = self._etag(key, generation, entry[3], reader_digest(request))
            not_modified = get_conditional_response(
                request, etag=etag, last_modified=None if entry[3] else generation.last_modified
            )
            if not_modified is not None:
                return self._headers(not_modified, etag, generation, entry[3])
            response, has_form = self._from_entry(request, entry), entry[3]
            response["X-Page-Cache"] = "hit"
        else:
            request.page_personal_values = {}
            request.GET = ReadRecorder.of(request.GET)
            response = self.get_response(request)
            unread = set(request.GET) & set(settings.PAGE_CACHE_QUERY_PARAMETERS) - request.GET.read
            if not response_is_cacheable(response) or unread:
                return response
            has_form = "csrf" in request.page_personal_values.values()
            self._store(request, response, key, generation)
            response["X-Page-Cache"] = "miss"
        return self._headers(
            response,
            self._etag(key, generation, has_form, reader_digest(request)),
            generation,
            has_form,
        )

    @staticmethod
    def _etag(key, generation, has_form, reader):
        return quote_etag(
            key.rsplit(":", 1)[1][:32] + generation.token + (reader if has_form else "")
        )

    def _store(self, request, response, key, generation):
        content = response.content
        values = request.page_personal_values
        for value, name in values.items():
            content = content.replace(value.encode(), placeholder(name))
        headers = {name: response[name] for name in KEPT_HEADERS if name in response}
        has_form = "csrf" in values.values()
        try:
            entry = (generation.token, content, headers, has_form, sorted(set(values.values())))
            cache.set(key, entry, settings.BLOG_PAGE_CACHE_SECONDS)
        except Exception:
            logger.exception("cache unavailable: page not stored")

    def _from_entry(self, request, entry):
        _token, content, headers, _has_form, names = entry
        for name in names:
            content = content.replace(placeholder(name), personal_value(request, name).encode())
        return HttpResponse(content, headers=headers)

    @staticmethod
    def _headers(response, etag, generation, has_form):
        response["ETag"] = etag
        if has_form:
            # The form's CSRF token is this reader's: no shared cache may keep the page, and
            # only the ETag (which names the reader) may revalidate it; a date cannot.
            response["Cache-Control"] = "private, max-age=0, must-revalidate"
        else:
            response["Last-Modified"] = http_date(generation.last_modified)
            response["Cache-Control"] = (
                f"public, max-age=0, s-maxage={settings.BLOG_CDN_MAX_AGE}, "
                f"stale-while-revalidate={settings.BLOG_CDN_STALE_SECONDS}"
            )
        patch_vary_headers(response, ["Cookie"])
        return response
