from django.contrib import admin, messages
from django.db import models
from django.utils.text import Truncator

from accounts.admin import OwnedRowsAdmin
from blog.admin import PathSubtreeFilter
from blog.models import Post

from .models import Comment, ModerationRule
from .subscriptions import Subscription


class CommentPathFilter(PathSubtreeFilter):
    def posts(self, request, model_admin):
        # Only the posts whose comments this user may moderate.
        return Post.objects.filter(pk__in=model_admin.get_queryset(request).values("post"))


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
    list_display = ("author_name", "excerpt", "post", "status", "created_at", "ip_address")
    list_filter = ("status", CommentPathFilter, ("post", admin.RelatedOnlyFieldListFilter))
    list_select_related = ("post",)
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

    @admin.display(description="comment")
    def excerpt(self, comment):
        return Truncator(comment.body).words(12)

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
