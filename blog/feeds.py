"""RSS 2.0 and Atom feeds of posts: the whole site, a path, a tag, an author."""

import copy
import datetime
import io
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed

from pagecache import cached_until_change, keep_fragments, kept_fragments, narrows

from .fragments import cached_html, code_digest, digest_key
from .jsonfeed import JsonFeed
from .markup import absolute_urls
from .models import Path, Post, post_cache_key
from .views import _tags_or_404

FEED_LENGTH = 20


class WrittenAtOnce:
    """A feed generator that writes its document into the response at once: Django's writes
    each piece of XML into it (about a thousand writes a feed, each encoded on its own)."""

    def write(self, outfile, encoding):
        document = io.StringIO()
        super().write(document, encoding)
        outfile.write(document.getvalue())


class RssWithHub(WrittenAtOnce, Rss201rev2Feed):
    """RSS naming its WebSub hub (<atom:link rel="hub">) beside itself (rel="self")."""

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.feed.get("hub"):
            handler.addQuickElement("atom:link", None, {"rel": "hub", "href": self.feed["hub"]})


class AtomWithContent(WrittenAtOnce, Atom1Feed):
    """Atom with the full HTML in <content>, which Django's generator leaves out, naming its
    WebSub hub (<link rel="hub">) beside itself."""

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        if self.feed.get("hub"):
            handler.addQuickElement("link", "", {"rel": "hub", "href": self.feed["hub"]})

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content_html"):
            handler.addQuickElement("content", item["content_html"], {"type": "html"})


class SiteFeed(Feed):
    """A feed that knows the request's site: `host` (for tag: URIs) and `site_url`. One
    instance serves every request (in every thread), so that state goes on a copy."""

    feed_type = RssWithHub

    def __call__(self, request, *args, **kwargs):
        feed = copy.copy(self)
        feed.host = request.get_host().split(":")[0]
        feed.site_url = f"{request.scheme}://{request.get_host()}"
        feed.address = request.path
        return Feed.__call__(feed, request, *args, **kwargs)

    def entry_html(self, item, html):
        """An item's HTML with its links, fragments and pictures absolute to the item's page
        (a feed reader would resolve relative ones against the feed's address); its body's
        from add_feed_html when the item went through it."""
        if html and html is item.body_html and hasattr(item, "feed_body_html"):
            return item.feed_body_html
        return absolute_urls(html, self.site_url + item.get_absolute_url()) if html else html

    def add_feed_html(self, items):
        """Give each item its body with absolute addresses as `feed_body_html`, kept in the
        cache under a digest of the body and the item's address (blog.fragments)."""
        cached_html(
            items,
            key=lambda item: digest_key(
                "feed-body", (code_digest(), self.site_url, item.get_absolute_url(), item.body_html)
            ),
            render=lambda item: absolute_urls(
                item.body_html, self.site_url + item.get_absolute_url()
            ),
            attribute="feed_body_html",
        )
        return items

    def feed_extra_kwargs(self, obj):
        return {"hub": settings.WEBSUB_HUB}


def atom(feed_class, *, feed_type=AtomWithContent, summary=None):
    """The Atom twin of an RSS feed class: the full HTML in <content>, `summary(item)` (or
    nothing) in <summary>."""
    return type(
        f"Atom{feed_class.__name__}",
        (feed_class,),
        {
            "feed_type": feed_type,
            "subtitle": feed_class.description,
            "item_description": lambda self, item: (
                self.entry_html(item, summary(item)) if summary else None
            ),
        },
    )


@dataclass(frozen=True)
class FeedPost:
    """A post as its feed item shows it (PostFeed.facts), its addresses made absolute."""

    pk: int
    display_title: str
    link: str
    body_html: str
    excerpt_html: str | None
    author_name: str
    author_link: str
    published_at: datetime.datetime
    updated_at: datetime.datetime
    categories: list
    guid: str

    def get_absolute_url(self):
        return self.link


class PostFeed(SiteFeed):
    """The site's newest published posts; subclasses narrow `posts()` and describe themselves."""

    def posts(self, obj):
        return Post.objects.published()

    def items(self, obj):
        """The newest posts as FeedPosts: each kept whole until it changes (its key retires, or
        posts, paths, tags or people change: pagecache.kept_fragments), else read with its
        author and tags."""
        narrows("comments")  # a post feed shows no comment
        # Which posts: kept until the next change of posts (one that moves a post in or out of
        # a feed, or changes its tags, retires every page).
        shown = cached_until_change(
            f"feed-posts:{self.address}",
            lambda: list(self.posts(obj).values_list("pk", flat=True)[:FEED_LENGTH]),
        )
        if not shown and obj is not None:
            # A path, tag or author with drafts only (or nothing) has no public feed.
            raise Http404("Nothing published here.")
        names = {pk: f"feed-post:{pk}:{self.host}:{self.site_url}:{code_digest()}" for pk in shown}
        kept = kept_fragments(list(names.values()))
        missing = [pk for pk in shown if names[pk] not in kept]
        if missing:
            posts = Post.objects.filter(pk__in=missing).select_related("author", "path")
            posts = self.add_feed_html(list(posts.prefetch_related("tags")))
            made = {names[post.pk]: (self.facts(post), {post_cache_key(post.pk)}) for post in posts}
            keep_fragments(made)
            kept.update({name: facts for name, (facts, _keys) in made.items()})
        return [FeedPost(**kept[names[pk]]) for pk in shown if names[pk] in kept]

    def facts(self, post):
        """What the feeds (RSS, Atom, JSON) say of a post (a FeedPost's fields)."""
        return {
            "pk": post.pk,
            "display_title": post.display_title,
            "link": post.get_absolute_url(),
            "body_html": self.entry_html(post, post.body_html),
            "excerpt_html": self.entry_html(post, post.excerpt_html) or None,
            "author_name": post.author.public_name,
            "author_link": self.site_url + post.author.get_absolute_url(),
            "published_at": post.published_at,
            "updated_at": post.updated_at,
            "categories": sorted(tag.name for tag in post.tags.all()),
            "guid": post.feed_id(self.host),
        }

    def entry_html(self, item, html):
        if isinstance(item, FeedPost):
            return html  # made absolute when the post's facts were
        return super().entry_html(item, html)

    def title(self, obj):
        return settings.BLOG_TITLE

    def description(self, obj):
        return settings.BLOG_DESCRIPTION

    def link(self, obj):
        return reverse("blog:index")

    def item_title(self, item):
        return item.display_title

    def item_description(self, item):
        return item.body_html

    def item_author_name(self, item):
        return item.author_name

    def item_author_link(self, item):
        return item.author_link

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.updated_at

    def item_categories(self, item):
        return item.categories

    def item_guid(self, item):
        return item.guid

    item_guid_is_permalink = False

    def item_extra_kwargs(self, item):
        return {"content_html": item.body_html}


class PathPostFeed(PostFeed):
    def get_object(self, request, path):
        return get_object_or_404(Path, full_path="/" + path)

    def posts(self, obj):
        return Post.objects.published().under(obj)

    def title(self, obj):
        return f"{settings.BLOG_TITLE}: {obj.full_path}"

    def description(self, obj):
        return obj.description or f"Posts filed under {obj.full_path}"

    def link(self, obj):
        return obj.get_absolute_url()


class TagPostFeed(PostFeed):
    def get_object(self, request, tags):
        return _tags_or_404(tags)

    def posts(self, obj):
        return Post.objects.published().tagged(*(tag.slug for tag in obj))

    def title(self, obj):
        return f"{settings.BLOG_TITLE}: tagged " + " + ".join(tag.name for tag in obj)

    def description(self, obj):
        return "Posts tagged " + " and ".join(tag.name for tag in obj)

    def link(self, obj):
        return reverse("blog:tag-detail", kwargs={"tags": "+".join(tag.slug for tag in obj)})


class AuthorPostFeed(PostFeed):
    def get_object(self, request, username):
        return get_object_or_404(get_user_model(), username=username)

    def posts(self, obj):
        return Post.objects.published().by(obj)

    def title(self, obj):
        return f"{settings.BLOG_TITLE}: posts by {obj.public_name}"

    def description(self, obj):
        return f"Posts by {obj.public_name}"

    def link(self, obj):
        return obj.get_absolute_url()


def json_feed(feed_class):
    """The JSON Feed 1.1 twin of a feed class (same items, same ids)."""
    return type(f"Json{feed_class.__name__}", (feed_class,), {"feed_type": JsonFeed})


def atom_of_posts(feed_class):
    """The Atom twin of a post feed: the excerpt (if any) in <summary>."""
    return atom(feed_class, summary=lambda post: post.excerpt_html or None)
