from django import template
from django.urls import reverse

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
    thread = Comment.objects.thread(post, held_comment_ids(request))
    reply_to = request.GET.get("reply_to", "")
    form.replying_to = find_approved(thread, int(reply_to)) if reply_to.isdigit() else None
    if form.replying_to is not None:
        form.initial["parent"] = form.replying_to.pk
    return {"post": post, "comments": thread, "comment_form": form, "request": request}


def find_approved(thread, comment_id):
    """The approved comment numbered `comment_id` in a thread (as Comment.objects.thread()
    gives it), or None: the reply form is named after it without another query."""
    for comment in thread:
        if comment.pk == comment_id:
            return None if comment.is_held else comment
        if (found := find_approved(comment.thread_replies, comment_id)) is not None:
            return found
    return None


@register.simple_tag
def comment_url(name, post):
    """The address of one of a post's comment pages: comment_url "post-feed" post."""
    return reverse(f"comments:{name}", kwargs=post.permalink_kwargs)


@register.inclusion_tag("comments/_feed_links.html")
def comment_feed_links(post):
    """<link rel="alternate"> to a post's comment feeds, for its page's <head>."""
    return {"post": post}


@register.simple_tag
def pending_comments_count(user):
    """Comments awaiting this moderator: all of them for editors, their own posts' for authors."""
    return Comment.objects.awaiting(user).count()
