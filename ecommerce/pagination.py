"""Keyset pagination cursors, shared by every paginated list (products, orders).

A cursor is opaque to clients: URL-safe base64 of a JSON list of strings (the sort value,
the last id, ...). Anything that does not decode and parse is one 400 naming `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from datetime import datetime
from decimal import InvalidOperation

from ecommerce.errors import DomainError


class InvalidCursor(DomainError):
    code = "invalid"

    def __init__(self):
        super().__init__(
            "Invalid input.", extra={"fields": {"cursor": ["Invalid or expired cursor."]}}
        )


def encode_cursor(*parts: str) -> str:
    raw = json.dumps([str(part) for part in parts], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *parsers: Callable[[str], object]) -> tuple:
    """The cursor's parts, each read back by its parser; InvalidCursor if anything is off."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
        if not isinstance(parts, list) or len(parts) != len(parsers):
            raise ValueError("wrong shape")
        return tuple(parse(part) for parse, part in zip(parsers, parts, strict=True))
    except (ValueError, TypeError, binascii.Error, InvalidOperation, UnicodeDecodeError):
        raise InvalidCursor() from None


def aware_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value
