"""RSS and Atom feeds of approved comments: the whole site, one post, one path."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from blog.feeds import AtomWithContent, RssWithHub, SiteFeed, atom
from blog.fragments import code_digest
from blog.models import Path, Post, comments_cache_key, post_cache_key
from pagecache import cached_until_change, keep_fragments, kept_fragments, narrows

from .models import Comment

FEED_LENGTH = 30
THREADING_NAMESPACE = "http://purl.org/syndication/thread/1.0"


def add_in_reply_to(handler, item):
    """A reply says what it answers (RFC 4685): the parent's id and its place on the page."""
    if item.get("in_reply_to"):
        ref, href = item["in_reply_to"]
        handler.addQuickElement(
            "thr:in-reply-to", None, {"ref": ref, "href": href, "type": "text/html"}
        )


class AtomWithThreading(AtomWithContent):
    """Atom whose replies say what they answer (thr:in-reply-to)."""

    def root_attributes(self):
        return {**super().root_attributes(), "xmlns:thr": THREADING_NAMESPACE}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        add_in_reply_to(handler, item)


class RssWithThreading(RssWithHub):
    """RSS 2.0 whose replies say what they answer (thr:in-reply-to, as in Atom)."""

    def rss_attributes(self):
        return {**super().rss_attributes(), "xmlns:thr": THREADING_NAMESPACE}

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        add_in_reply_to(handler, item)


@dataclass(frozen=True)
class FeedComment:
    """A comment as its feed item shows it (CommentFeed.facts)."""

    pk: int
    created_at: datetime.datetime
    post_title: str
    author_name: str
    author_link: str | None
    link: str
    body_html: str
    in_reply_to: tuple | None

    def get_absolute_url(self):
        return self.link


class CommentFeed(SiteFeed):
    """The newest approved comments on published posts."""

    feed_type = RssWithThreading

    def comments(self, obj):
        return Comment.objects.public()

    def shown(self, obj):
        """(id, post id) of the comments the feed shows, newest first: kept until the next
        change of comments or posts (a feed of every comment, or of a path's, depends on
        them all)."""
        return cached_until_change(
            f"feed-comments:{self.address}",
            lambda: list(self.comments(obj).recent().values_list("pk", "post_id")[:FEED_LENGTH]),
            scope="content",
        )

    def items(self, obj):
        """The newest comments as FeedComments: each kept whole until its post or the post's
        comments change (pagecache.kept_fragments), else read with its post, its parent and
        its place in the threads."""
        shown = self.shown(obj)
        names = {pk: f"feed-comment:{pk}:{self.site_url}:{code_digest()}" for pk, _post in shown}
        kept = kept_fragments(list(names.values()))
        missing = [pk for pk, _post in shown if names[pk] not in kept]
        if missing:
            full = Comment.objects.filter(pk__in=missing).select_related("post", "parent")
            comments = self.add_feed_html(list(full.with_thread_position()))
            made = {
                names[comment.pk]: (
                    self.facts(comment),
                    {comments_cache_key(comment.post_id), post_cache_key(comment.post_id)},
                )
                for comment in comments
            }
            keep_fragments(made)
            kept.update({name: facts for name, (facts, _keys) in made.items()})
        return [FeedComment(**kept[names[pk]]) for pk, _post in shown if names[pk] in kept]

    def facts(self, comment):
        """What the feed says of a comment (a FeedComment's fields)."""
        in_reply_to = None
        if comment.parent_id:
            # A reply's parent is in the same thread, so on the same page.
            parent_url = f"{self.site_url}{comment.page_url()}#comment-{comment.parent_id}"
            in_reply_to = (self.guid(comment.parent), parent_url)
        return {
            "pk": comment.pk,
            "created_at": comment.created_at,
            "post_title": comment.post.display_title,
            "author_name": comment.author_name,
            "author_link": comment.safe_url or None,
            "link": comment.get_absolute_url(),
            "body_html": self.entry_html(comment, comment.body_html),
            "in_reply_to": in_reply_to,
        }

    def title(self, obj):
        return f"{settings.BLOG_TITLE}: all comments"

    def description(self, obj):
        return f"The newest comments on {settings.BLOG_TITLE}"

    def link(self, obj):
        return reverse("comments:recent")

    def item_title(self, comment):
        return f"Comment on {comment.post_title} by {comment.author_name}"

    def item_link(self, comment):
        return comment.link

    def item_description(self, comment):
        return comment.body_html

    def item_author_name(self, comment):
        return comment.author_name

    def item_author_link(self, comment):
        return comment.author_link

    def item_pubdate(self, comment):
        return comment.created_at

    item_guid_is_permalink = False

    def item_guid(self, comment):
        return self.guid(comment)

    def guid(self, comment):
        return f"tag:{self.host},{comment.created_at.date().isoformat()}:comment:{comment.pk}"

    def item_extra_kwargs(self, comment):
        extra = {"content_html": comment.body_html}
        if comment.in_reply_to:
            extra["in_reply_to"] = comment.in_reply_to
        return extra


class PostCommentFeed(CommentFeed):
    def get_object(self, request, year, month, day, slug):
        posts = Post.objects.readable().at(year, month, day, slug)
        return get_object_or_404(posts.select_related("author", "path"))

    def comments(self, obj):
        narrows("comments", comments_cache_key(obj.pk))  # this post's comments, none other
        return Comment.objects.approved().filter(post=obj)

    def shown(self, obj):
        # Read each time: kept under every comment's change, it would make the feed depend on
        # every post's comments, not on this post's alone.
        return list(self.comments(obj).recent().values_list("pk", "post_id")[:FEED_LENGTH])

    def title(self, obj):
        return f"Comments on {obj.title}"

    def description(self, obj):
        return f"Comments on “{obj.title}” at {settings.BLOG_TITLE}"

    def link(self, obj):
        return obj.get_absolute_url()


class PathCommentFeed(CommentFeed):
    def get_object(self, request, path):
        place = get_object_or_404(Path, full_path="/" + path)
        if not Post.objects.published().under(place).exists():
            raise Http404("Nothing published here.")
        return place

    def comments(self, obj):
        return Comment.objects.public().under(obj)

    def title(self, obj):
        return f"{settings.BLOG_TITLE}: comments under {obj.full_path}"

    def description(self, obj):
        return f"Comments on posts filed under {obj.full_path}"

    def link(self, obj):
        return reverse("comments:recent") + f"?path={obj.full_path}"


def atom_of_comments(feed_class):
    """The Atom twin of a comment feed: the comment in <content> only, replies threaded."""
    return atom(feed_class, feed_type=AtomWithThreading)
