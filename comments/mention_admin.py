"""Webmentions in the admin: moderated like comments, by the same people."""

from django.contrib import admin, messages
from django.db import transaction

from accounts.admin import OwnedRowsAdmin
from blog.models import retire_comments_of

from .mentions import Mention
from .models import Comment


def status_action(status, label):
    @admin.action(permissions=["change"])
    def action(modeladmin, request, queryset):
        with transaction.atomic():
            post_ids = set(queryset.values_list("post_id", flat=True))
            changed = queryset.update(status=status)
            retire_comments_of(post_ids)
        modeladmin.message_user(request, f"{changed} webmention(s) {label}.", messages.SUCCESS)

    action.__name__ = f"mark_{status}"
    action.short_description = f"Mark selected webmentions as {label}"
    return action


@admin.register(Mention)
class MentionAdmin(OwnedRowsAdmin, admin.ModelAdmin):
    owner_lookup = "post__author"  # authors moderate the mentions of their own posts
    list_display = ("name", "kind", "source", "post", "state", "status", "received_at")
    list_filter = ("status", "state", "kind")
    list_select_related = ("post",)
    search_fields = ("source", "author_name", "author_url", "content")
    date_hierarchy = "received_at"
    actions = [
        status_action(Comment.Status.APPROVED, "approved"),
        status_action(Comment.Status.SPAM, "spam"),
        status_action(Comment.Status.REMOVED, "removed"),
    ]
    fields = (
        "post",
        "source",
        "target",
        "state",
        "reason",
        "status",
        "kind",
        "author_name",
        "author_url",
        "author_photo",
        "content",
        "published_at",
        "received_at",
        "verified_at",
        "ip_address",
    )
    readonly_fields = (
        "post",
        "source",
        "target",
        "state",
        "reason",
        "kind",
        "author_name",
        "author_url",
        "author_photo",
        "content",
        "published_at",
        "received_at",
        "verified_at",
        "ip_address",
    )

    def has_add_permission(self, request):
        return False  # they come from other sites
