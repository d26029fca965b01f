"""What a change of a post tells other sites, through the queue once the change commits:
webmentions to the pages it links to (blog/webmention.py) and a WebSub ping for the feeds it
is in (blog/websub.py). Post.save() and Post.delete() call these."""

from django.conf import settings

from pagecache import once_on_commit

from .webmention import send_webmentions
from .websub import feeds_changed, post_feed_urls


class WebmentionSends:
    """The posts whose links get webmentions when the transaction commits (each at its
    publication time if that is still to come)."""

    def __init__(self, post):
        self.posts = {post.pk: post}

    def merge(self, other):
        self.posts.update(other.posts)

    def __call__(self):
        backend = send_webmentions.get_backend()
        for post in self.posts.values():
            if post.is_published:
                send_webmentions.enqueue(post.pk)
            elif post.is_scheduled and backend.supports_defer:
                send_webmentions.using(run_after=post.published_at).enqueue(post.pk)


def post_saved(post, stored):
    """`post` was saved (`stored`: how it was before, or None when new)."""
    is_public = post.status == post.Status.PUBLISHED
    was_public = stored is not None and stored.status == stored.Status.PUBLISHED
    if is_public and settings.SITE_URL:
        once_on_commit(WebmentionSends(post))
    if is_public or was_public:
        # Its feeds as they were (another path, author or tags) and as they will be.
        feeds_changed(urls=post_feed_urls(stored) if was_public else (), posts=[post])


def post_deleting(post):
    if post.status == post.Status.PUBLISHED:
        feeds_changed(urls=post_feed_urls(post))
