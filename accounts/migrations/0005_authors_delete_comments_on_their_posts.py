"""Authors may delete the comments on their own posts (the comment admin shows them no
others): without it, an author could not delete their own post once it had comments."""

from django.db import migrations


def grant(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    delete = Permission.objects.filter(
        content_type__app_label="comments", codename="delete_comment"
    )
    for group in Group.objects.filter(name="Author"):
        group.permissions.add(*delete)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    delete = Permission.objects.filter(
        content_type__app_label="comments", codename="delete_comment"
    )
    for group in Group.objects.filter(name="Author"):
        group.permissions.remove(*delete)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_user_imported_from"),
        ("comments", "0002_comment_import_key_comment_markup_and_more"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
