"""What the admin's index tells an editor about posts: the review queue."""

from django import template

from ..models import Post

register = template.Library()


@register.simple_tag
def posts_waiting_for_review(user):
    """Posts submitted for review, for those who review them (editors); 0 for anyone else."""
    if not getattr(user, "is_editor", False):
        return 0
    return Post.objects.pending_review().count()
