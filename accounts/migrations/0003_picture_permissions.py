"""Authors and Editors may upload, change and remove the pictures of posts they may edit."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CODENAMES = ["add_postimage", "change_postimage", "delete_postimage", "view_postimage"]


def grant(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    pictures = Permission.objects.filter(content_type__app_label="blog", codename__in=CODENAMES)
    for group in Group.objects.filter(name__in=["Author", "Editor"]):
        group.permissions.add(*pictures)


def revoke(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    pictures = Permission.objects.filter(content_type__app_label="blog", codename__in=CODENAMES)
    for group in Group.objects.filter(name__in=["Author", "Editor"]):
        group.permissions.remove(*pictures)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0002_roles"), ("blog", "0004_postimage")]

    operations = [migrations.RunPython(grant, revoke)]
