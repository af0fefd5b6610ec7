"""Products: the verbs. Nothing outside `products/` writes product rows."""

from __future__ import annotations

import logging
import uuid

from django.db.models import F

from ecommerce.errors import Conflict, NotFound
from products.models import Product, ProductStatus

logger = logging.getLogger(__name__)


class ProductNotFound(NotFound):
    code = "product_not_found"

    def __init__(self, message: str = "No such product.", **kwargs):
        super().__init__(message, **kwargs)


class InsufficientStock(Conflict):
    """Fewer items in stock than asked for; `available` is in the error body."""

    code = "insufficient_stock"

    def __init__(self, *, available: int, requested: int):
        super().__init__(
            f"Only {available} in stock, {requested} requested.",
            extra={"available": available},
        )
        self.available = available


# --- stock (used by orders) ------------------------------------------------------------------


def stock_reserve(*, product_id: uuid.UUID, quantity: int) -> Product:
    """Take `quantity` items of an approved product out of stock; returns the product.

    One conditional UPDATE, so concurrent reservations can never sell more than the stock.
    Call it inside the caller's transaction: a rollback puts the stock back. Raises
    `ProductNotFound` (unknown or not approved) or `InsufficientStock`.
    """
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    taken = Product.objects.filter(
        pk=product_id, status=ProductStatus.APPROVED, quantity__gte=quantity
    ).update(quantity=F("quantity") - quantity)
    product = Product.objects.filter(pk=product_id, status=ProductStatus.APPROVED).first()
    if product is None:
        raise ProductNotFound()
    if not taken:
        raise InsufficientStock(available=product.quantity, requested=quantity)
    return product


def stock_release(*, product_id: uuid.UUID, quantity: int) -> None:
    """Put `quantity` items back in stock (a cancelled or failed order), whatever the status.

    A product deleted since is not an error: there is nothing to put the items back into.
    """
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    released = Product.objects.filter(pk=product_id).update(quantity=F("quantity") + quantity)
    if not released:
        logger.warning(
            "stock release for a missing product",
            extra={"product_id": str(product_id), "quantity": quantity},
        )
