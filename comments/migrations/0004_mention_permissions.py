"""Authors and Editors moderate webmentions as they moderate comments."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Author": ["view_mention", "change_mention", "delete_mention"],
    "Editor": ["view_mention", "change_mention", "delete_mention"],
}


def grant(apps, schema_editor):
    app_config = apps.get_app_config("comments")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label="comments", codename__in=codenames)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("comments", "0003_mention"),
        ("accounts", "0002_roles"),
    ]

    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]
