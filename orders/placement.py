"""Placing an order: stock reserved, the order recorded and handed to processing, at once.

Everything happens in one transaction: the products' conditional stock updates
(products.stock, one per product in product id order, with their ledger movements), the
pending order with its lines,
which is due work for the worker from its creation (ecommerce/duework.py; its creation is
also the first entry of its history). The worker picks the order up once it has committed;
nothing waits in any process's memory. Create-order and the basket's checkout
(cart.services) both place through `order_place`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from orders.errors import IdempotencyKeyReused
from orders.models import IdempotencyRecord, Order, OrderLine
from products import stock

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    order: Order
    replayed: bool  # True: an earlier request with the same Idempotency-Key placed it


@dataclass(frozen=True)
class Idempotency:
    """A request's `Idempotency-Key` and the fingerprint of what it asked for."""

    key: str
    fingerprint: str


def fingerprint(request: dict) -> str:
    """sha256 of the canonical JSON of what a request asked for (what its key guards)."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def order_place(
    *, user: User, lines: Mapping[uuid.UUID, int], idempotency: Idempotency | None = None
) -> Placement:
    """Reserve every product's quantity and create the pending order with its lines (due
    for processing), all in one transaction (the caller's, when it has one).

    Raises ProductUnavailable, InsufficientStock (naming every such product; nothing is
    reserved) and IdempotencyKeyReused (the key placed an order for another request). The
    same key with the same request returns the first placement and changes nothing.
    """
    with transaction.atomic():
        record = None
        if idempotency is not None:
            record, replay = _claim_key(user=user, idempotency=idempotency)
            if replay is not None:
                return replay
        order = _reserve_and_record(user=user, lines=lines)
        if record is not None:
            record.order = order
            record.save(update_fields=["order"])
    logger.info(
        "order placed",
        extra={"order_id": str(order.id), "lines": len(lines), "units": sum(lines.values())},
    )
    return Placement(order=order, replayed=False)


def placement_replay(*, user: User, idempotency: Idempotency) -> Placement | None:
    """The placement an earlier request with this key made, or None. Raises
    IdempotencyKeyReused when that request asked for something else."""
    record = (
        IdempotencyRecord.objects.select_related("order")
        .filter(user=user, key=idempotency.key)
        .first()
    )
    if record is None:
        return None
    if record.fingerprint != idempotency.fingerprint:
        raise IdempotencyKeyReused()
    return Placement(order=record.order, replayed=True)


def _claim_key(
    *, user: User, idempotency: Idempotency
) -> tuple[IdempotencyRecord | None, Placement | None]:
    """The key's new record, or the earlier placement it made (a replay)."""
    replay = placement_replay(user=user, idempotency=idempotency)
    if replay is not None:
        return None, replay
    try:
        # The unique (user, key) claim: a concurrent request with the same key waits here
        # until this transaction ends, then replays its order.
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=user, key=idempotency.key, fingerprint=idempotency.fingerprint
            ), None
    except IntegrityError:
        replay = placement_replay(user=user, idempotency=idempotency)
        if replay is None:
            raise
        return None, replay


def _reserve_and_record(*, user: User, lines: Mapping[uuid.UUID, int]) -> Order:
    """Take the stock and create the pending order and its lines (in the caller's
    transaction). Raises ProductUnavailable or InsufficientStock."""
    order_id = uuid.uuid4()
    reserved = stock.stock_reserve(lines, order_id=order_id)
    now = timezone.now()
    order_lines = [
        OrderLine(
            product_id=r.id,
            product_name=r.product_name,
            unit_price=r.price,
            quantity=r.quantity,
            line_total=r.price * r.quantity,
        )
        for r in reserved
    ]
    order = Order.objects.create(
        id=order_id,
        user=user,
        total=sum(line.line_total for line in order_lines),
        created_at=now,
        updated_at=now,
    )
    for line in order_lines:
        line.order = order
    OrderLine.objects.bulk_create(order_lines)
    return order
