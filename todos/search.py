"""Case-insensitive search that folds every script, not only ASCII: "CAFÉ" finds "café".

PostgreSQL's LOWER folds Unicode (in a UTF-8 database); SQLite's LOWER and LIKE fold only
ASCII, so on SQLite each connection gets Python's `str.lower` as the function TS_LOWER.
"""

from django.db.backends.signals import connection_created
from django.db.models import CharField, Func, Q
from django.db.models.lookups import Contains

SQLITE_LOWER = "TS_LOWER"


class UnicodeLower(Func):
    function = "LOWER"
    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra):
        return super().as_sql(compiler, connection, function=SQLITE_LOWER, **extra)


def contains_any_case(fields: list[str], text: str) -> Q:
    """Rows where any of `fields` contains `text`, in any case."""
    condition = Q()
    for name in fields:
        condition |= Q(Contains(UnicodeLower(name), text.lower()))
    return condition


def _lower(value: str | None) -> str | None:
    return value.lower() if isinstance(value, str) else value


def register_sqlite_lower(sender, connection, **kwargs) -> None:
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_LOWER, 1, _lower, deterministic=True)


connection_created.connect(register_sqlite_lower, dispatch_uid="todos_sqlite_lower")
