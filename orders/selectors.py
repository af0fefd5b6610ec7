"""Orders: the reads."""

from __future__ import annotations

import uuid

from accounts.models import User
from ecommerce.pagination import Page, aware_datetime, keyset_page
from orders.errors import OrderNotFound
from orders.models import Order

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def orders_of_user_page(
    *, user: User, page_size: int = DEFAULT_PAGE_SIZE, cursor: str | None = None
) -> Page:
    """The user's orders, newest first, with their lines and history (keyset on created_at, id)."""
    return keyset_page(
        Order.objects.filter(user=user).prefetch_related("lines", "transitions"),
        order_by="-created_at",
        parse=aware_datetime,
        page_size=page_size,
        cursor=cursor,
    )


def order_for_viewer(*, order_id: uuid.UUID, user: User) -> Order:
    """One order with its history, for its owner or staff; anyone else gets OrderNotFound
    (not 403: order ids are not to be probed)."""
    order = Order.objects.prefetch_related("lines", "transitions").filter(pk=order_id).first()
    if order is None or not (user.is_staff or order.user_id == user.pk):
        raise OrderNotFound()
    return order
