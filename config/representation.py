"""An output serializer's `to_representation`, with less of DRF's machinery per field.

DRF describes an instance field by field: `_readable_fields` (a generator), then each field's
`get_attribute` (a loop over the source's parts, a Mapping check and a callable check per
part, error handling) and `to_representation`, about fifteen calls a field. The live stream
describes a chat message at every turn's commit and a task at every change of one. A
`Representation` reads a field whose source is one plain attribute with one `getattr`, and
leaves everything else to the field's own `get_attribute` (a missing attribute, a callable,
a dotted source, a Mapping instance, a field that reads otherwise): it returns what the
serializer's `to_representation` returns.
"""

from collections.abc import Mapping
from typing import Any

from rest_framework import serializers
from rest_framework.fields import Field, SkipField
from rest_framework.relations import PKOnlyObject

_MISSING = object()
_WHOLE = object()  # a field whose source is `*`: the instance itself (a method field)


def _plain_source(field: Field) -> str | object | None:
    """The one attribute the field reads through DRF's own `get_attribute`, `_WHOLE` for the
    instance itself, None when it reads otherwise."""
    if type(field).get_attribute is not Field.get_attribute:
        return None
    if not field.source_attrs:
        return _WHOLE
    return field.source_attrs[0] if len(field.source_attrs) == 1 else None


class Representation:
    """`serializer_class().to_representation(instance)`, fields built once (a serializer
    made per instance deep-copies its declared fields first)."""

    def __init__(self, serializer_class: type[serializers.Serializer]):
        serializer = serializer_class()
        self.fields = serializer.fields
        self._plan = [
            (field.field_name, _plain_source(field), field)
            for field in self.fields.values()
            if not field.write_only
        ]

    def __call__(self, instance: Any) -> dict[str, Any]:
        plain = not isinstance(instance, Mapping)
        described = {}
        for name, source, field in self._plan:
            if source is None or not plain:
                value = _MISSING
            elif source is _WHOLE:
                value = instance
            else:
                value = getattr(instance, source, _MISSING)
                if callable(value):
                    value = _MISSING
            if value is _MISSING:
                try:
                    value = field.get_attribute(instance)
                except SkipField:
                    continue
            empty = (value.pk if isinstance(value, PKOnlyObject) else value) is None
            described[name] = None if empty else field.to_representation(value)
        return described
