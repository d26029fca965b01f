"""Receiving webmentions (https://www.w3.org/TR/webmention/#receiving-webmentions): the
endpoint checks the request and answers 202 at once with a status page's address; a task
fetches the source (safefetch), checks that it links to the target, reads its microformats
(mf2py) and stores or updates the Mention, or removes it when the source is gone (410) or no
longer links here."""

import logging
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import mf2py
from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, render
from django.urls import Resolver404, resolve
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from django_tasks import task

from blog.markup import render_comment
from blog.models import Post
from config.client_address import client_address
from safefetch import FetchRefused, fetch

from .mentions import FETCH_FAILED, Mention

logger = logging.getLogger(__name__)
SOURCE_MAX_BYTES = 1024 * 1024
CONTENT_MAX_CHARS = 5000


# --- The endpoint --------------------------------------------------------------------------


@csrf_exempt  # other sites post here (a protocol endpoint, not a form of ours)
@require_http_methods(["GET", "HEAD", "POST"])
def receive(request):
    """Accept a webmention: 400 with the reason, 429 past the rate limit, or 202 and the
    address of its status page; verification happens in the queue. A GET (someone following
    the page's <link rel="webmention">) is told what the address is for."""
    if request.method != "POST":
        return HttpResponse(
            "This is the Webmention endpoint of this site (https://www.w3.org/TR/webmention/):"
            " POST source=<your page>&target=<a post here> to tell a post that you link to it.\n",
            content_type="text/plain",
        )
    if exceeds_rate(request):
        return HttpResponse(
            "Too many webmentions from your address; try again later.\n",
            status=429,
            content_type="text/plain",
        )
    source = request.POST.get("source", "").strip()
    target = request.POST.get("target", "").strip()
    post, reason = post_for(request, source, target)
    if post is None:
        return HttpResponseBadRequest(reason + "\n", content_type="text/plain")
    mention, created = Mention.objects.get_or_create(
        post=post,
        source=source,
        defaults={"target": target, "ip_address": client_address(request) or None},
    )
    if not created and mention.state != Mention.State.VERIFIED:
        # Sent again after a failure or a deletion: verify afresh; a verified one stays on
        # the page until its update is verified.
        mention.state, mention.reason, mention.target = Mention.State.QUEUED, "", target
        mention.save(update_fields=["state", "reason", "target"])
    verify_mention.enqueue(mention.pk)
    status_url = request.build_absolute_uri(mention.get_status_url())
    response = HttpResponse(
        f"Accepted: it will be verified. Its state: {status_url}\n",
        status=202,
        content_type="text/plain",
    )
    response["Location"] = status_url
    return response


def post_for(request, source, target):
    """(the published post `target` names, "") or (None, why the request is refused)."""
    for name, url in (("source", source), ("target", target)):
        if not url:
            return None, f"The {name} is missing."
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > 500:
            return None, f"The {name} must be an http or https address."
    if urldefrag(source).url == urldefrag(target).url:
        return None, "The source and the target are the same page."
    parts = urlsplit(target)
    if parts.netloc.lower() != request.get_host().lower():
        return None, "The target is not on this site."
    try:
        match = resolve(parts.path or "/")
    except Resolver404:
        match = None
    if match is None or match.view_name != "blog:post-detail":
        return None, "The target is not a post of this site."
    post = Post.objects.published().at(**match.kwargs).first()
    if post is None:
        return None, "The target is not a post of this site."
    if not post.allow_comments:
        return None, "This post does not take webmentions."
    return post, ""


def exceeds_rate(request):
    """Count this webmention against the client's address; True past WEBMENTION_LIMIT."""
    key = f"webmention:rate:{client_address(request)}"
    try:
        cache.add(key, 0, settings.WEBMENTION_WINDOW)
        return cache.incr(key) > settings.WEBMENTION_LIMIT
    except Exception:
        logger.warning("Cache unavailable: the webmention rate limit is not applied")
        return False


@require_safe
def status(request, token):
    """What became of a webmention: the address the endpoint's 202 gave."""
    mention = get_object_or_404(Mention.objects.select_related("post"), token=token)
    response = render(request, "comments/mention_status.html", {"mention": mention})
    response["Cache-Control"] = "no-store"
    return response


# --- Verification, in the queue -------------------------------------------------------------


@task()
def verify_mention(mention_id):
    """Fetch the source; store what it says, or remove the mention it no longer makes."""
    mention = Mention.objects.filter(pk=mention_id).select_related("post").first()
    if mention is None:
        return
    try:
        response = fetch(
            mention.source,
            headers={"Accept": "text/html, text/plain;q=0.5"},
            max_bytes=SOURCE_MAX_BYTES,
        )
    except FetchRefused as refusal:
        return not_verified(mention, f"{FETCH_FAILED}: {refusal}")
    if response.status == 410:
        return deleted(mention, "The source is gone (HTTP 410).")
    if response.status != 200:
        return not_verified(mention, f"The source answered HTTP {response.status}.")
    if not links_to(response, mention.target):
        if mention.state == Mention.State.VERIFIED:
            return deleted(mention, "The source no longer links to the post.")
        return not_verified(mention, "The source does not link to the post.")
    shown = (mention.state, mention.kind, mention.author_name, mention.content_html)
    read_microformats(mention, response)
    unchanged = shown == (
        Mention.State.VERIFIED,
        mention.kind,
        mention.author_name,
        mention.content_html,
    )
    mention.state, mention.reason, mention.verified_at = Mention.State.VERIFIED, "", timezone.now()
    mention.moderate(unchanged=unchanged)
    mention.save()


def not_verified(mention, reason):
    """A mention already verified stays as it was through a passing failure (a time-out, an
    error page); a new one is marked failed, never shown."""
    if mention.state != Mention.State.VERIFIED:
        mention.state = Mention.State.FAILED
    mention.reason = reason[:300]
    mention.save(update_fields=["state", "reason"])


def deleted(mention, reason):
    """The source retracted it: off the page, and nothing of its content kept."""
    mention.state, mention.reason = Mention.State.DELETED, reason
    mention.content = mention.content_html = ""
    mention.save()


class _Links(HTMLParser):
    """Every address an HTML document links to or embeds."""

    ATTRIBUTES = {"href", "src", "cite", "data"}

    def __init__(self):
        super().__init__()
        self.urls = []

    def handle_starttag(self, tag, attrs):
        self.urls += [value for name, value in attrs if name in self.ATTRIBUTES and value]


def links_to(response, target):
    """Whether the source links to the target (an exact match, as the spec asks, once
    resolved against the source's address); a plain-text source by containing it."""
    if response.content_type == "text/plain":
        return target in response.text
    links = _Links()
    links.feed(response.text)
    return any(urljoin(response.url, url.strip()) == target for url in links.urls)


def first_entry(items):
    """The first h-entry in a parsed document, looking inside h-feeds and children too."""
    for item in items:
        if "h-entry" in item.get("type", []):
            return item
        found = first_entry(item.get("children", []))
        if found:
            return found
    return None


def url_of(value):
    """A property's URL: a plain string, or an embedded h-cite/h-card's url."""
    if isinstance(value, dict):
        urls = value.get("properties", {}).get("url") or [value.get("value", "")]
        return urls[0] if isinstance(urls[0], str) else ""
    return value if isinstance(value, str) else ""


def read_microformats(mention, response):
    """Author, content, date and kind from the source's first h-entry (mf2py)."""
    parsed = mf2py.parse(doc=response.text, url=response.url)
    entry = first_entry(parsed.get("items", [])) or {"properties": {}}
    properties = entry["properties"]
    author = (properties.get("author") or [""])[0]
    if isinstance(author, dict):
        card = author.get("properties", {})
        name = (card.get("name") or [author.get("value", "")])[0]
        mention.author_url = web_url((card.get("url") or [""])[0])
        photo = (card.get("photo") or [""])[0]
        mention.author_photo = web_url(photo.get("value", "") if isinstance(photo, dict) else photo)
    else:
        name, mention.author_url, mention.author_photo = author, "", ""
    mention.author_name = " ".join(str(name).split())[:100]
    content = (properties.get("content") or [""])[0]
    html = content.get("html", "") if isinstance(content, dict) else str(content)
    text = content.get("value", "") if isinstance(content, dict) else str(content)
    mention.content = text[:CONTENT_MAX_CHARS]
    mention.content_html = render_comment(html[:CONTENT_MAX_CHARS], markup="html") if html else ""
    published = (properties.get("published") or [""])[0]
    mention.published_at = parse_datetime(published) if isinstance(published, str) else None
    if mention.published_at is not None and timezone.is_naive(mention.published_at):
        mention.published_at = timezone.make_aware(mention.published_at, timezone.utc)
    mention.kind = kind_of(properties, mention.target)


def kind_of(properties, target):
    for name, kind in (
        ("in-reply-to", Mention.Kind.REPLY),
        ("like-of", Mention.Kind.LIKE),
        ("repost-of", Mention.Kind.REPOST),
    ):
        if any(same_page(url_of(value), target) for value in properties.get(name, [])):
            return kind
    return Mention.Kind.MENTION


def same_page(url, target):
    return bool(url) and urldefrag(url).url.rstrip("/") == urldefrag(target).url.rstrip("/")


def web_url(url):
    """The URL if it is http(s) and fits the field, else nothing."""
    url = (url or "").strip()
    return url if url.lower().startswith(("http://", "https://")) and len(url) <= 500 else ""
