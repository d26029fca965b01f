from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from .models import User


class OwnedRowsAdmin:
    """Editors see every row; other staff only their own (`owner_lookup` names the owner).
    Another person's row answers 403 by URL, rather than pretending it does not exist."""

    owner_lookup = "author"

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        return rows if request.user.is_editor else rows.filter(**{self.owner_lookup: request.user})

    def get_object(self, request, object_id, from_field=None):
        row = super().get_object(request, object_id, from_field)
        if row is None and not request.user.is_editor:
            try:
                exists = self.model._default_manager.filter(pk=object_id).exists()
            except (ValueError, ValidationError):
                exists = False
            if exists:
                raise PermissionDenied("This belongs to someone else.")
        return row


@admin.action(description="Give the selected users the Author role")
def make_authors(modeladmin, request, queryset):
    queryset.update(is_staff=True)
    Group.objects.get(name="Author").user_set.add(*queryset)


@admin.action(description="Give the selected users the Editor role")
def make_editors(modeladmin, request, queryset):
    queryset.update(is_staff=True)
    Group.objects.get(name="Editor").user_set.add(*queryset)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Public profile", {"fields": ("display_name", "bio", "website")}),
    )
    list_display = ("username", "display_name", "email", "is_staff", "is_active")
    search_fields = ("username", "display_name", "email")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = [make_authors, make_editors]
