from django.conf import settings
from django.db import models
from django.db.models import Q

from .posts import Post


class AutosaveQuerySet(models.QuerySet):
    def of_form(self, user, kind, post=None):
        """The autosave of one person's post form: the post's, or their unsaved new one's."""
        if post is not None:
            return self.filter(user=user, post=post)
        return self.filter(user=user, post__isnull=True, kind=kind)


class Autosave(models.Model):
    """What someone typed into a post form and has not saved (a closed tab, a crash): kept
    for them alone, offered back when they open the form again. Readers never see it, and
    saving the post deletes it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.CASCADE, related_name="autosaves"
    )
    kind = models.CharField(
        max_length=4, choices=Post.Kind.choices, help_text="Which form: a post's or a page's."
    )
    fields = models.JSONField(default=dict, help_text="The form's fields, by name, as typed.")
    saved_at = models.DateTimeField()

    objects = AutosaveQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "post"], condition=Q(post__isnull=False), name="one_autosave_a_post"
            ),
            models.UniqueConstraint(
                fields=["user", "kind"],
                condition=Q(post__isnull=True),
                name="one_autosave_a_new_post",
            ),
        ]

    def __str__(self):
        return f"Autosave of {self.fields.get('title') or 'an untitled post'} at {self.saved_at}"
