import re

from django import template
from django.conf import settings
from django.urls import reverse

from comments.forms import CommentForm, held_comment_ids, remembered_commenter
from comments.models import Comment, comment_page_url
from comments.threads import thread_page

register = template.Library()
COMMENT_ID = re.compile(r"[1-9][0-9]{0,17}")  # (a bigint's digits: "²" and 10**30 are not)


@register.inclusion_tag("comments/_section.html", takes_context=True)
def comment_section(context, post):
    """A post's comments and the form to add one, for its permalink page (the way
    django-contrib-comments gives any page a comment section): the page of threads this reader
    may see (their own held comments too; the first page unless the view chose one:
    `comment_page`), and a form filled in from the "remember me" cookie, replying to
    ?reply_to= when it names a comment."""
    request = context["request"]
    form = None
    if post.comments_are_open:  # a closed post's page has no form, and no reader's token
        form = CommentForm(post=post, request=request, initial=remembered_commenter(request))
    threads = context.get("comment_page") or thread_page(post, 1, held_comment_ids(request))
    reply_to = request.GET.get("reply_to", "")
    if form is not None and COMMENT_ID.fullmatch(reply_to):
        # Named after the comment it answers: read only when the address names one (the
        # threads may come from the cache).
        form.replying_to = Comment.objects.approved().filter(post=post, pk=reply_to).first()
    if form is not None and form.replying_to is not None:
        form.initial["parent"] = form.replying_to.pk
    page = threads.page
    return {
        "post": post,
        "threads_html": threads.threads_html,
        "page": page,
        "pages": comment_pages(post, page),
        # The reader's own held comments are shown to them, but not counted as public.
        "held_count": threads.held_count,
        "comment_form": form,
        "request": request,
    }


def comment_pages(post, page):
    """The links of a post's comment pages: a few around this one, the first and the last."""
    if not page.has_other_pages():
        return None
    newest_first = settings.COMMENTS_ORDER == "newest"
    return {
        "numbers": [
            (number, number != page.paginator.ELLIPSIS and comment_page_url(post, number))
            for number in page.paginator.get_elided_page_range(
                page.number, on_each_side=2, on_ends=1
            )
        ],
        "previous": page.has_previous() and comment_page_url(post, page.number - 1),
        "next": page.has_next() and comment_page_url(post, page.number + 1),
        "previous_label": "Newer comments" if newest_first else "Older comments",
        "next_label": "Older comments" if newest_first else "Newer comments",
    }


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
