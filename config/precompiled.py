"""UPDATE statements the chat path runs at every turn, written once per database.

Building a statement through the ORM (a QuerySet, its Query, the compiler) costs several times
what running it does: about 0.1 ms of CPU for a one-row UPDATE, twice per finished turn
(docs/PERFORMANCE.md). A `PrecompiledUpdate` writes its SQL once per database alias from the
model's own metadata (table, columns, quoting) and converts every value with its field's own
`get_db_prep_save` (what is set) or `get_db_prep_value` (what is matched), so it stores what
`QuerySet.update` would. Like `QuerySet.update`, it sends no signal.
"""

from collections.abc import Sequence
from typing import Any

from django.db import connections, router
from django.db.models import Model


class PrecompiledUpdate:
    """`UPDATE <table> SET <columns> WHERE <field> = … AND …` for one model."""

    def __init__(self, model: type[Model], *, columns: Sequence[str], where: Sequence[str]):
        self.model = model
        self._set = [model._meta.get_field(name) for name in columns]
        self._where = [model._meta.get_field(name) for name in where]
        self._sql: dict[str, str] = {}  # per database alias

    def sql(self, alias: str) -> str:
        sql = self._sql.get(alias)
        if sql is None:
            quote = connections[alias].ops.quote_name
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in self._set)
            conditions = " AND ".join(f"{quote(field.column)} = %s" for field in self._where)
            table = quote(self.model._meta.db_table)
            sql = self._sql[alias] = f"UPDATE {table} SET {assignments} WHERE {conditions}"
        return sql

    def __call__(self, values: Sequence[Any], where: Sequence[Any]) -> int:
        """Set the columns to `values` where each `where` field equals its value (in the
        order given to the constructor); the number of rows updated."""
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        params = [
            field.get_db_prep_save(value, connection)
            for field, value in zip(self._set, values, strict=True)
        ]
        params += [
            field.get_db_prep_value(value, connection, prepared=False)
            for field, value in zip(self._where, where, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql(alias), params)
            return cursor.rowcount
