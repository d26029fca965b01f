"""What has to follow a change to models this app does not own, which it can only hear about:
tags added to or removed from a post (taggit's manager), a tag saved or deleted (taggit's
model), an author's name changed (the user model, saved by Django's auth admin). Each refreshes
the posts' search vectors (on SQLite: their rows of the search index) where tags changed, and
retires the cached pages (once per transaction). Changes to the blog's own models retire the
cache in their own save()."""

import hashlib
import unicodedata

from django.conf import settings
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils.text import slugify
from taggit.models import Tag

from pagecache import retire

from .converters import is_word, slug_of
from .models import Post
from .models.posts import refresh_search_vectors_on_commit
from .websub import feed_urls, feeds_changed


def tags_changed(sender, instance, action, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return  # the pre_* half of each change
    if action != "post_clear" and not pk_set:
        return  # taggit's set() of the tags a post already has: nothing changed
    if isinstance(instance, Post):
        refresh_search_vectors_on_commit([instance.pk])
        if settings.WEBSUB_HUB and instance.status == Post.Status.PUBLISHED:
            # Its feeds pinged, and those of the tags it left.
            slugs = Tag.objects.filter(pk__in=pk_set or ()).values_list("slug", flat=True)
            urls = [url for slug in slugs for url in feed_urls("blog:tag-feed", tags=slug)]
            feeds_changed(urls=urls, posts=[instance])
    elif pk_set:
        refresh_search_vectors_on_commit(pk_set)
    retire()


def tag_saved(sender, instance, created, **kwargs):
    if not created:
        tagged = Post.objects.filter(tagged_items__tag=instance).values_list("pk", flat=True)
        refresh_search_vectors_on_commit(list(tagged))
        retire()  # a new tag is on no page until a post carries it


def tag_deleting(sender, instance, **kwargs):
    """The posts that carry a tag about to go: their search text loses its name when the
    deletion commits (its rows go by cascade, which tells no m2m_changed)."""
    tagged = Post.objects.filter(tagged_items__tag=instance).values_list("pk", flat=True)
    refresh_search_vectors_on_commit(list(tagged))


def tag_deleted(sender, instance, **kwargs):
    retire()


def person_saved(sender, instance, update_fields=None, **kwargs):
    """Authors' names and profiles are on pages; a login (last_login alone) changes nothing."""
    if update_fields is None or set(update_fields) - {"last_login"}:
        retire()


def readable_slug(name):
    """A slug for a name that slugify() empties ("😀", "+++"): its characters' Unicode names
    ("grinning-face"), or failing that a digest of it."""
    words = " ".join(unicodedata.name(character, "") for character in name.strip()[:8])
    slug = slugify(words)[:80].strip("-")
    return slug or "tag-" + hashlib.sha256(name.encode()).hexdigest()[:10]


def tag_slug_checked(sender, instance, **kwargs):
    """Every tag gets a slug its URL accepts (letters and digits of any script, "-", "_"):
    a tag with none would make every page that links to it fail."""
    # A new tag always gets ours: taggit's own drops combining marks ("हिन्दी" → "हनद").
    slug = instance.slug or ""
    is_kept = instance.pk or getattr(instance, "slug_is_given", False)  # (an import's own)
    if is_kept and is_word(slug) and slug.strip("-_.") and "." not in slug:
        return
    base = slug_of(instance.name, length=90) or readable_slug(instance.name)
    slug, number = base[:90], 1
    while Tag.objects.filter(slug=slug).exclude(pk=instance.pk).exists():
        number += 1
        slug = f"{base[:90]}-{number}"
    instance.slug = slug


def connect():
    pre_save.connect(tag_slug_checked, sender=Tag, dispatch_uid="blog.tag_slug_checked")
    pre_delete.connect(tag_deleting, sender=Tag, dispatch_uid="blog.tag_deleting")
    post_delete.connect(tag_deleted, sender=Tag, dispatch_uid="blog.tag_deleted")
    post_save.connect(person_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="blog.person")
    post_delete.connect(person_saved, sender=settings.AUTH_USER_MODEL, dispatch_uid="blog.gone")
    m2m_changed.connect(tags_changed, sender=Post.tags.through, dispatch_uid="blog.tags_changed")
    post_save.connect(tag_saved, sender=Tag, dispatch_uid="blog.tag_saved")
