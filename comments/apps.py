from django.apps import AppConfig
from django.db.models.signals import post_save


class CommentsConfig(AppConfig):
    name = "comments"
    verbose_name = "Comments"

    def ready(self):
        # The blog cannot know who follows it by email (it may not import this app): when a
        # post is saved as published, now or for later, its announcement is queued from here.
        post_save.connect(announce_saved_post, sender="blog.Post")


def announce_saved_post(sender, instance, raw=False, **kwargs):
    if raw:  # loaddata
        return
    from .notices import announce_post_when_visible

    announce_post_when_visible(instance)
