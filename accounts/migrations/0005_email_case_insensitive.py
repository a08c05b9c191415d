"""Email addresses unique regardless of case when set, guaranteed by the database: a unique
index on LOWER(email) where email <> '' (accounts/migrations/_case_insensitive.py;
`accounts.W002` warns while case-duplicates keep it from being created)."""

from django.db import migrations

from accounts.migrations._case_insensitive import create_lower_unique_index, drop_index

INDEX_NAME = "accounts_email_lower_uniq"


def create_index(apps, schema_editor):
    create_lower_unique_index(
        apps, schema_editor, field="email", what="email addresses", index_name=INDEX_NAME, unless_empty=True
    )


def drop(apps, schema_editor):
    drop_index(schema_editor, INDEX_NAME)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_email_verification")]

    operations = [migrations.RunPython(create_index, drop)]
