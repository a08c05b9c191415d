"""On SQLite, LOWER is now Unicode case folding (accounts/casefold.py): rebuild the unique
indexes on LOWER(username) and LOWER(email), made with SQLite's ASCII-only LOWER. Usernames
that now turn out equal ("Émile" and "émile") keep the index from being rebuilt, as in 0003:
they are reported and `manage.py check` warns until they are renamed. PostgreSQL: nothing to do.
"""

from django.db import migrations

from accounts.migrations._case_insensitive import create_lower_unique_index, drop_index

INDEXES = [
    # (field, what, index, unless_empty)
    ("username", "usernames", "accounts_username_lower_uniq", False),
    ("email", "email addresses", "accounts_email_lower_uniq", True),
]


def rebuild(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for field, what, index_name, unless_empty in INDEXES:
        drop_index(schema_editor, index_name)
        create_lower_unique_index(
            apps,
            schema_editor,
            field=field,
            what=what,
            index_name=index_name,
            unless_empty=unless_empty,
        )


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_email_case_insensitive")]

    operations = [migrations.RunPython(rebuild, migrations.RunPython.noop)]
