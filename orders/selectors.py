"""Orders: the reads."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import Q

from accounts.models import User
from ecommerce.pagination import aware_datetime, decode_cursor, encode_cursor
from orders.models import Order
from orders.services import OrderNotFound

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


@dataclass(frozen=True)
class OrderPage:
    orders: list[Order]
    next_cursor: str | None


def orders_of_user_page(
    *, user: User, page_size: int = DEFAULT_PAGE_SIZE, cursor: str | None = None
) -> OrderPage:
    """The user's orders, newest first, with their history (keyset on created_at, id)."""
    queryset = Order.objects.filter(user=user)
    if cursor:
        created_at, last_id = decode_cursor(cursor, aware_datetime, uuid.UUID)
        queryset = queryset.filter(
            Q(created_at__lte=created_at), Q(created_at__lt=created_at) | Q(id__lt=last_id)
        )
    orders = list(
        queryset.order_by("-created_at", "-id").prefetch_related("transitions")[: page_size + 1]
    )
    next_cursor = None
    if len(orders) > page_size:
        last = orders[page_size - 1]
        next_cursor = encode_cursor(last.created_at.isoformat(), last.id)
    return OrderPage(orders[:page_size], next_cursor)


def order_for_viewer(*, order_id: uuid.UUID, user: User) -> Order:
    """One order with its history, for its owner or staff; anyone else gets OrderNotFound
    (not 403: order ids are not to be probed)."""
    order = Order.objects.prefetch_related("transitions").filter(pk=order_id).first()
    if order is None or not (user.is_staff or order.user_id == user.pk):
        raise OrderNotFound()
    return order
