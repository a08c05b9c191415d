"""Usernames unique regardless of case, guaranteed by the database: a unique index on
LOWER(username) (accounts/migrations/_case_insensitive.py; `accounts.W001` warns while
case-duplicates keep it from being created)."""

from django.db import migrations

from accounts.migrations._case_insensitive import create_lower_unique_index, drop_index

INDEX_NAME = "accounts_username_lower_uniq"


def create_index(apps, schema_editor):
    create_lower_unique_index(apps, schema_editor, field="username", what="usernames", index_name=INDEX_NAME)


def drop(apps, schema_editor):
    drop_index(schema_editor, INDEX_NAME)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_record_existing_sessions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_index, drop)]
