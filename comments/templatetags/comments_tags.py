from django import template

from comments.forms import CommentForm, held_comment_ids, remembered_commenter
from comments.models import Comment

register = template.Library()


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, post):
    """A post's comments and the form to add one, for its permalink page (the way
    django-contrib-comments gives any page a comment section): the thread this reader may see
    (their own held comments too), and a form filled in from the "remember me" cookie, replying
    to ?reply_to= when it names a comment."""
    request = context["request"]
    form = CommentForm(post=post, request=request, initial=remembered_commenter(request))
    reply_to = request.GET.get("reply_to", "")
    if reply_to.isdigit():
        form.initial["parent"] = int(reply_to)
    return {
        "post": post,
        "comments": Comment.objects.thread(post, held_comment_ids(request)),
        "comment_form": form,
        "request": request,
    }


@register.simple_tag
def pending_comments_count(user):
    """Comments awaiting this moderator: all of them for editors, their own posts' for authors."""
    pending = Comment.objects.filter(status=Comment.Status.PENDING)
    return pending.count() if user.is_editor else pending.filter(post__author=user).count()
