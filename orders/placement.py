"""Placing an order: stock reserved, the order recorded and handed to processing, at once.

Everything happens in one transaction: the product's conditional stock update
(products.services) and the pending order, which is due work for the worker from its
creation (ecommerce/duework.py; its creation is also the first entry of its history). The
worker picks the order up once it has committed; nothing waits in any process's memory.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from orders.errors import IdempotencyKeyReused
from orders.models import IdempotencyRecord, Order
from products import services as products

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Placement:
    order: Order
    replayed: bool  # True: an earlier request with the same Idempotency-Key placed it


def request_fingerprint(*, product_id: uuid.UUID, quantity: int) -> str:
    """sha256 of the canonical JSON of a create-order body (what Idempotency-Key guards)."""
    canonical = json.dumps(
        {"id": str(product_id), "quantity": quantity}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def order_place(
    *,
    user: User,
    product_id: uuid.UUID,
    quantity: int,
    idempotency_key: str | None = None,
) -> Placement:
    """Reserve stock and create a pending order (due for processing) in one transaction.

    Raises ProductNotFound (unknown or unapproved), InsufficientStock, and
    IdempotencyKeyReused (the key placed an order for another body). The same key with
    the same body returns the first placement and changes nothing.
    """
    with transaction.atomic():
        record = None
        if idempotency_key is not None:
            fingerprint = request_fingerprint(product_id=product_id, quantity=quantity)
            record, replay = _claim_key(user=user, key=idempotency_key, fingerprint=fingerprint)
            if replay is not None:
                return replay
        order = _reserve_and_record(user=user, product_id=product_id, quantity=quantity)
        if record is not None:
            record.order = order
            record.save(update_fields=["order"])
    logger.info(
        "order placed",
        extra={"order_id": str(order.id), "product_id": str(product_id), "quantity": quantity},
    )
    return Placement(order=order, replayed=False)


def _claim_key(
    *, user: User, key: str, fingerprint: str
) -> tuple[IdempotencyRecord | None, Placement | None]:
    """The key's new record, or the earlier placement it made (a replay)."""
    replay = _replay(user=user, key=key, fingerprint=fingerprint)
    if replay is not None:
        return None, replay
    try:
        # The unique (user, key) claim: a concurrent request with the same key waits here
        # until this transaction ends, then replays its order.
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=user, key=key, fingerprint=fingerprint
            ), None
    except IntegrityError:
        replay = _replay(user=user, key=key, fingerprint=fingerprint)
        if replay is None:
            raise
        return None, replay


def _replay(*, user: User, key: str, fingerprint: str) -> Placement | None:
    record = IdempotencyRecord.objects.select_related("order").filter(user=user, key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return Placement(order=record.order, replayed=True)


def _reserve_and_record(*, user: User, product_id: uuid.UUID, quantity: int) -> Order:
    """Take the stock and create the pending order (in the caller's transaction). Raises
    ProductNotFound or InsufficientStock."""
    reserved = products.stock_reserve(product_id=product_id, quantity=quantity)
    now = timezone.now()
    order = Order.objects.create(
        user=user,
        product_id=reserved.id,
        product_name=reserved.product_name,
        unit_price=reserved.price,
        quantity=quantity,
        total=reserved.price * quantity,
        created_at=now,
        updated_at=now,
    )
    return order
