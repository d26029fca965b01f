"""What has to follow a change that Post.save() does not see: tags added or removed, a tag
renamed. (Cache invalidation lives in blog.cache.)"""

import hashlib
import re
import unicodedata

from django.db.models.signals import m2m_changed, post_save, pre_save
from django.utils.text import slugify
from taggit.models import Tag

from .models import Post


def tags_changed(sender, instance, action, pk_set, **kwargs):
    if action not in {"post_add", "post_remove", "post_clear"}:
        return
    if isinstance(instance, Post):
        Post.objects.filter(pk=instance.pk).refresh_search_vectors()
    elif pk_set:
        Post.objects.filter(pk__in=pk_set).refresh_search_vectors()


def tag_saved(sender, instance, created, **kwargs):
    if not created:
        Post.objects.filter(tagged_items__tag=instance).refresh_search_vectors()


TAG_SLUG = re.compile(r"^[-\w]+$")


def readable_slug(name):
    """A slug for a name that slugify() empties ("😀", "+++"): its characters' Unicode names
    ("grinning-face"), or failing that a digest of it."""
    words = " ".join(unicodedata.name(character, "") for character in name.strip()[:8])
    slug = slugify(words)[:80].strip("-")
    return slug or "tag-" + hashlib.sha256(name.encode()).hexdigest()[:10]


def tag_slug_checked(sender, instance, **kwargs):
    """Every tag gets a slug its URL accepts (letters and digits of any script, "-", "_"):
    a tag with none would make every page that links to it fail."""
    if TAG_SLUG.match(instance.slug or "") and instance.slug.strip("-_"):
        return
    base = slugify(instance.name, allow_unicode=True).strip("-_") or readable_slug(instance.name)
    slug, number = base[:90], 1
    while Tag.objects.filter(slug=slug).exclude(pk=instance.pk).exists():
        number += 1
        slug = f"{base[:90]}-{number}"
    instance.slug = slug


def connect():
    pre_save.connect(tag_slug_checked, sender=Tag, dispatch_uid="blog.tag_slug_checked")
    m2m_changed.connect(tags_changed, sender=Post.tags.through, dispatch_uid="blog.tags_changed")
    post_save.connect(tag_saved, sender=Tag, dispatch_uid="blog.tag_saved")
