"""Keyset pagination, once for every paginated list (products, orders).

A page is the rows after the cursor in (field, id) order: one query that an index on
(field, id) answers by seeking, whatever the page number. The cursor is opaque to
clients: URL-safe base64 of a JSON list of strings (the ordering, the last row's value and
id). Anything that does not decode and parse is one 400 naming `cursor`.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from ecommerce.errors import DomainError


class InvalidCursor(DomainError):
    code = "invalid"

    def __init__(self):
        super().__init__(
            "Invalid input.", extra={"fields": {"cursor": ["Invalid or expired cursor."]}}
        )


@dataclass(frozen=True)
class Page:
    items: list
    next_cursor: str | None


def aware_datetime(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        raise ValueError("naive datetime")
    return value


def keyset_page(
    queryset: QuerySet,
    *,
    order_by: str,
    parse: Callable[[str], object],
    page_size: int,
    cursor: str | None = None,
) -> Page:
    """The page of `queryset` after `cursor`, ordered by `order_by` (a field name, with "-"
    for descending) then by primary key; one query. `parse` reads a cursor's value back
    from its text. Rows may be model instances or `.values()` dicts."""
    descending = order_by.startswith("-")
    field = order_by.lstrip("-")
    if cursor:
        value, last_pk = _decode(cursor, order_by, parse, queryset.model._meta.pk.to_python)
        before, after = ("lt", "lte") if descending else ("gt", "gte")
        # `field <= value` first: a range the (field, id) index can seek to.
        queryset = queryset.filter(
            Q(**{f"{field}__{after}": value}),
            Q(**{f"{field}__{before}": value}) | Q(**{f"pk__{before}": last_pk}),
        )
    sign = "-" if descending else ""
    rows = list(queryset.order_by(f"{sign}{field}", f"{sign}pk")[: page_size + 1])
    next_cursor = None
    if len(rows) > page_size:
        last = rows[page_size - 1]
        pk_name = queryset.model._meta.pk.attname
        next_cursor = _encode(order_by, _value(last, field), _value(last, pk_name))
    return Page(rows[:page_size], next_cursor)


def _value(row, name: str):
    return row[name] if isinstance(row, dict) else getattr(row, name)


def _encode(*parts) -> str:
    texts = [part.isoformat() if isinstance(part, datetime) else str(part) for part in parts]
    raw = json.dumps(texts, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str, order_by: str, parse: Callable, parse_pk: Callable) -> tuple:
    """(value, pk) of a cursor made for `order_by`; InvalidCursor if anything is off."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        parts = json.loads(raw)
        if not isinstance(parts, list) or len(parts) != 3 or parts[0] != order_by:
            raise ValueError("wrong shape")
        return parse(parts[1]), parse_pk(parts[2])
    except (
        ValueError,
        TypeError,
        binascii.Error,
        InvalidOperation,
        UnicodeDecodeError,
        ValidationError,  # the primary key's own parsing
    ):
        raise InvalidCursor() from None
