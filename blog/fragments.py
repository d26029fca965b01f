"""Pieces of pages kept in the cache under a digest of everything they show: a listing
entry (one post in a front page, archive, path, tag or author listing), a year's titles, a
feed item's body with absolute addresses, and (for the comments app) a comment thread and an
item of the recent comments.

The key is made of the values the piece prints, not of a version someone must remember to
bump: for an entry the post's own fields (text, title, date, comment count), its author's name,
its path, its tags, its pictures, its related posts, the byline setting and the time zone, plus
a digest of the templates, of blog.markup and of the addresses they link to (a deploy that
changes any of them makes new keys). Any change a reader could see makes a new key, so nothing
is ever invalidated; old pieces expire after FRAGMENT_SECONDS. What the cache saves is the
rendering: the rows are read as before, so a page asks the database the same number of
questions, hit or miss.
"""

import hashlib
import logging
from functools import cache as once
from pathlib import Path
from types import SimpleNamespace

from django.conf import settings
from django.core.cache import cache
from django.template.loader import get_template, render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from pagecache import keep_fragments, kept_fragments

from . import markup
from .models import comments_cache_key, post_cache_key

logger = logging.getLogger(__name__)

ENTRY_TEMPLATES = ("blog/_entry.html", "blog/_entry_footer.html", "blog/_thumbnails.html")
FRAGMENT_SECONDS = 24 * 3600


@once
def code_digest():
    """The entry templates' source, the code that makes HTML of text (blog.markup) and the
    shape of the addresses they print, once a process (a deploy restarts the processes)."""
    parts = [
        template_digest(*ENTRY_TEMPLATES),
        hashlib.blake2b(Path(markup.__file__).read_bytes(), digest_size=16).hexdigest(),
        reverse("blog:post-detail", kwargs={"year": 2000, "month": 1, "day": 2, "slug": "s"}),
        reverse("blog:post-gallery", kwargs={"year": 2000, "month": 1, "day": 2, "slug": "s"}),
        reverse("blog:day-archive", kwargs={"year": 2000, "month": 1, "day": 2}),
        reverse("blog:month-archive", kwargs={"year": 2000, "month": 1}),
        reverse("blog:path-detail", kwargs={"path": "p"}),
        reverse("blog:tag-detail", kwargs={"tags": "t"}),
        reverse("blog:author-detail", kwargs={"username": "u"}),
        settings.MEDIA_URL,
    ]
    return hashlib.blake2b("\n".join(parts).encode(), digest_size=16).hexdigest()


def link_of(post):
    """What a link to a post prints: its address is made of these."""
    return (post.pk, post.kind, post.pub_date, post.slug, post.page_path, post.display_title)


def picture_shown(picture):
    """What an entry's thumbnail prints of a picture."""
    return [picture.pk, picture.alt, picture.thumbnail_width, picture.thumbnail_height] + [
        rendition.url for rendition in picture.files
    ]


def entry_key(post, show_byline):
    """The cache key of `post`'s entry: a digest of every value the entry shows."""
    author, path = post.author, post.path
    values = (
        code_digest(),
        timezone.get_current_timezone_name(),
        show_byline,
        link_of(post),
        post.title,
        post.published_at,
        post.body_html,
        post.excerpt_html,
        post.comment_count,
        (author.username, author.public_name),
        path and path.full_path,
        [(tag.slug, tag.name) for tag in post.tag_list],
        [picture_shown(picture) for picture in post.images.all()],
        [link_of(related) for related in getattr(post, "related", ())],
    )
    return digest_key("entry", values)


def entry_name(post, show_byline):
    """The name a post's entry is kept under by the page cache's rule (kept_fragments): the
    post, and what every entry of the page shares (templates, time zone, byline)."""
    zone = timezone.get_current_timezone_name()
    return f"entry:{post.pk}:{code_digest()}:{zone}:{show_byline}"


def entry_keys(post):
    """The page-cache keys of what can change an entry without a change of posts, paths, tags,
    pictures or people (each of which retires every page and fragment): the post itself, its
    number of comments, and each related post it links to (a title, an address)."""
    related = getattr(post, "related", ())
    return {
        post_cache_key(post.pk),
        comments_cache_key(post.pk),
        *(post_cache_key(other.pk) for other in related),
    }


def add_entry_html(posts, *, show_byline, complete):
    """Give each post its rendered entry as `entry_html`.

    First from the entries kept until their keys retire (one or two round trips, nothing read
    from the database: the page depends on their keys as if it had read them); the others are
    completed by `complete(posts)` (their tags, pictures and related posts read) and come from
    the cache under a digest of every value they show, or are rendered (see cached_html)."""
    names = {post.pk: entry_name(post, show_byline) for post in posts}
    kept = kept_fragments(list(names.values()))
    missing = []
    for post in posts:
        html = kept.get(names[post.pk])
        if html is None:
            missing.append(post)
        else:
            post.entry_html = mark_safe(html)  # our own template's output, stored below
    if not missing:
        return
    complete(missing)
    cached_html(
        missing,
        key=lambda post: entry_key(post, show_byline),
        render=lambda post: render_to_string(
            ENTRY_TEMPLATES[0], {"post": post, "show_byline": show_byline}
        ),
        attribute="entry_html",
    )
    keep_fragments({names[post.pk]: (str(post.entry_html), entry_keys(post)) for post in missing})


def year_titles_html(posts):
    """A year's titles under their months and days (the year archive), from the cache when
    no title, date or address in it changed."""
    holder = SimpleNamespace(posts=posts)
    values = (code_digest(), template_digest("blog/_year_titles.html"), *map(link_of, posts))
    cached_html(
        [holder],
        key=lambda _holder: digest_key("year-titles", values),
        render=lambda _holder: render_to_string("blog/_year_titles.html", {"year_titles": posts}),
        attribute="html",
    )
    return holder.html


def digest_key(kind, values):
    """A fragment's cache key: `kind` and a digest of every value it shows."""
    return f"fragment:{kind}:{hashlib.blake2b(repr(values).encode()).hexdigest()}"


def template_digest(*names):
    """A digest of templates' source, to put in a key: a deploy that changes them makes new
    keys (the templates are read once a process)."""
    return hashlib.blake2b(
        "\n".join(get_template(name).template.source for name in names).encode(), digest_size=16
    ).hexdigest()


def cached_html(objects, *, key, render, attribute):
    """Set `attribute` on each object to its HTML: render(object), kept in the cache under
    key(object). One round trip for all of them; only those not found are rendered (and
    stored). render() must be one of our templates: its output is marked safe."""
    keys = {id(item): key(item) for item in objects}
    try:
        found = cache.get_many(keys.values())
    except Exception:
        logger.exception("cache unavailable: fragments rendered without it")
        found = None
    made = {}
    for item in objects:
        html = found.get(keys[id(item)]) if found is not None else None
        if html is None:
            html = made[keys[id(item)]] = render(item)
        # Our own template's output: every value in it was escaped when it was rendered.
        setattr(item, attribute, mark_safe(html))
    if made and found is not None:
        try:
            cache.set_many(made, FRAGMENT_SECONDS)
        except Exception:
            logger.exception("cache unavailable: fragments not stored")
