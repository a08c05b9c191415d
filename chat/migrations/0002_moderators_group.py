"""The `moderators` group: read conversations, messages and tasks, and flag conversations.

A moderator is a staff user in this group. Permissions are normally created after all
migrations (post_migrate), so on a fresh database they are created here first.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "moderators"
# (app label, codename)
PERMISSIONS = [
    ("chat", "view_conversation"),
    ("chat", "view_message"),
    ("chat", "flag_conversation"),
    ("todos", "view_task"),
]


def create_moderators_group(apps, schema_editor):
    using = schema_editor.connection.alias
    for app_label in {label for label, _ in PERMISSIONS}:
        app_config = apps.get_app_config(app_label)
        # create_permissions skips an app whose models module is unset, as it is on the
        # historical app configs migrations see.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, using=using, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = [
        Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in PERMISSIONS
    ]
    group, _ = Group.objects.using(using).get_or_create(name=GROUP_NAME)
    group.permissions.set(permissions)


def delete_moderators_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("chat", "0001_initial"),
        ("todos", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_moderators_group, delete_moderators_group),
    ]
