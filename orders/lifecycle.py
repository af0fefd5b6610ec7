"""An order's status: the one guard every change goes through, and the changes that end it.

The order moves pending → processing (the worker) → shipping (the order workflow's
report); it can end failed (processing kept failing) or cancelled (by its owner while
pending or processing). Transitions are conditional updates on the current status, so a
repeated step (a redelivered message) changes nothing; each is recorded with its time.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from orders import emails
from orders.errors import OrderNotCancellable, OrderNotFound
from orders.models import IN_FLIGHT, EmailKind, Order, OrderLine, OrderStatus, OrderTransition
from products import stock
from products.models import MovementReason

logger = logging.getLogger(__name__)


def transition(
    order_id: uuid.UUID | str, *, allowed: Iterable[str], to: str, reason: str
) -> str | None:
    """Move the order to `to` if its status is one of `allowed`, and record the transition.
    Once the order leaves the in-flight statuses, the worker owes it nothing more.

    Returns the status it left, or None when nothing changed (the order is elsewhere, e.g.
    a redelivered message or a cancelled order). Raises OrderNotFound.
    """
    allowed = set(allowed)
    with transaction.atomic():
        # A status only moves forward, so this loop ends: when the conditional update
        # misses, another process moved the order since the read; look again.
        while True:
            current = Order.objects.filter(pk=order_id).values_list("status", flat=True).first()
            if current is None:
                raise OrderNotFound()
            if current not in allowed:
                return None
            now = timezone.now()
            moved = Order.objects.filter(pk=order_id, status=current).update(
                status=to, updated_at=now, due_at=F("due_at") if to in IN_FLIGHT else None
            )
            if moved:
                OrderTransition.objects.create(
                    order_id=order_id, from_status=current, to_status=to, at=now, reason=reason
                )
                logger.info(
                    "order status changed",
                    extra={"order_id": str(order_id), "from": current, "to": to, "reason": reason},
                )
                return current


def _release_stock(order_id: uuid.UUID | str, reason: MovementReason) -> None:
    """Every line's items back in stock (lines of products deleted since have nowhere to go)."""
    lines = OrderLine.objects.filter(order_id=order_id, product__isnull=False)
    stock.stock_release(
        dict(lines.values_list("product_id", "quantity")),
        order_id=uuid.UUID(str(order_id)),
        reason=reason,
    )


def order_fail(*, order_id: uuid.UUID | str, reason: str) -> bool:
    """pending/processing → failed: the stock goes back and the customer's email is queued,
    in one transaction. Returns whether this call failed the order."""
    with transaction.atomic():
        try:
            left = transition(order_id, allowed=IN_FLIGHT, to=OrderStatus.FAILED, reason=reason)
        except OrderNotFound:
            logger.warning("order to fail does not exist", extra={"order_id": str(order_id)})
            return False
        if left is None:
            return False
        _release_stock(order_id, MovementReason.FAILED)
        emails.order_email_queue(order_id, EmailKind.FAILURE)
    return True


def order_cancel(*, user: User, order_id: uuid.UUID) -> Order:
    """The owner cancels a pending or processing order; its stock goes back.

    Another user's order is OrderNotFound; a later status is OrderNotCancellable. A
    workflow report arriving afterwards leaves the order cancelled.
    """
    with transaction.atomic():
        if not Order.objects.filter(pk=order_id, user=user).exists():
            raise OrderNotFound()
        left = transition(
            order_id,
            allowed=IN_FLIGHT,
            to=OrderStatus.CANCELLED,
            reason="cancelled by the customer",
        )
        if left is None:
            raise OrderNotCancellable(
                status=Order.objects.values_list("status", flat=True).get(pk=order_id)
            )
        _release_stock(order_id, MovementReason.CANCELLED)
    return Order.objects.get(pk=order_id)
