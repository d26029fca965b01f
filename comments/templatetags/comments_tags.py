from django import template

from comments.models import Comment

register = template.Library()


@register.simple_tag
def pending_comments_count(user):
    """Comments awaiting this moderator: all of them for editors, their own posts' for authors."""
    pending = Comment.objects.filter(status=Comment.Status.PENDING)
    return pending.count() if user.is_editor else pending.filter(post__author=user).count()
