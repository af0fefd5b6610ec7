"""The basket: the verbs. Each locks the user's basket row first, so that changes of one
basket (two devices at once) happen one after the other and the line limit holds.

Checkout places one order with every line through orders.placement, all or nothing, and
empties the basket in the same transaction.
"""

from __future__ import annotations

import logging
import uuid

from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import User
from cart.errors import CartEmpty, CartFull
from cart.models import Cart, CartLine
from orders.models import MAX_LINES
from orders.placement import Idempotency, Placement, fingerprint, order_place, placement_replay
from products import selectors as products
from products.errors import InsufficientStock, ProductNotFound, Shortfall

logger = logging.getLogger(__name__)


def _cart_locked(user: User) -> Cart:
    """The user's basket, created when missing, locked until the transaction ends."""
    cart, _ = Cart.objects.select_for_update().get_or_create(user=user)
    return cart


def _changed(cart: Cart) -> None:
    cart.version += 1
    cart.updated_at = timezone.now()
    cart.save(update_fields=["version", "updated_at"])


def cart_line_set(*, user: User, product_id: uuid.UUID, quantity: int) -> None:
    """Put the product in the basket in `quantity`, or change its quantity there.

    Raises ProductNotFound (unknown or not for sale), InsufficientStock (more than in stock
    now: advisory, nothing is reserved before checkout) and CartFull.
    """
    try:
        with transaction.atomic():
            cart = _cart_locked(user)
            offer = products.offer_for_sale(product_id)
            if quantity > offer.available:
                raise InsufficientStock(
                    lines=[Shortfall(product_id, requested=quantity, available=offer.available)]
                )
            if not cart.lines.filter(product_id=product_id).update(quantity=quantity):
                if cart.lines.count() >= MAX_LINES:
                    raise CartFull()
                CartLine.objects.create(cart=cart, product_id=product_id, quantity=quantity)
            _changed(cart)
    except IntegrityError:
        # The product was deleted between the read and the commit (PostgreSQL checks the
        # line's foreign key at commit): the line went with the transaction.
        if products.offers([product_id]):
            raise
        raise ProductNotFound() from None


def cart_line_remove(*, user: User, product_id: uuid.UUID) -> None:
    """Take the product out of the basket (nothing changes when it is not there)."""
    with transaction.atomic():
        cart = _cart_locked(user)
        if cart.lines.filter(product_id=product_id).delete()[0]:
            _changed(cart)


def cart_clear(*, user: User) -> None:
    """Empty the basket."""
    with transaction.atomic():
        cart = _cart_locked(user)
        if cart.lines.all().delete()[0]:
            _changed(cart)


def cart_checkout(*, user: User, idempotency_key: str | None = None) -> Placement:
    """Place one order with every line of the basket and empty it, in one transaction.

    With an Idempotency-Key, the key guards the basket's version: a retry finds the basket
    as the checkout left it (emptied, the version unchanged) and replays the order; after
    any change of the basket the same key is IdempotencyKeyReused. Raises CartEmpty, and
    ProductUnavailable or InsufficientStock (the basket is kept, nothing is reserved).
    """
    with transaction.atomic():
        cart = _cart_locked(user)
        idempotency = None
        if idempotency_key is not None:
            idempotency = Idempotency(idempotency_key, fingerprint({"checkout": cart.version}))
            replay = placement_replay(user=user, idempotency=idempotency)
            if replay is not None:
                return replay
        lines = dict(cart.lines.values_list("product_id", "quantity"))
        if not lines:
            raise CartEmpty()
        # The products' rows first (their stock), then the basket's lines: the order in
        # which deleting a product takes them (products.services.product_delete), so the
        # two cannot deadlock.
        placement = order_place(user=user, lines=lines, idempotency=idempotency)
        cart.lines.all().delete()
        cart.updated_at = timezone.now()
        cart.save(update_fields=["updated_at"])
    logger.info("basket checked out", extra={"order_id": str(placement.order.id)})
    return placement
