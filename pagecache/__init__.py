"""The page cache: anonymous GETs of pages and feeds come from the cache, and every change to
what readers see is on every page at the next request. A site-wide piece: it imports none of
the project's apps and learns what it must know of them from settings and from what they tell
it (`depends_on`, `narrows`, `retire`).

Exact invalidation by surrogate keys. Every cached page records what it shows as *keys*: the
broad ones every page starts with (PAGE_CACHE_BROAD_KEYS: "posts", "comments"), which a view
may narrow ("this page shows the comments of post 12 only": `narrows("comments",
"comments:12")`), and the ones its data adds while it renders ("post:12" for each post it
loaded, see `depends_on`). A change retires exactly the keys it touches (`retire("post:12")`);
a page is served from the cache only while none of its keys was retired after its rendering
began. How it is known, race-free:

- a counter in the cache counts retirements; a request reads it when it begins, before it reads
  any row, and its page is stored with that number;
- retiring a key stores the counter's new value as the key's *version*;
- a page is fresh while every one of its keys has a version, no greater than the page's
  number: a change committed after the request began has a greater one. A key with no version
  yet gets the storing request's number (added, never overwriting a retirement).

`retire()` with no key retires everything: a new *generation* (a random token every entry and
version is stored under), as do a lost counter (Redis restarted, an eviction: a token is never
reused, so nothing stored before can come back) and the clock passing the next moment a page
changes by itself (a scheduled post coming out, a post's comments closing: the functions named
in PAGE_CACHE_NEXT_CHANGE say when, and the generation record expires then).

Retirement happens when the transaction commits, once per transaction however many rows change
(the keys of all its changes together), and is told to the HTTP cache in front (Varnish, a CDN)
by the hook named in PAGE_CACHE_PURGE: every cacheable response carries its keys in the header
named by PAGE_CACHE_KEYS_HEADER ("xkey", Varnish's xkey module; "Surrogate-Key" for Fastly),
with "all", which a retirement of everything purges.

Every cached page has its ETag and Last-Modified, so a conditional GET is answered with 304
before any view runs.

Who is never served a cached page: anyone with a session (logged in, or in the admin), a reader
with one of the cookies named in PAGE_CACHE_PERSONAL_COOKIES (a commenter whose comment awaits
moderation or whose details the form remembers), and any request that is not a GET or HEAD.
Values made for each reader (the CSRF token, a form's token: PAGE_CACHE_PERSONAL_VALUES) are
stored as placeholders, and each reader gets their own.
"""

import contextvars
import hashlib
import logging
import secrets
import threading
import time
import urllib.request
from dataclasses import dataclass, field, replace

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
COUNTER_KEY = "pages:retirements"
EVERYTHING = "all"  # the key every response carries: purging it purges the whole site
PLACEHOLDER = "@@personal-value-9d1f6c:{}@@"  # in a cached page, for a value made per reader
KEPT_HEADERS = ("Content-Type", "Content-Language", "X-Robots-Tag", "Link")


@dataclass(frozen=True)
class Generation:
    token: str  # changes when everything is retired at once
    made_at: float  # seconds since the epoch
    valid_until: float | None  # when a page changes by itself next (a scheduled post, ...)

    @property
    def last_modified(self):
        return int(self.made_at)


def next_change_by_clock():
    """The earliest moment (seconds since the epoch) named by PAGE_CACHE_NEXT_CHANGE, or None."""
    moments = [import_string(path)() for path in settings.PAGE_CACHE_NEXT_CHANGE]
    moments = [moment for moment in moments if moment is not None]
    return min(moments) if moments else None


def new_generation():
    """Retire every cached page now: the next request renders afresh."""
    generation = Generation(
        token=secrets.token_hex(8), made_at=time.time(), valid_until=next_change_by_clock()
    )
    try:
        # The counter first: a request that reads the new record finds its counter.
        cache.set(COUNTER_KEY, 1, None)
        cache.set(GENERATION_KEY, generation, None)
    except Exception:
        logger.exception("cache unavailable: could not retire cached pages")
    return generation


def version_key(token, key):
    return f"pages:key:{token}:{hashlib.sha256(key.encode()).hexdigest()[:32]}"


# More keys than this in one retirement (an import) retire everything: one record to write
# and one short purge, not thousands.
MOST_KEYS = 200


def retire_now(keys):
    """Retire `keys` at once and tell the cache in front. A broad key every page carries
    (PAGE_CACHE_EVERY_PAGE), or very many keys, retire everything: a new generation."""
    keys = set(keys)
    if len(keys) > MOST_KEYS or keys & {EVERYTHING, *settings.PAGE_CACHE_EVERY_PAGE}:
        keys = {EVERYTHING}
    try:
        if EVERYTHING in keys:
            new_generation()
        else:
            generation = current_generation()
            try:
                number = cache.incr(COUNTER_KEY)
            except ValueError:  # the counter is lost: nothing stored before may come back
                new_generation()
                keys = {EVERYTHING}
            else:
                cache.set_many({version_key(generation.token, key): number for key in keys}, None)
                # The change may bring the next change by the clock nearer (a post scheduled).
                moment = next_change_by_clock()
                if moment is not None and (
                    generation.valid_until is None or moment < generation.valid_until
                ):
                    cache.set(GENERATION_KEY, replace(generation, valid_until=moment), None)
    except Exception:
        logger.exception("cache unavailable: could not retire %s", sorted(keys)[:5])
    purge = settings.PAGE_CACHE_PURGE
    if purge:
        told = sorted(keys | {family(key) for key in keys if ":" in key})
        tell_cache_in_front(purge, told)
        again = settings.PAGE_CACHE_PURGE_AGAIN_SECONDS
        if again:
            # A page the site sent before this retirement may reach the cache in front just
            # after the purge: purged again a moment later, it is not kept for s-maxage.
            timer = threading.Timer(again, tell_cache_in_front, (purge, told))
            timer.daemon = True
            timer.start()


def family(key):
    """ "post:*" for "post:12": what a page names in place of its many "post:" keys when they
    would not fit in a header (keys_header); every retirement of one of them purges it."""
    return key.split(":", 1)[0] + ":*"


def keys_header(keys):
    """The keys for the cache in front, within PAGE_CACHE_KEYS_HEADER_LENGTH characters (an
    HTTP cache refuses longer headers: Varnish's limit is 8 KB): the largest families of keys
    ("post:1 post:2 ...", a year's archive of 1,000 posts) are named by their family."""
    named = sorted(keys)
    families = {}
    for key in named:
        if ":" in key:
            families.setdefault(family(key), []).append(key)
    for name, members in sorted(families.items(), key=lambda item: -len(item[1])):
        if len(" ".join([EVERYTHING, *named])) <= settings.PAGE_CACHE_KEYS_HEADER_LENGTH:
            break
        named = sorted(set(named) - set(members) | {name})
    return " ".join([EVERYTHING, *named])


def tell_cache_in_front(purge, keys):
    try:
        import_string(purge)(keys)
    except Exception as error:
        logger.warning("the cache in front was not told of %d retired keys: %s", len(keys), error)


class Retirement:
    """The one retirement a transaction schedules on commit, however many changes it makes:
    the keys of all of them."""

    def __init__(self, keys):
        self.keys = set(keys) or {EVERYTHING}

    def merge(self, other):
        self.keys |= other.keys

    def __call__(self):
        retire_now(self.keys)


def retire(*keys):
    """Retire the cached pages that show any of `keys` when the current transaction commits
    (at once outside one); with no key, every page. Every change in one transaction shares
    one retirement."""
    once_on_commit(Retirement(keys))


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


def schedule(hook):
    """How a hook waits for the commit: robust, so that one that fails (logged by Django) keeps
    none of the others from running: the change is committed, and the pages showing it must be
    retired whatever else failed. The test suite replaces it: its requests run inside the
    test's own transaction, which never commits (tests/conftest.py)."""
    if not hasattr(hook, "__qualname__"):  # what Django names a failed hook by
        hook.__qualname__ = type(hook).__qualname__
    transaction.on_commit(hook, robust=True)


def state(found=None):
    """The generation in force and the retirement number now (`found`: the records, just read
    with get_many, to save a round trip). A lost record or counter, or the clock passing the
    generation's end, makes a new generation."""
    if found is None:
        found = cache.get_many([GENERATION_KEY, COUNTER_KEY])
    generation, number = found.get(GENERATION_KEY), found.get(COUNTER_KEY)
    if (
        generation is None
        or number is None
        or (generation.valid_until is not None and time.time() >= generation.valid_until)
    ):
        return new_generation(), 1
    return generation, number


def current_generation():
    return state()[0]


def retirements():
    """How many retirements this generation has seen (for tests and the benchmark)."""
    return cache.get(COUNTER_KEY) or 0


@dataclass
class Recording:
    """What the page being rendered depends on: its keys, and the generation and retirement
    number read when its request began."""

    generation: Generation
    number: int
    keys: set = field(default_factory=set)
    narrowed: set = field(default_factory=set)
    versions: dict = field(default_factory=dict)  # of the keys read so far, for shared data
    shared: dict = field(default_factory=dict)  # what cached_until_change read (read_entries)

    @property
    def all_keys(self):
        return self.keys | (set(settings.PAGE_CACHE_BROAD_KEYS) - self.narrowed)


recording = contextvars.ContextVar("pagecache_recording", default=None)
# In a request the page cache does not keep (switched off, a personal page): the state and the
# versions read so far, read once for every shared value the request uses (cached_until_change).
request_reads = contextvars.ContextVar("pagecache_request_reads", default=None)


def depends_on(*keys):
    """The page being rendered shows what `keys` name ("post:12"): a retirement of any of
    them retires it. Outside a cached request, nothing."""
    current = recording.get()
    if current is not None:
        current.keys.update(keys)


def narrows(broad, *keys):
    """The page being rendered depends on `keys` in place of the broad key `broad` (one of
    PAGE_CACHE_BROAD_KEYS): a listing that shows no comment but each post's count narrows
    "comments" to nothing; a permalink, to "comments:<its id>"."""
    if broad in settings.PAGE_CACHE_EVERY_PAGE or broad not in settings.PAGE_CACHE_BROAD_KEYS:
        raise ValueError(f"{broad!r} cannot be narrowed (PAGE_CACHE_EVERY_PAGE)")
    current = recording.get()
    if current is not None:
        current.narrowed.add(broad)
        current.keys.update(keys)


def is_fresh(token, number, keys, *, known=None):
    """Whether what was stored under `token` with retirement number `number` still holds for
    every key in `keys` (versions already read may be passed in `known`)."""
    names = {key: version_key(token, key) for key in keys}
    found = known if known is not None else {}  # (filled with what is read)
    wanted = [name for key, name in names.items() if key not in found]
    if wanted:
        versions = cache.get_many(wanted)
        for key, name in names.items():
            if name in versions:
                found[key] = versions[name]
    missing = [key for key in keys if key not in found]
    if missing:
        return False
    return all(found[key] <= number for key in keys)


def give_versions(token, number, keys):
    """Keys never retired in this generation get a version: the storing request's number
    (added, so a retirement stored meanwhile stays). Returns whether what a request that began
    at `number` rendered is still fresh: no key retired since."""
    names = [version_key(token, key) for key in keys]
    present = cache.get_many(names)
    absent = {name: number for name in names if name not in present}
    add_many = getattr(cache, "add_many", None)  # one round trip where the backend has it
    if add_many is not None and absent:
        add_many(absent, None)
    else:
        for name in absent:
            cache.add(name, number, None)
    return all(version <= number for version in present.values())


def cached_until_change(name, compute, *, scope="posts"):
    """compute(), kept in the cache until the next change it depends on (or for
    BLOG_PAGE_CACHE_SECONDS): for counts and fragments that many pages share. scope="posts":
    it depends on posts, paths, tags and people only ("posts"); scope="content": on comments
    too. A page that uses it depends on the same."""
    keys = {"posts"} if scope == "posts" else {"posts", "comments"}
    current = recording.get()
    if current is not None:
        current.keys.update(keys)
        current.narrowed.difference_update(keys)
    try:
        generation, number, known = request_state()
        key = data_key(generation.token, name)
        entry = read_entries(generation.token, [key], keys, known)[key]
        if entry is not None and is_fresh(generation.token, entry[0], keys, known=known):
            return entry[1]
    except Exception:
        logger.exception("cache unavailable: %s computed without it", name)
        return compute()
    value = compute()
    try:
        give_versions(generation.token, number, keys)
        cache.set(key, (number, value), settings.BLOG_PAGE_CACHE_SECONDS)
        read = read_so_far()
        if read is not None:
            read[key] = (number, value)
    except Exception:
        logger.exception("cache unavailable: %s not stored", name)
    return value


def read_ahead(*names, scope="posts"):
    """Read what cached_until_change() keeps under `names` in one round trip, for the calls
    to come in this request (a view that knows which values it will ask for)."""
    keys = {"posts"} if scope == "posts" else {"posts", "comments"}
    try:
        generation, _number, known = request_state()
        read_entries(
            generation.token, [data_key(generation.token, name) for name in names], keys, known
        )
    except Exception:
        logger.exception("cache unavailable: nothing read ahead")


def data_key(token, name):
    return f"data:{token}:{digest_of(name)}"


def read_entries(token, wanted, keys, known):
    """{cache key: entry or None} for the cache keys `wanted` of cached_until_change(), and the
    versions of `keys` not read yet (into `known`), in one round trip, or none for what this
    request read already. The first read of a request reads the values of
    PAGE_CACHE_SHARED_VALUES with it: nearly every page uses them."""
    read = read_so_far()
    if read is None:  # outside a request
        read = {}
    unread = [key for key in wanted if key not in read]
    if unread:
        if SHARED_READ not in read:
            read[SHARED_READ] = True
            shared = [data_key(token, name) for name in settings.PAGE_CACHE_SHARED_VALUES]
            unread += [key for key in shared if key not in unread]
        versions = {version_key(token, key): key for key in keys - known.keys()}
        found = cache.get_many([*unread, *versions])
        known.update({key: found[name] for name, key in versions.items() if name in found})
        read.update({key: found.get(key) for key in unread})
    return {key: read[key] for key in wanted}


SHARED_READ = "shared-values-read"


def read_so_far():
    """{cache key: entry or None} of what cached_until_change() read in the request being
    served, or None outside a request."""
    current = recording.get()
    if current is not None:
        return current.shared
    reads = request_reads.get()
    return None if reads is None else reads.setdefault("shared", {})


def request_state():
    """(generation, retirement number, versions read so far) for the request being served: the
    ones read when it began, before any row (PageCacheMiddleware: a value stored with that
    number is never older than it says), else (outside a request) now."""
    current = recording.get()
    if current is not None:
        return current.generation, current.number, current.versions
    reads = request_reads.get()
    if reads is None:
        return *state(), {}
    if "state" not in reads:
        # Not read when the request began (the cache did not answer): nothing shared is read
        # or kept in this request (the callers make it from the database instead).
        raise LookupError("the page cache's state was not read when this request began")
    return *reads["state"], reads.setdefault("versions", {})


def kept_fragments(names):
    """{name: value} of the fragments stored by keep_fragments() under `names` that are still
    fresh: none of their keys retired since the request that made them began (the page
    cache's own rule, so a fragment is exactly as fresh as a page). The page being rendered
    depends on their keys as if it had read their rows. Two round trips at most."""
    if not names:
        return {}
    try:
        generation, _number, known = request_state()
        stored = {name: f"kept:{generation.token}:{digest_of(name)}" for name in names}
        found = cache.get_many(list(stored.values()))
        entries = {name: found[key] for name, key in stored.items() if key in found}
        wanted = {key for _number, keys, _value in entries.values() for key in keys}
        is_fresh(generation.token, 0, wanted - known.keys(), known=known)  # one read for all
    except Exception:
        logger.exception("cache unavailable: fragments made without it")
        return {}
    fresh = {}
    for name, (number, keys, value) in entries.items():
        if all(known.get(key, number + 1) <= number for key in keys):
            depends_on(*keys)
            fresh[name] = value
    return fresh


def keep_fragments(made):
    """Store {name: (value, keys)}: each value until a retirement of one of its keys (or a new
    generation: "posts" and everything), for kept_fragments(). A value whose keys were
    retired while this request ran is not stored: it may already be out of date."""
    if not made:
        return
    try:
        generation, number, _known = request_state()
        every_key = {key for _value, keys in made.values() for key in keys}
        if not give_versions(generation.token, number, every_key):
            return
        cache.set_many(
            {
                f"kept:{generation.token}:{digest_of(name)}": (number, frozenset(keys), value)
                for name, (value, keys) in made.items()
            },
            settings.BLOG_PAGE_CACHE_SECONDS,
        )
    except Exception:
        logger.exception("cache unavailable: fragments not kept")


def digest_of(name):
    return hashlib.sha256(name.encode()).hexdigest()


def purge_by_xkey(keys):
    """PAGE_CACHE_PURGE for Varnish with the xkey module (deploy/varnish/blog.vcl): one PURGE
    request to each address in PAGE_CACHE_PURGE_URLS, naming the keys in `xkey-purge`."""
    for url in settings.PAGE_CACHE_PURGE_URLS:
        request = urllib.request.Request(
            url, method="PURGE", headers={"xkey-purge": " ".join(keys)}
        )
        try:
            with urllib.request.urlopen(request, timeout=2) as response:
                response.read()
        except Exception as error:
            logger.warning("purging %d keys at %s failed: %s", len(keys), url, error)


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


def has_plain_query(request):
    """Whether the query string holds only parameters pages read, each once: a page made for
    another (?q=x&utm_source=y, ?q=x&q=y) may show it in its links (a facet's, the pager's), so
    it is not kept for the readers its key also answers."""
    return all(
        name in settings.PAGE_CACHE_QUERY_PARAMETERS and len(values) == 1
        for name, values in request.GET.lists()
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
            # The state read before the view reads any row, as for a page kept below: a piece
            # made from rows read before a change must not be stored as newer than it is.
            try:
                reads = {"state": state()}
            except Exception:
                logger.exception("cache unavailable: pieces of pages made without it")
                reads = {}
            reset = request_reads.set(reads)
            try:
                response = self.get_response(request)
            finally:
                request_reads.reset(reset)
            # A page made for this reader alone must not be kept by a shared cache; anything
            # else (media, static, the page cache switched off) keeps its own headers.
            if is_personal(request) and "Cache-Control" not in response:
                response["Cache-Control"] = "private, no-cache"
            return response
        try:
            # One round trip for the three: the page is stored with the generation and the
            # retirement number it began with.
            key = page_key(request)
            found = cache.get_many([GENERATION_KEY, COUNTER_KEY, key])
            generation, number = state(found)
            entry = found.get(key)
            if entry is not None and not (
                entry.token == generation.token
                and is_fresh(generation.token, entry.number, entry.keys)
            ):
                entry = None
        except Exception:
            logger.exception("cache unavailable: serving the page from the database")
            return self.get_response(request)
        if entry is not None:
            # A page with a form holds this reader's CSRF token: a 304 only for the same reader.
            etag = self._etag(key, entry, reader_digest(request))
            not_modified = get_conditional_response(
                request, etag=etag, last_modified=None if entry.has_form else entry.made_at
            )
            if not_modified is not None:
                return self._headers(not_modified, etag, entry, generation)
            response = self._from_entry(request, entry)
            response["X-Page-Cache"] = "hit"
        else:
            request.page_personal_values = {}
            request.GET = ReadRecorder.of(request.GET)
            made = Recording(generation, number)
            reset = recording.set(made)
            try:
                response = self.get_response(request)
            finally:
                recording.reset(reset)
            unread = set(request.GET) & set(settings.PAGE_CACHE_QUERY_PARAMETERS) - request.GET.read
            if not response_is_cacheable(response) or unread or not has_plain_query(request):
                return response
            entry, fresh = self._store(request, response, key, made)
            response["X-Page-Cache"] = "miss"
            if not fresh:
                # Something it shows changed while it was made: right for this reader, but
                # no cache may keep it.
                response["Cache-Control"] = "private, no-cache"
                patch_vary_headers(response, ["Cookie"])
                return response
        return self._headers(
            response, self._etag(key, entry, reader_digest(request)), entry, generation
        )

    @staticmethod
    def _etag(key, entry, reader):
        version = f"{entry.token}{entry.number}"
        return quote_etag(key.rsplit(":", 1)[1][:24] + version + (reader if entry.has_form else ""))

    def _store(self, request, response, key, made):
        content = response.content
        values = request.page_personal_values
        for value, name in values.items():
            content = content.replace(value.encode(), placeholder(name))
        entry = Entry(
            token=made.generation.token,
            number=made.number,
            made_at=int(time.time()),
            keys=frozenset(made.all_keys),
            content=content,
            headers={name: response[name] for name in KEPT_HEADERS if name in response},
            has_form="csrf" in values.values(),
            names=tuple(sorted(set(values.values()))),
        )
        try:
            fresh = give_versions(entry.token, entry.number, entry.keys)
            if fresh:
                cache.set(key, entry, settings.BLOG_PAGE_CACHE_SECONDS)
        except Exception:
            logger.exception("cache unavailable: page not stored")
            fresh = False
        return entry, fresh

    def _from_entry(self, request, entry):
        content = entry.content
        for name in entry.names:
            content = content.replace(placeholder(name), personal_value(request, name).encode())
        return HttpResponse(content, headers=entry.headers)

    @staticmethod
    def _headers(response, etag, entry, generation):
        response["ETag"] = etag
        if entry.has_form:
            # The form's CSRF token is this reader's: no shared cache may keep the page, and
            # only the ETag (which names the reader) may revalidate it; a date cannot.
            response["Cache-Control"] = "private, max-age=0, must-revalidate"
        else:
            response["Last-Modified"] = http_date(entry.made_at)
            shared_age, stale = settings.BLOG_CDN_MAX_AGE, settings.BLOG_CDN_STALE_SECONDS
            if generation.valid_until is not None:
                # A cache in front keeps it, stale copy included, until the clock changes it.
                left = max(0, int(generation.valid_until - time.time()))
                shared_age = min(shared_age, left)
                stale = min(stale, left - shared_age)
            response["Cache-Control"] = (
                f"public, max-age=0, s-maxage={shared_age}, stale-while-revalidate={stale}"
            )
        if settings.PAGE_CACHE_KEYS_HEADER:
            response[settings.PAGE_CACHE_KEYS_HEADER] = keys_header(entry.keys)
        patch_vary_headers(response, ["Cookie"])
        return response


@dataclass(frozen=True)
class Entry:
    """A stored page: what it was made from (generation, retirement number, keys) and what it
    is (content with placeholders for each reader's values, headers)."""

    token: str
    number: int
    made_at: int
    keys: frozenset
    content: bytes
    headers: dict
    has_form: bool
    names: tuple
