"""What has to follow a change that Post.save() does not see: tags added or removed, a tag
renamed. (Cache invalidation lives in blog.cache.)"""

from django.db.models.signals import m2m_changed, post_save
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


def connect():
    m2m_changed.connect(tags_changed, sender=Post.tags.through, dispatch_uid="blog.tags_changed")
    post_save.connect(tag_saved, sender=Tag, dispatch_uid="blog.tag_saved")
