"""Authors and Editors write pages as they write posts (the roles' post permissions, for the
Page proxy model)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["add_page", "change_page", "delete_page", "view_page"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    pages = Permission.objects.filter(content_type__app_label="blog", codename__in=CODENAMES)
    for group in Group.objects.filter(name__in=["Author", "Editor"]):
        group.permissions.add(*pages)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    pages = Permission.objects.filter(content_type__app_label="blog", codename__in=CODENAMES)
    for group in Group.objects.filter(name__in=["Author", "Editor"]):
        group.permissions.remove(*pages)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_authors_delete_comments_on_their_posts"),
        ("blog", "0015_pages_pinned_guid"),
    ]

    operations = [migrations.RunPython(grant, revoke)]
