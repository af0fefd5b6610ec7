"""Orders: the reads."""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q

from accounts.models import User
from ecommerce.errors import DomainError
from orders.models import Order
from orders.services import OrderNotFound

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class InvalidCursor(DomainError):
    code = "invalid"

    def __init__(self):
        super().__init__(
            "Invalid input.", extra={"fields": {"cursor": ["Invalid or expired cursor."]}}
        )


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    next_cursor: str | None


def _encode_cursor(order: Order) -> str:
    raw = json.dumps([order.created_at.isoformat(), str(order.id)], separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        created_at, last_id = json.loads(raw)
        created_at = datetime.fromisoformat(created_at)
        if created_at.tzinfo is None:
            raise ValueError("naive datetime")
        return created_at, uuid.UUID(last_id)
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise InvalidCursor() from None


def orders_of_user_page(
    *, user: User, page_size: int = DEFAULT_PAGE_SIZE, cursor: str | None = None
) -> OrderPage:
    """The user's orders, newest first, with their history (keyset on created_at, id)."""
    queryset = Order.objects.filter(user=user)
    if cursor:
        created_at, last_id = _decode_cursor(cursor)
        queryset = queryset.filter(
            Q(created_at__lte=created_at), Q(created_at__lt=created_at) | Q(id__lt=last_id)
        )
    orders = list(
        queryset.order_by("-created_at", "-id").prefetch_related("transitions")[: page_size + 1]
    )
    next_cursor = _encode_cursor(orders[page_size - 1]) if len(orders) > page_size else None
    return OrderPage(orders[:page_size], next_cursor)


def order_for_viewer(*, order_id: uuid.UUID, user: User) -> Order:
    """One order with its history, for its owner or staff; anyone else gets OrderNotFound
    (not 403: order ids are not to be probed)."""
    order = Order.objects.prefetch_related("transitions").filter(pk=order_id).first()
    if order is None or not (user.is_staff or order.user_id == user.pk):
        raise OrderNotFound()
    return order
