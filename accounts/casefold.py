"""Usernames (and email addresses) compare by Unicode case folding on every database.

Everything that compares them regardless of case says LOWER(field) = LOWER(value)
(`same_ignoring_case`), which the unique indexes on LOWER(username) and LOWER(email) serve
(accounts/migrations). PostgreSQL's LOWER folds Unicode by the database's locale; SQLite's own
folds only ASCII ("Émile" and "émile" would both register), so on every SQLite connection
LOWER is Python's `str.casefold` instead, registered as deterministic so indexes may use it
(migration 0006 rebuilt the indexes made with the old one). Django's `iexact` is not used for
this: on SQLite it is a LIKE, ASCII-only as well.
"""

from django.db.backends.signals import connection_created
from django.db.models import Value
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from django.dispatch import receiver


def _casefold(value: object) -> object:
    return value.casefold() if isinstance(value, str) else value


@receiver(connection_created, dispatch_uid="accounts.casefold_lower_on_sqlite")
def casefold_lower_on_sqlite(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function("LOWER", 1, _casefold, deterministic=True)


def same_ignoring_case(field: str, value: str) -> Exact:
    """A filter: `field` equals `value` regardless of case (Unicode case folding)."""
    return Exact(Lower(field), Lower(Value(value)))
