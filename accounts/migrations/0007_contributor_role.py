"""The Contributor role (WordPress's): writes and edits their own drafts, submits them for
review; cannot publish (blog.admin limits the states they may choose)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

PERMISSIONS = {
    "blog": [
        "add_post",
        "change_post",
        "delete_post",
        "view_post",
        "view_path",
        "add_postimage",
        "change_postimage",
        "delete_postimage",
        "view_postimage",
    ],
    "taggit": ["add_tag", "view_tag"],
}


def create_role(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Contributor")
    for app_label, codenames in PERMISSIONS.items():
        group.permissions.add(
            *Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        )


def remove_role(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Contributor").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_page_permissions"),
        ("blog", "0024_post_states_and_review_note"),
    ]

    operations = [migrations.RunPython(create_role, remove_role)]
