"""Sending webmentions (https://www.w3.org/TR/webmention/#sending-webmentions): after a post
is published or updated, a task finds the webmention endpoint of every page the post links
to, and of every page it linked to before (so that a removed link is re-checked there), and
tells it source and target. Every request goes through safefetch."""

import logging
import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from safefetch import FetchRefused, fetch

from .models import Post, SentWebmention

logger = logging.getLogger(__name__)
PAGE_MAX_BYTES = 1024 * 1024
# One value of a Link header: <target>; param=value; param="value", …
LINK_VALUE = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,=\s]+\s*(?:=\s*(?:\"[^\"]*\"|[^;,]*))?)*)")
LINK_PARAMETER = re.compile(r";\s*([^;,=\s]+)\s*(?:=\s*(\"[^\"]*\"|[^;,]*))?")


def rels_of_link_header(header):
    """[(target, [rel values])] of one Link header, in order."""
    found = []
    for match in LINK_VALUE.finditer(header):
        rels = []
        for name, value in LINK_PARAMETER.findall(match.group(2)):
            if name.lower() == "rel":
                rels += value.strip().strip('"').lower().split()
        found.append((match.group(1).strip(), rels))
    return found


class _EndpointInHtml(HTMLParser):
    """The first <link> or <a> with rel=webmention and an href, in document order (comments
    and escaped text are not tags: the parser never reports them as such)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.href = None

    def handle_starttag(self, tag, attrs):
        if self.href is not None or tag not in {"link", "a"}:
            return
        attributes = dict(attrs)
        rels = (attributes.get("rel") or "").lower().split()
        if "webmention" in rels and attributes.get("href") is not None:
            self.href = attributes["href"]

    handle_startendtag = handle_starttag


def discover_endpoint(target):
    """The webmention endpoint of `target` (absolute), or None; FetchRefused if it cannot be
    fetched. The Link header first, then the HTML; relative addresses resolved against the
    page's final address (after redirects); an empty href is the page itself."""
    response = fetch(target, headers={"Accept": "text/html"}, max_bytes=PAGE_MAX_BYTES)
    if not 200 <= response.status < 300:
        return None
    for header in response.headers.get_all("Link") or []:
        for href, rels in rels_of_link_header(header):
            if "webmention" in rels:
                return urljoin(response.url, href)
    if response.content_type not in {"text/html", "application/xhtml+xml"}:
        return None
    parser = _EndpointInHtml()
    parser.feed(response.text)
    return None if parser.href is None else urljoin(response.url, parser.href)


def send(source, target):
    """Tell the target's endpoint about `source`: (endpoint, HTTP status or None, result)."""
    try:
        endpoint = discover_endpoint(target)
    except FetchRefused as refusal:
        return "", None, f"Not fetched: {refusal}"
    if endpoint is None:
        return "", None, "No webmention endpoint."
    try:
        response = fetch(endpoint, data={"source": source, "target": target}, max_bytes=65536)
    except FetchRefused as refusal:
        return endpoint, None, f"Not sent: {refusal}"
    accepted = 200 <= response.status < 300
    return endpoint, response.status, "Accepted." if accepted else f"Refused: {response.status}."


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.hrefs += [value for name, value in attrs if name == "href" and value]


def links_in(html, base_url):
    """The other sites' pages a post's HTML links to, absolute, once each, in order."""
    parser = _Links()
    parser.feed(html)
    own_host = urlsplit(base_url).netloc.lower()
    found = []
    for href in parser.hrefs:
        url = urljoin(base_url, href.strip()).split("#", 1)[0]
        parts = urlsplit(url)
        is_elsewhere = parts.scheme in {"http", "https"} and parts.netloc.lower() != own_host
        if is_elsewhere and url not in found:
            found.append(url)
    return found


@task()
def send_webmentions(post_id):
    """Send a webmention for every link in the post (and every link it had before)."""
    post = Post.objects.readable().filter(pk=post_id).first()
    if post is None or not settings.SITE_URL:
        return
    source = settings.SITE_URL + post.get_absolute_url()
    targets = links_in(post.body_html, source)
    targets += [
        t for t in post.sent_webmentions.values_list("target", flat=True) if t not in targets
    ]
    for target in targets:
        endpoint, status_code, result = send(source, target)
        SentWebmention.objects.update_or_create(
            post=post,
            target=target,
            defaults={
                "endpoint": endpoint[:500],
                "status_code": status_code,
                "result": result[:300],
                "sent_at": timezone.now(),
            },
        )
