from django.contrib import admin, messages
from django.db import models
from django.urls import path
from django.utils.safestring import mark_safe
from django.utils.timesince import timesince

from accounts.admin import OwnedRowsAdmin
from blog.admin import PathSubtreeFilter
from blog.models import Post

from . import moderation
from .models import Comment, ModerationRule
from .subscriptions import Subscription


class CommentPathFilter(PathSubtreeFilter):
    def posts(self, request, model_admin):
        # Only the posts whose comments this user may moderate.
        return Post.objects.filter(pk__in=model_admin.get_queryset(request).values("post"))


class PostWithHeldCommentsFilter(admin.SimpleListFilter):
    """A post's comments: the choices are only the posts with comments awaiting moderation
    (not every post of the site); any post's id still works in the address (?post=12)."""

    title = "post with held comments"
    parameter_name = "post"

    def lookups(self, request, model_admin):
        held = model_admin.get_queryset(request).held()
        posts = Post.objects.filter(pk__in=held.values("post")).order_by("-published_at")
        return [
            (str(pk), title or f"Post {pk}") for pk, title in posts.values_list("pk", "title")[:50]
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        return (
            queryset.filter(post_id=value)
            if value.isdigit() and len(value) < 19
            else queryset.none()
        )


def status_action(status, label):
    @admin.action(permissions=["change"])
    def action(modeladmin, request, queryset):
        changed = queryset.set_status(status)
        modeladmin.message_user(request, f"{changed} comment(s) {label}.", messages.SUCCESS)

    action.__name__ = f"mark_{status}"
    action.short_description = f"Mark selected comments as {label}"
    return action


@admin.register(Comment)
class CommentAdmin(OwnedRowsAdmin, admin.ModelAdmin):
    owner_lookup = "post__author"  # authors moderate the comments on their own posts
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ("commenter", "first_lines", "post_title", "age", "status")
    list_filter = ("status", CommentPathFilter, PostWithHeldCommentsFilter)
    list_select_related = ("post",)
    paginator = moderation.LastPageForPastTheEnd
    search_fields = ("author_name", "author_email", "body", "ip_address")
    date_hierarchy = "created_at"
    actions = [
        status_action(Comment.Status.APPROVED, "approved"),
        status_action(Comment.Status.SPAM, "spam"),
        status_action(Comment.Status.REMOVED, "removed"),
    ]
    readonly_fields = ("post", "parent", "user", "ip_address", "user_agent", "created_at")
    fields = (
        "post",
        "parent",
        "status",
        "author_name",
        "author_email",
        "author_url",
        "body",
        "user",
        "ip_address",
        "user_agent",
        "created_at",
    )

    class Media:
        css = {"all": ["css/comment-moderation.css"]}

    def get_list_display(self, request):
        return (*super().get_list_display(request), moderation.row_buttons(request))

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "moderate/",
                wrap(lambda request: moderation.moderate(request, self)),
                name="comments_comment_moderate",
            ),
            path(
                "<path:object_id>/reply/",
                wrap(lambda request, object_id: moderation.reply(request, self, object_id)),
                name="comments_comment_reply",
            ),
            *super().get_urls(),
        ]

    @admin.display(description="commenter", ordering="author_name")
    def commenter(self, comment):
        return f"{comment.author_name} (author)" if comment.is_by_author else comment.author_name

    @admin.display(description="comment")
    def first_lines(self, comment):
        return mark_safe(comment.first_lines_html)  # the sanitiser's output (blog.markup)

    @admin.display(description="post", ordering="post__title")
    def post_title(self, comment):
        return comment.post.display_title

    @admin.display(description="age", ordering="created_at")
    def age(self, comment):
        return timesince(comment.created_at, depth=1)

    def has_add_permission(self, request):
        return False  # comments come from readers, through the site


@admin.register(ModerationRule)
class ModerationRuleAdmin(admin.ModelAdmin):
    list_display = ("text", "action", "created_at")
    list_filter = ("action",)
    search_fields = ("text",)


@admin.register(Subscription)
class SubscriptionAdmin(admin.ModelAdmin):
    """Who follows what by email (addresses are shown to staff with the permission only)."""

    list_display = ("email", "topic", "subject", "is_confirmed", "created_at")
    list_filter = ("topic", ("confirmed_at", admin.EmptyFieldListFilter))
    list_select_related = ("post", "comment__post", "path")
    search_fields = ("email",)
    date_hierarchy = "created_at"
    fields = ("email", "topic", "post", "comment", "path", "created_at", "confirmed_at")
    readonly_fields = fields

    @admin.display(boolean=True, description="confirmed")
    def is_confirmed(self, subscription):
        return subscription.is_confirmed

    def has_add_permission(self, request):
        return False  # readers subscribe themselves, through the confirmation mail


from . import mention_admin  # noqa: E402, F401  (webmentions, moderated beside comments)
