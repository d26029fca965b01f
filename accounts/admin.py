from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models

from .models import User

BIGGEST_ID = 2**63 - 1


class CheckedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Django asks the database about every id sent for a many-to-many field; an id beyond the
    64-bit range makes the driver fail (a 500 on SQLite and PostgreSQL alike), so such an id is
    refused as invalid first, like any other unknown one."""

    def _check_values(self, value):
        for pk in value or ():
            try:
                number = int(str(pk).strip())
            except ValueError:
                continue  # not a number: Django reports it
            if not -BIGGEST_ID <= number <= BIGGEST_ID:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(pk)[:30]},
                )
        return super()._check_values(value)


def is_storable_id(value):
    try:
        return -BIGGEST_ID <= int(str(value).strip()) <= BIGGEST_ID
    except ValueError:
        return False


class CheckedAutocompleteSelect(AutocompleteSelect):
    """Django's autocomplete widget looks up the submitted value to show it again; a form sent
    back with a value that is not an id at all made that lookup fail (a 500) instead of showing
    the field's error. Such a value is simply not shown."""

    def optgroups(self, name, value, attr=None):
        return super().optgroups(name, [v for v in value if is_storable_id(v)], attr)


class CheckedRelationsAdmin:
    """Admin mixin: relation fields answer hostile ids with a form error, never a 500."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        kwargs.setdefault("form_class", CheckedModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in self.get_autocomplete_fields(request):
            kwargs.setdefault(
                "widget",
                CheckedAutocompleteSelect(db_field, self.admin_site, using=kwargs.get("using")),
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(CheckedRelationsAdmin, BaseGroupAdmin):
    pass


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


@admin.action(description="Give the selected users the Author role", permissions=["change"])
def make_authors(modeladmin, request, queryset):
    queryset.update(is_staff=True)
    Group.objects.get(name="Author").user_set.add(*queryset)


@admin.action(description="Give the selected users the Editor role", permissions=["change"])
def make_editors(modeladmin, request, queryset):
    queryset.update(is_staff=True)
    Group.objects.get(name="Editor").user_set.add(*queryset)


@admin.action(description="Give the selected users the Contributor role", permissions=["change"])
def make_contributors(modeladmin, request, queryset):
    queryset.update(is_staff=True)
    Group.objects.get(name="Contributor").user_set.add(*queryset)


@admin.register(User)
class UserAdmin(CheckedRelationsAdmin, BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("Public profile", {"fields": ("display_name", "bio", "website")}),
    )
    list_display = ("username", "display_name", "email", "is_staff", "is_active")
    search_fields = ("username", "display_name", "email")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = [make_contributors, make_authors, make_editors]


admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class CheckedAccessAttemptAdmin(AccessAttemptAdmin):
    """django-axes's lockout list; its clean-up action asks for the delete permission."""

    @admin.action(description="Clean up expired attempts", permissions=["delete"])
    def cleanup_expired_attempts(self, request, queryset):
        return super().cleanup_expired_attempts(request, queryset)
