from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from blog.fragments import cached_html, digest_key, template_digest
from comments.forms import CommentForm, held_comment_ids, remembered_commenter
from comments.models import Comment, comment_page_url

register = template.Library()


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
    page = context.get("comment_page") or Comment.objects.thread_page(
        post, 1, held_comment_ids(request)
    )
    reply_to = request.GET.get("reply_to", "")
    shown = list(every_comment(page.object_list))
    if form is not None and reply_to.isdigit():
        # Named after the comment it answers, found without another query.
        form.replying_to = next((c for c in shown if c.pk == int(reply_to) and not c.is_held), None)
    if form is not None and form.replying_to is not None:
        form.initial["parent"] = form.replying_to.pk
    add_thread_html(post, page.object_list)
    return {
        "post": post,
        "comments": page.object_list,
        "page": page,
        "pages": comment_pages(post, page),
        # The reader's own held comments are shown to them, but not counted as public.
        "held_count": sum(comment.is_held for comment in shown),
        "comment_form": form,
        "request": request,
    }


def add_thread_html(post, threads):
    """Give each thread (a top-level comment and its replies) its rendered HTML as
    `thread_html`, kept in the cache under a digest of everything it shows (blog.fragments)."""
    code = template_digest("comments/_comment.html")
    is_open = post.comments_are_open
    zone = timezone.get_current_timezone_name()

    def key(thread):
        fields = ("pk", "parent_id", "status", "is_by_author", "author_name", "author_url")
        fields += ("created_at", "body_html")
        shown = [[getattr(c, name) for name in fields] for c in every_comment([thread])]
        return digest_key("comment-thread", (code, zone, is_open, shown))

    cached_html(
        threads,
        key=key,
        render=lambda thread: render_to_string(
            "comments/_comment.html", {"comment": thread, "post": post}
        ),
        attribute="thread_html",
    )


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


def every_comment(thread):
    """The comments of a thread (as Comment.objects.thread() gives it), replies too."""
    for comment in thread:
        yield comment
        yield from every_comment(comment.thread_replies)


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
