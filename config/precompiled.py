"""The statements the chat path runs at every turn, written once per database.

Building a statement through the ORM (a QuerySet, its Query, the compiler) costs several times
what running it does: about 0.1 ms of CPU for a one-row UPDATE or INSERT, four of them per turn
(docs/PERFORMANCE.md). These write their SQL once per database alias from the model's own
metadata (table, columns, quoting) and convert every value with its field's own
`pre_save`/`get_db_prep_save` (what is stored) or `get_db_prep_value` (what is matched), and
what is read with the converters the ORM applies, so they store and read what `QuerySet.update`,
`bulk_create` and `values_list` would. Like those, they send no signal.

A value the field would store as it is (a `str` in a text column, an `int` key, a `bool`, a
None in any of those or in an integer, UUID, date-time or JSON column) is passed as it is: the
field's conversion takes five to seven calls for each, most of an INSERT's Python work.
"""

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections, models, router
from django.db.models import Field, Model

# Fields of exactly these classes store such values unchanged on every backend
# (`get_db_prep_save`: `to_python` of a str or None; an automatic key's `int()` of an int).
# Subclasses may convert otherwise, and other integer fields do on PostgreSQL (psycopg's
# typed Int2/Int4/Int8): not listed.
_TEXT = (models.CharField, models.TextField)
_AUTOMATIC_KEYS = (models.AutoField, models.BigAutoField, models.SmallAutoField)
_INTEGER = (
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveBigIntegerField,
    models.PositiveSmallIntegerField,
)

# These store None as SQL NULL, as it is (JSONField too: JSON `null` takes Value(None)).
_NONE_AS_NULL = (*_INTEGER, models.UUIDField, models.DateTimeField, models.JSONField)


def _stored_unchanged(value: Any) -> bool:
    return False


def _unchanged_test(field: Field) -> Callable[[Any], bool]:
    """What tells, for this field, a value `get_db_prep_save` would return unchanged."""
    kind = type(field)
    if kind is models.ForeignKey:
        return _unchanged_test(field.target_field)
    if kind in _TEXT:
        return lambda value: value is None or isinstance(value, str)
    if kind in _AUTOMATIC_KEYS:
        return lambda value: value is None or type(value) is int
    if kind is models.BooleanField:
        return lambda value: value is None or type(value) is bool
    if kind in _NONE_AS_NULL:
        return lambda value: value is None
    return _stored_unchanged


def _reads_attribute(field: Field) -> bool:
    """The field's `pre_save` only reads the instance's attribute (no auto timestamp)."""
    return type(field).pre_save is Field.pre_save


class PrecompiledUpdate:
    """`UPDATE <table> SET <columns> WHERE <field> = … AND …` for one model."""

    def __init__(self, model: type[Model], *, columns: Sequence[str], where: Sequence[str]):
        self.model = model
        self._set = [model._meta.get_field(name) for name in columns]
        self._set_unchanged = [_unchanged_test(field) for field in self._set]
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
            value if unchanged(value) else field.get_db_prep_save(value, connection)
            for field, unchanged, value in zip(self._set, self._set_unchanged, values, strict=True)
        ]
        params += [
            field.get_db_prep_value(value, connection, prepared=False)
            for field, value in zip(self._where, where, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(self.sql(alias), params)
            return cursor.rowcount


class PrecompiledInsert:
    """`INSERT INTO <table> (<every column but the pk>) VALUES … RETURNING <pk>` for one model
    with an automatic primary key: rows built as model instances (the model applies its
    defaults), stored in one statement, each instance then saved as `bulk_create` leaves it."""

    def __init__(self, model: type[Model]):
        self.model = model
        self._fields = [field for field in model._meta.concrete_fields if not field.primary_key]
        # Per field: its attribute when pre_save only reads it (else None), and its test.
        self._plan = [
            (field, field.attname if _reads_attribute(field) else None, _unchanged_test(field))
            for field in self._fields
        ]
        self._sql: dict[tuple[str, int], str] = {}  # per database alias and number of rows

    def sql(self, alias: str, rows: int) -> str:
        sql = self._sql.get((alias, rows))
        if sql is None:
            quote = connections[alias].ops.quote_name
            columns = ", ".join(quote(field.column) for field in self._fields)
            row = f"({', '.join(['%s'] * len(self._fields))})"
            sql = self._sql[(alias, rows)] = (
                f"INSERT INTO {quote(self.model._meta.db_table)} ({columns}) "
                f"VALUES {', '.join([row] * rows)} RETURNING {quote(self.model._meta.pk.column)}"
            )
        return sql

    def __call__(self, *instances: Model) -> None:
        alias = router.db_for_write(self.model)
        connection = connections[alias]
        if not connection.features.can_return_rows_from_bulk_insert:
            self.model._base_manager.using(alias).bulk_create(instances)
            return
        params = []
        for instance in instances:
            for field, attname, unchanged in self._plan:
                value = (
                    field.pre_save(instance, True)
                    if attname is None
                    else getattr(instance, attname)
                )
                params.append(
                    value if unchanged(value) else field.get_db_prep_save(value, connection)
                )
        with connection.cursor() as cursor:
            cursor.execute(self.sql(alias, len(instances)), params)
            rows = cursor.fetchall()
        for instance, (pk,) in zip(instances, rows, strict=True):
            instance.pk = pk
            instance._state.adding = False
            instance._state.db = alias


class PrecompiledSelect:
    """`SELECT <columns> FROM <table> WHERE <field> = … AND …` for one model: the rows as
    tuples of the columns' values, each converted as the ORM converts it."""

    def __init__(self, model: type[Model], *, columns: Sequence[str], where: Sequence[str]):
        self.model = model
        self._columns = [model._meta.get_field(name) for name in columns]
        self._where = [model._meta.get_field(name) for name in where]
        self._prepared: dict[str, tuple[str, list[list]]] = {}  # per alias: SQL, converters

    def _prepare(self, alias: str) -> tuple[str, list[list]]:
        prepared = self._prepared.get(alias)
        if prepared is None:
            connection = connections[alias]
            quote = connection.ops.quote_name
            table = self.model._meta.db_table
            columns = ", ".join(quote(field.column) for field in self._columns)
            conditions = " AND ".join(f"{quote(field.column)} = %s" for field in self._where)
            converters = []
            for field in self._columns:
                column = field.get_col(table)
                converters.append(
                    [
                        *connection.ops.get_db_converters(column),
                        *field.get_db_converters(connection),
                    ]
                )
            sql = f"SELECT {columns} FROM {quote(table)} WHERE {conditions}"
            prepared = self._prepared[alias] = (sql, converters)
        return prepared

    def __call__(self, where: Sequence[Any]) -> list[tuple]:
        alias = router.db_for_read(self.model)
        connection = connections[alias]
        sql, converters = self._prepare(alias)
        params = [
            field.get_db_prep_value(value, connection, prepared=False)
            for field, value in zip(self._where, where, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not any(converters):
            return [tuple(row) for row in rows]
        columns = [field.get_col(self.model._meta.db_table) for field in self._columns]
        converted = []
        for row in rows:
            values = []
            for value, column, column_converters in zip(row, columns, converters, strict=True):
                for convert in column_converters:
                    value = convert(value, column, connection)
                values.append(value)
            converted.append(tuple(values))
        return converted
