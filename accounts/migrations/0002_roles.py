"""The Author and Editor groups and what each may do in the admin."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = {
    "Author": {
        "blog": ["add_post", "change_post", "delete_post", "view_post", "view_path"],
        "taggit": ["add_tag", "view_tag"],
        "comments": ["view_comment", "change_comment"],
    },
    "Editor": {
        "blog": [
            "add_post",
            "change_post",
            "delete_post",
            "view_post",
            "add_path",
            "change_path",
            "delete_path",
            "view_path",
        ],
        "taggit": ["add_tag", "change_tag", "delete_tag", "view_tag"],
        "comments": [
            "view_comment",
            "change_comment",
            "delete_comment",
            "add_moderationrule",
            "change_moderationrule",
            "delete_moderationrule",
            "view_moderationrule",
        ],
        "accounts": ["view_user"],
    },
}


def create_roles(apps, schema_editor):
    # Permissions are normally made after all migrations; these groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, by_app in ROLES.items():
        group, _ = Group.objects.get_or_create(name=role)
        for app_label, codenames in by_app.items():
            group.permissions.add(
                *Permission.objects.filter(
                    content_type__app_label=app_label, codename__in=codenames
                )
            )


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("blog", "0002_post_comment_count"),
        ("comments", "0001_initial"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
