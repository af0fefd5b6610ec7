"""Rows rendered in a serializer's shape, for lists of plain `.values()` rows.

A flat output serializer declares a shape once: each field's JSON name and its `source`
(or a nested serializer whose row value is a dict in its own shape, or None; or, `many`, a
list of such dicts).
`in_shape` renames a row's keys to those names and leaves the values as the database gave
them (str, int, bool, UUID, Decimal, aware datetime, None), which the API's renderer writes
exactly as the serializer's fields would (tests/ecommerce/test_shapes.py compares the
two). DRF's per-field `to_representation` cost more than the query for a catalogue page.
"""

from __future__ import annotations

import functools

from rest_framework import serializers


@functools.cache
def fields_of(serializer_class: type[serializers.Serializer]) -> tuple[tuple, ...]:
    """(JSON name, source, nested serializer class or None, many) of every field."""
    found = []
    for name, field in serializer_class().fields.items():
        many = isinstance(field, serializers.ListSerializer)
        item = field.child if many else field
        nested = isinstance(item, serializers.Serializer)
        if "." in field.source:
            raise TypeError(f"{serializer_class.__name__}.{name}: only flat fields have a shape")
        found.append((name, field.source, type(item) if nested else None, many))
    return tuple(found)


def _value(value, nested, many):
    if nested is None or value is None:
        return value
    if many:
        return [_shaped(item, fields_of(nested)) for item in value]
    return _shaped(value, fields_of(nested))


def _shaped(row: dict, fields: tuple) -> dict:
    return {name: _value(row[source], nested, many) for name, source, nested, many in fields}


def in_shape(rows: list[dict], serializer_class: type[serializers.Serializer]) -> list[dict]:
    fields = fields_of(serializer_class)
    return [_shaped(row, fields) for row in rows]
