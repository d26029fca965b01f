"""Moderating from the comment list: one-click Approve, Spam and Remove on each row, and a reply
posted from the admin as the logged-in author. Wired into CommentAdmin (comments/admin.py)."""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.core.exceptions import PermissionDenied
from django.core.paginator import EmptyPage, Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.views.decorators.http import require_POST

from accounts.admin import is_storable_id
from config.client_address import client_address

from .models import Comment

ROW_ACTIONS = {
    Comment.Status.APPROVED: ("Approve", "approved"),
    Comment.Status.SPAM: ("Spam", "marked as spam"),
    Comment.Status.REMOVED: ("Remove", "removed"),
}


def back_to_the_list(model_admin, request):
    """The comment list as the moderator left it: same filters, search and page."""
    url = reverse("admin:comments_comment_changelist")
    context = {
        "preserved_filters": model_admin.get_preserved_filters(request),
        "opts": Comment._meta,
    }
    return redirect(add_preserved_filters(context, url))


class LastPageForPastTheEnd(Paginator):
    """Moderating the last comment of the last page comes back to a page past the end: show
    the last page then, rather than the admin's "database error"."""

    def validate_number(self, number):
        try:
            return super().validate_number(number)
        except EmptyPage:
            return max(self.num_pages, 1)


def comment_to_moderate(model_admin, request, object_id):
    """The comment, if it exists (404) and this moderator may change it (403)."""
    comment = model_admin.get_object(request, object_id) if is_storable_id(object_id) else None
    if comment is None:
        raise Http404("No such comment.")
    if not model_admin.has_change_permission(request, comment):
        raise PermissionDenied("You may not moderate this comment.")
    return comment


def row_buttons(request):
    """The list column of one-click buttons. They submit the list's own form (its CSRF token)
    to the moderate URL, so that no form is nested in another and it all works without
    JavaScript; the list's filters ride along in the address."""
    filters = request.GET.urlencode()
    query = "?" + urlencode({"_changelist_filters": filters}) if filters else ""
    moderate_url = reverse("admin:comments_comment_moderate") + query

    def moderate_column(comment):
        buttons = format_html_join(
            " ",
            '<button type="submit" class="button" formaction="{}" formmethod="post" '
            'name="moderate" value="{}:{}" aria-label="{} the comment by {}">{}</button>',
            (
                (moderate_url, comment.pk, status, label, comment.author_name, label)
                for status, (label, _done) in ROW_ACTIONS.items()
                if comment.status != status
            ),
        )
        reply_url = reverse("admin:comments_comment_reply", args=[comment.pk]) + query
        return format_html(
            '<span class="moderation-buttons">{} <a href="{}" aria-label="Reply to {}">Reply</a>'
            "</span>",
            buttons,
            reply_url,
            comment.author_name,
        )

    moderate_column.short_description = "moderate"
    return moderate_column


@require_POST
def moderate(request, model_admin):
    """One click on a row: approve, spam or remove that comment, then back to the list."""
    object_id, _, status = request.POST.get("moderate", "").partition(":")
    if status not in ROW_ACTIONS:
        raise Http404("No such moderation.")
    comment = comment_to_moderate(model_admin, request, object_id)
    Comment.objects.filter(pk=comment.pk).set_status(status)
    done = ROW_ACTIONS[status][1]
    model_admin.message_user(
        request, f"The comment by {comment.author_name} was {done}.", messages.SUCCESS
    )
    return back_to_the_list(model_admin, request)


class ReplyForm(forms.Form):
    body = forms.CharField(
        label="Your reply",
        max_length=Comment._meta.get_field("body").max_length,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Markdown, as on the site. Posted under your name, at once.",
    )


def reply(request, model_admin, object_id):
    """Answer a comment from the admin: posted as the logged-in author, approved, threaded
    under it (a held comment one replies to is approved too)."""
    comment = comment_to_moderate(model_admin, request, object_id)
    form = ReplyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if comment.is_held:
            Comment.objects.filter(pk=comment.pk).set_status(Comment.Status.APPROVED)
        answer = post_reply(request, comment, form.cleaned_data["body"])
        model_admin.message_user(
            request,
            format_html(
                'Your reply to {} is published. <a href="{}">View it on the site</a>.',
                comment.author_name,
                answer.get_absolute_url(),
            ),
            messages.SUCCESS,
        )
        return back_to_the_list(model_admin, request)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Comment._meta,
        "title": f"Reply to {comment.author_name}",
        "comment": comment,
        "form": form,
        "preserved_filters": model_admin.get_preserved_filters(request),
    }
    return TemplateResponse(request, "admin/comments/comment/reply.html", context)


def post_reply(request, comment, body):
    user = request.user
    answer = Comment(
        post=comment.post,
        author_name=user.public_name,
        author_email=user.email,
        author_url=user.safe_website,
        user=user,
        body=body,
        status=Comment.Status.APPROVED,
        ip_address=client_address(request) or None,
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
    )
    answer.attach_to(comment, settings.COMMENTS_MAX_DEPTH)
    answer.save()
    return answer
