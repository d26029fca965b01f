"""WebSub (https://www.w3.org/TR/websub/): every feed names the hub of WEBSUB_HUB (see
blog/feeds.py), and each change of a feed's content pings the hub for that feed, through the
queue, once per transaction: a post's change touches the site's feeds, its path's and every
ancestor's, its tags' and its author's (before and after the change); a comment's touches the
comment feeds (comments/models.py names them)."""

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django_tasks import task

from pagecache import once_on_commit
from safefetch import FetchRefused, fetch

logger = logging.getLogger(__name__)
FORMATS = ("", "-atom", "-json")  # RSS, Atom, JSON Feed


class HubPingFailed(Exception):
    """The hub did not take every ping (the queue may try again)."""


@task()
def ping_hub(feed_urls):
    """POST hub.mode=publish for each feed URL to the hub."""
    failures = []
    for url in feed_urls:
        try:
            response = fetch(
                settings.WEBSUB_HUB, data={"hub.mode": "publish", "hub.url": url}, max_bytes=65536
            )
        except FetchRefused as refusal:
            failures.append(f"{url}: {refusal}")
            continue
        if not 200 <= response.status < 300:
            failures.append(f"{url}: HTTP {response.status}")
    if failures:
        raise HubPingFailed("; ".join(failures))


def feed_urls(name, **kwargs):
    """The absolute addresses of one feed in every format: feed_urls("blog:tag-feed", tags=…)."""
    return {settings.SITE_URL + reverse(name + suffix, kwargs=kwargs) for suffix in FORMATS}


def post_feed_urls(post):
    """The post feeds `post` is in (as the database has it now)."""
    urls = feed_urls("blog:feed")
    if post.is_page:
        return set()
    parts = post.path.full_path.strip("/").split("/")
    for depth in range(1, len(parts) + 1):
        urls |= feed_urls("blog:path-feed", path="/".join(parts[:depth]))
    for slug in post.tags.values_list("slug", flat=True):
        urls |= feed_urls("blog:tag-feed", tags=slug)
    return urls | feed_urls("blog:author-feed", username=post.author.username)


class FeedPings:
    """The feeds a transaction changed, pinged once when it commits: `urls` known already,
    and the feeds of `posts` as they are then (their tags are saved after them)."""

    def __init__(self, urls=(), posts=()):
        self.urls, self.posts = set(urls), {post.pk: post for post in posts}

    def merge(self, other):
        self.urls |= other.urls
        self.posts.update(other.posts)

    def __call__(self):
        now, later = set(self.urls), {}
        for post in self.posts.values():
            if post.published_at > timezone.now():  # in the feeds when it comes out
                later.setdefault(post.published_at, set()).update(post_feed_urls(post))
            else:
                now |= post_feed_urls(post)
        if now:
            ping_hub.enqueue(sorted(now))
        for moment, urls in later.items():
            if ping_hub.get_backend().supports_defer:
                ping_hub.using(run_after=moment).enqueue(sorted(urls))


def feeds_changed(*, urls=(), posts=()):
    """Ping the hub for these feeds (and those of `posts`) when the transaction commits."""
    if settings.WEBSUB_HUB and settings.SITE_URL:
        once_on_commit(FeedPings(urls, posts))
