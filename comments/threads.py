"""A page of a post's comment threads, as the permalink and its comment-page-N pages show it.

For a reader with no held comment of their own, the page (its HTML, its number, the number of
threads) is kept in the cache whole, under the post's comments_version: one more at every
change to the post's comments or to what their threads show (blog.models.retire_comments_of,
in the transaction that makes the change). A post whose comments did not change shows its
threads from one cache read, with no comment query. A reader with held comments gets their
own page made for them and never stored whole; each of its threads still comes from the
fragment cache (blog.fragments), under a digest of what it shows.
"""

import logging
from dataclasses import asdict, dataclass, fields

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe

from blog.fragments import FRAGMENT_SECONDS, cached_html, digest_key, template_digest

from .models import Comment, threads_per_page

logger = logging.getLogger(__name__)

THREAD_TEMPLATE = "comments/_comment.html"
# The fields of a post its threads' cache key reads (comments_are_open reads the last three).
KEY_FIELDS = ("comments_version", "created_at", "kind", "allow_comments", "status", "published_at")


@dataclass(frozen=True)
class ThreadPage:
    """What a comment section shows of a page of threads, in plain values (the cache keeps
    them as a dict)."""

    html: str  # the threads' <li> elements, from our own template
    number: int
    count: int  # threads on all the pages
    per_page: int  # 0: every thread on one page
    held_count: int = 0  # the reader's own held comments on it

    @property
    def threads_html(self):
        # Our own template's output: every value in it was escaped when it was rendered.
        return mark_safe(self.html)

    @property
    def page(self):
        """This page among the others (paginator, has_next()…), for their links; no query."""
        threads = range(self.count)
        return Paginator(threads, self.per_page or max(self.count, 1)).page(self.number)


def thread_page(post, number, held_ids=()):
    """Page `number` of the threads of `post` a reader may see (their own held comments
    `held_ids` too), as a ThreadPage; raises InvalidPage for a page that is not there."""
    if held_ids:
        return made_thread_page(post, number, held_ids)
    key = thread_page_key(post, number)
    try:
        found = cache.get(key)
    except Exception:
        logger.exception("cache unavailable: comment threads read from the database")
        return made_thread_page(post, number)
    if found is not None:
        return ThreadPage(**found)
    made = made_thread_page(post, number)
    try:
        cache.set(key, asdict(made), FRAGMENT_SECONDS)
    except Exception:
        logger.exception("cache unavailable: comment threads not stored")
    return made


def thread_page_key(post, number):
    """The cache key of a page of threads readers share: the post's comments_version and
    everything else the page depends on that does not change it."""
    values = (
        [field.name for field in fields(ThreadPage)],  # what is stored under it
        template_digest(THREAD_TEMPLATE),
        post.pk,
        # Another database (emptied and filled again, the cache kept) may have a post of the
        # same id and version: the moment the post was made tells them apart.
        post.created_at,
        post.comments_version,
        number,
        threads_per_page(post),
        settings.COMMENTS_ORDER,
        settings.COMMENTS_MAX_DEPTH,  # threads deeper than this are shown flattened
        post.comments_are_open,  # the reply links
        timezone.get_current_timezone_name(),
    )
    return digest_key("comment-thread-page", values)


def made_thread_page(post, number, held_ids=()):
    """Page `number` of the threads, read from the database (two queries: see
    CommentQuerySet.thread_page) and rendered, thread by thread, from the fragment cache."""
    page = Comment.objects.thread_page(post, number, held_ids)
    add_thread_html(post, page.object_list)
    return ThreadPage(
        html="".join(thread.thread_html for thread in page.object_list),
        number=page.number,
        count=page.paginator.count,
        per_page=threads_per_page(post),
        held_count=sum(comment.is_held for comment in every_comment(page.object_list)),
    )


def add_thread_html(post, threads):
    """Give each thread (a top-level comment and its replies) its rendered HTML as
    `thread_html`, kept in the cache under a digest of everything it shows (blog.fragments)."""
    code = template_digest(THREAD_TEMPLATE)
    is_open = post.comments_are_open
    zone = timezone.get_current_timezone_name()

    def key(thread):
        names = ("pk", "parent_id", "status", "is_by_author", "author_name", "author_url")
        names += ("created_at", "body_html")
        shown = [[getattr(c, name) for name in names] for c in every_comment([thread])]
        return digest_key("comment-thread", (code, zone, is_open, shown))

    cached_html(
        threads,
        key=key,
        render=lambda thread: render_to_string(THREAD_TEMPLATE, {"comment": thread, "post": post}),
        attribute="thread_html",
    )


def every_comment(thread):
    """The comments of a thread (as Comment.objects.thread() gives it), replies too."""
    for comment in thread:
        yield comment
        yield from every_comment(comment.thread_replies)
