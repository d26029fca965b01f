"""Old addresses keep working: imported posts' former URLs, blosxom's URL forms and renamed
paths answer 301."""

import re

from django.conf import settings
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import render
from django.urls import reverse
from taggit.models import Tag

from .models import MAX_PATH_LENGTH, LegacyUrl, Path, PathRedirect, Post, TagRedirect

MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
# blosxom: /2014/May/13 (a day), /2014/May (a month)
BLOSXOM_DATE = re.compile(r"^/(\d{4})/([A-Za-z]{3})(?:/(\d{1,2}))?/?$")
# blosxom flavours of a listing: /openstack/index.rss20, /index.atom, /openstack/kilo/index.html
BLOSXOM_FLAVOUR = re.compile(r"^/(?:(.+)/)?index\.(html|rss20|rss|atom)$")


# /yyyy/mm/dd/slug/ and what follows it (feed/, gallery/, feed/atom/).
FORMER_PERMALINK = re.compile(r"^(/\d{4}/\d{2}/\d{2}/[^/]+/)(.+)$")


def blosxom_target(path):
    """Where blosxom's date and flavour URLs live now, or None."""
    date = BLOSXOM_DATE.match(path)
    if date and date.group(2).lower() in MONTHS:
        year, month = date.group(1), f"{MONTHS.index(date.group(2).lower()) + 1:02d}"
        if date.group(3):
            day = f"{int(date.group(3)):02d}"
            return reverse("blog:day-archive", args=[year, month, day])
        return reverse("blog:month-archive", args=[year, month])
    flavour = BLOSXOM_FLAVOUR.match(path)
    if flavour:
        where, kind = flavour.group(1), flavour.group(2)
        feed = {"rss20": "feed", "rss": "feed", "atom": "feed-atom"}.get(kind)
        if where is None:
            return reverse(f"blog:{feed}") if feed else reverse("blog:index")
        if Path.objects.filter(full_path="/" + where).exists():
            name = f"blog:path-{feed}" if feed else "blog:path-detail"
            return reverse(name, kwargs={"path": where})
    return None


# WordPress's and PyBlosxom's own addresses for listings, and where they live here.
WORDPRESS_FORMS = [
    (re.compile(r"^/tag/([^/]+)/(feed/(?:rss2/|atom/)?)?$"), "tag"),  # also PyBlosxom's tags
    (re.compile(r"^/tag/([^/]+)$"), "tag"),
    (re.compile(r"^/author/([^/]+)/(feed/(?:rss2/|atom/)?)?$"), "author"),
    (re.compile(r"^/feed/(rss2|rss|rdf)/$"), "feed"),
    (re.compile(r"^/comments/feed/(rss2|rss|rdf)/$"), "comment-feed"),
    (re.compile(r"^(/.*)?/index\.html$"), "index"),
]
FLAVOURS = {"rss20": "feed", "rss": "feed", "atom": "feed-atom"}


def listing_target(path):
    """Where WordPress's /tag/x/, /author/x/, /feed/rss2/ and PyBlosxom's /tag/x,
    /2014/index.html forms live now, or None."""
    for pattern, kind in WORDPRESS_FORMS:
        found = pattern.match(path)
        if not found:
            continue
        if kind == "tag":
            feed = "feed-atom" if (found.group(2) or "").endswith("atom/") else "feed"
            name = f"blog:tag-{feed}" if found.group(2) else "blog:tag-detail"
            return reverse(name, kwargs={"tags": tag_slug(found.group(1))})
        if kind == "author":
            name = "blog:author-feed" if found.group(2) else "blog:author-detail"
            return reverse(name, kwargs={"username": found.group(1)})
        if kind == "feed":
            return reverse("blog:feed")
        if kind == "comment-feed":
            return reverse("comments:feed")
        return (found.group(1) or "") + "/"
    return None


def tag_slug(old):
    """The slug of the tag an old address names: the same, or the one it was merged into."""
    slug = old.lower()
    if Tag.objects.filter(slug=slug).exists():
        return slug
    merged = TagRedirect.objects.filter(old_slug=slug).select_related("tag").first()
    return merged.tag.slug if merged is not None else slug


# WordPress's feeds asked for with ?feed= (its default address before pretty permalinks).
QUERY_FEEDS = {
    "rss2": "blog:feed",
    "rss": "blog:feed",
    "rdf": "blog:feed",
    "atom": "blog:feed-atom",
    "comments-rss2": "comments:feed",
    "comments-atom": "comments:feed-atom",
}


def query_target(request):
    """WordPress's ?tag=x and ?feed=rss2, PyBlosxom's ?flav=rss20 on any page, or None."""
    if request.path == "/" and request.GET.get("feed") in QUERY_FEEDS:
        return reverse(QUERY_FEEDS[request.GET["feed"]])
    if request.path == "/" and request.GET.get("tag"):
        return reverse("blog:tag-detail", kwargs={"tags": tag_slug(request.GET["tag"])})
    feed = FLAVOURS.get(request.GET.get("flav", ""))
    if feed:
        if request.path == "/":
            return reverse(f"blog:{feed}")
        return request.path.rstrip("/") + ("/feed/" if feed == "feed" else "/feed/atom/")
    return None


def legacy_target(request):
    """Where an address that the site does not know now lives, or None."""
    if request.path == "/" and request.GET.get("p", "").isdigit():
        old = f"/?p={request.GET['p']}"  # WordPress's short link
    elif request.path == "/" and request.GET.get("page_id", "").isdigit():
        old = f"/?page_id={request.GET['page_id']}"  # a WordPress page's short link
    elif request.path == "/" and request.GET.get("cat", "").isdigit():
        # A WordPress category's short link, registered with the category's path.
        moved = PathRedirect.objects.filter(old_full_path=f"/?cat={request.GET['cat']}")
        moved = moved.select_related("path").first()
        return listing_of(moved.path, "/") if moved is not None else None
    else:
        old = re.sub("/{2,}", "/", request.path)  # //greek/x, as some exports link it
    legacy = LegacyUrl.objects.filter(old_url__in={old, old.rstrip("/"), old.rstrip("/") + "/"})
    legacy = legacy.select_related("post").first()
    if legacy is not None and legacy.post.is_reachable:
        return legacy.post.get_absolute_url()
    if old != request.path and not request.GET:
        return old  # //greek/x/, as some exports link it: the address with single slashes
    # A page below a post's former permalink (its feed, gallery, comment feed).
    below = FORMER_PERMALINK.match(request.path)
    if below:
        legacy = LegacyUrl.objects.filter(old_url=below.group(1)).select_related("post").first()
        if legacy is not None and legacy.post.is_reachable:
            return legacy.post.get_absolute_url() + below.group(2)
    target = blosxom_target(request.path) or listing_target(request.path)
    if target:
        return target
    if len(request.path) > MAX_PATH_LENGTH + 100:
        return None  # longer than any path with its suffixes: not worth a query
    # A renamed or moved path: the longest former path that the address starts with.
    segments = request.path.strip("/").split("/")
    prefixes = ["/" + "/".join(segments[:depth]) for depth in range(len(segments), 0, -1)]
    moved = (
        PathRedirect.objects.filter(old_full_path__in=prefixes)
        .select_related("path")
        .order_by("-old_full_path")
    )
    for redirect in moved:
        if redirect.path.full_path != redirect.old_full_path:
            return listing_of(redirect.path, request.path[len(redirect.old_full_path) :])
    return None


def listing_of(path, rest):
    """The address of `path` followed by `rest` (/, /feed/…). A WordPress category that no
    post had first became a tag of its posts, not their path: its old addresses lead to the
    tag of its name, where its posts are."""
    if Post.objects.published().under(path).exists():
        return path.full_path + rest
    tag = Tag.objects.filter(name__iexact=path.name).first()
    if tag is None or not Post.objects.published().tagged(tag.slug).exists():
        return path.full_path + rest
    name = "blog:tag-feed" if rest.startswith("/feed") else "blog:tag-detail"
    return reverse(name, kwargs={"tags": tag.slug})


class LegacyUrlMiddleware:
    """After a 404 (and for /?p=ID, /?page_id=ID, /?cat=ID), look the address up among the old
    ones."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method in ("GET", "HEAD") and request.GET:
            # Pages that exist here too, asked for the old way (/?p=12, /?tag=x, ?flav=rss20).
            is_short_link = request.path == "/" and {"p", "page_id", "cat"} & request.GET.keys()
            target = (legacy_target(request) if is_short_link else None) or query_target(request)
            if target:
                return HttpResponsePermanentRedirect(target)
        response = self.get_response(request)
        if response.status_code == 404 and request.method in ("GET", "HEAD"):
            target = legacy_target(request)
            if target:
                return HttpResponsePermanentRedirect(target)
        return response


class ThemedNotFoundMiddleware:
    """With DEBUG on (make run), a missing post shows the site's own 404 page as in
    production, not Django's debug page; real errors still get the debug page, and
    ?debug-404 shows Django's for a 404 too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if settings.DEBUG and isinstance(exception, Http404) and "debug-404" not in request.GET:
            return render(request, "404.html", status=404)
        return None
