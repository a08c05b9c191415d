"""Unique indexes on LOWER(<user field>) (the same SQL on SQLite and PostgreSQL), shared by
the username (0003) and email (0005) migrations. The migration loader skips this module (its
name starts with an underscore).

auth.User is Django's model, so the indexes are created here rather than declared as
constraints. Existing case-duplicates (`demo` and `DEMO`) would make creating one fail, and
they are not ours to merge: they are reported, the index waits, and a check (accounts.checks)
warns until they are changed and the migration is run again (its hint says how).
"""

import logging

from django.conf import settings

logger = logging.getLogger("accounts.migrations")


def create_lower_unique_index(
    apps, schema_editor, *, field: str, what: str, index_name: str, unless_empty: bool = False
) -> None:
    """`unless_empty`: a partial index, so any number of users may have no value (no email
    address)."""
    from accounts.checks import case_duplicates

    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    groups = case_duplicates(field, schema_editor.connection.alias, user_model=User)
    if groups:
        report = "; ".join(" / ".join(group) for group in groups)
        logger.warning(
            f"accounts: {len(groups)} {what} differ only in case ({report}). They are "
            f"left as they are and the case-insensitive unique index {index_name} is NOT "
            "created: change them, then run this migration again (see `manage.py check`)."
        )
        return
    table = schema_editor.quote_name(User._meta.db_table)
    column = schema_editor.quote_name(field)
    where = f" WHERE {column} <> ''" if unless_empty else ""
    schema_editor.execute(f"CREATE UNIQUE INDEX {index_name} ON {table} (LOWER({column})){where}")


def drop_index(schema_editor, index_name: str) -> None:
    schema_editor.execute(f"DROP INDEX IF EXISTS {index_name}")
