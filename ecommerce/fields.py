"""Serializer fields that take only the JSON type the schema documents.

DRF's own fields coerce: CharField turns 42 into "42". An API that documents a string should
refuse a number (400 naming the field), as the fuzzer's schema checks expect.
"""

import unicodedata

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF's CharField would turn 42 into "42")."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer only: not "5", 5.0 or true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictDecimalField(serializers.DecimalField):
    """A JSON number only: not "9.99" or true."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """A UUID as a JSON string only (DRF's would turn the integer 5 into a UUID)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


def fold(text: str) -> str:
    """The form under which names compare equal whatever their case, in every script
    ("Ärger" and "ärger", "Straße" and "STRASSE"), computed here rather than by the
    database: SQLite's LOWER() only folds ASCII, so uniqueness would differ between the
    databases. Stored beside the name in a unique column (`*_key`)."""
    return unicodedata.normalize("NFKC", text).casefold()
