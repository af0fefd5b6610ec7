"""Serializer fields that take only the JSON type the schema documents.

DRF's own fields coerce: CharField turns 42 into "42". An API that documents a string should
refuse a number (400 naming the field), as the fuzzer's schema checks expect.
"""

import unicodedata

from django.core.validators import EmailValidator, RegexValidator
from rest_framework import serializers

# Nothing is trimmed (what is stored is what was sent, and a length limit means what the
# schema says), so a value that may not be blank may not start or end with a space or a
# control character either.
VISIBLE_ENDS = RegexValidator(
    r"^[^\x00-\x20\x7f]([\s\S]*[^\x00-\x20\x7f])?\Z",
    "Must not start or end with a space or a control character.",
)


class StrictCharField(serializers.CharField):
    """A JSON string only (DRF's CharField would turn 42 into "42"), taken as sent: not
    trimmed, so a value that may not be blank must have visible ends (VISIBLE_ENDS)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        super().__init__(**kwargs)
        if not self.allow_blank:
            self.validators.append(VISIBLE_ENDS)

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictEmailField(serializers.EmailField):
    """An email address as this API takes it, taken as sent (not trimmed): an ASCII dot-atom
    name at a domain whose last label has two letters or more. Narrower than RFC 5321 (no
    quoted names, IP literals or internationalised domains) and than Django's own check, so
    that the schema can state it exactly (`format: email` and this pattern)."""

    ADDRESS = RegexValidator(
        r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
        r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}\Z",
        "Enter a valid email address.",
    )

    def __init__(self, **kwargs):
        kwargs.setdefault("trim_whitespace", False)
        kwargs.setdefault("max_length", 254)
        super().__init__(**kwargs)
        self.validators = [v for v in self.validators if not isinstance(v, EmailValidator)]
        self.validators.append(self.ADDRESS)

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
