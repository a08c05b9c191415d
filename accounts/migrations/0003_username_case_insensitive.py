"""Usernames unique regardless of case, guaranteed by the database: a unique index on
LOWER(username) (the same SQL on SQLite and PostgreSQL).

auth.User is Django's model, so the index is created here rather than declared as a
constraint. Existing case-duplicates (`demo` and `DEMO`) would make creating it fail, and
they are not ours to merge: they are reported, the index waits, and the `accounts.W001`
check warns until they are renamed and this migration is run again (the hint says how).
"""

import logging

from django.conf import settings
from django.db import migrations

INDEX_NAME = "accounts_username_lower_uniq"
logger = logging.getLogger("accounts.migrations")


def create_index(apps, schema_editor):
    from accounts.checks import username_case_duplicates

    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    groups = username_case_duplicates(schema_editor.connection.alias, user_model=User)
    if groups:
        report = "; ".join(" / ".join(group) for group in groups)
        message = (
            f"accounts: {len(groups)} usernames differ only in case ({report}). They are left "
            f"as they are and the case-insensitive unique index {INDEX_NAME} is NOT created: "
            "rename them, then run this migration again (see the accounts.W001 check)."
        )
        logger.warning(message)
        return
    table = schema_editor.quote_name(User._meta.db_table)
    schema_editor.execute(
        f"CREATE UNIQUE INDEX {INDEX_NAME} ON {table} (LOWER({schema_editor.quote_name('username')}))"
    )


def drop_index(apps, schema_editor):
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX_NAME}")


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_record_existing_sessions"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_index, drop_index)]
