"""Products' stock: every change of it, each with its movement in the stock ledger.

Stock only changes here, with conditional updates relative to what it is at that moment (an
order, a restock or a removal can never undo a concurrent one), and each change writes its
`StockMovement` in the same transaction: a product's stock is the sum of its movements,
which `stock_mismatches` (`manage.py stock_check`, and a daily beat task) verifies.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.db.models import F

from accounts.models import User
from products.cache import catalogue_changed
from products.errors import (
    InsufficientStock,
    ProductNotFound,
    ProductUnavailable,
    Shortfall,
    StockLimit,
)
from products.models import (
    FOR_SALE,
    MAX_STOCK,
    MovementReason,
    Product,
    ProductStatus,
    StockMovement,
)

logger = logging.getLogger(__name__)

APPROVED_STATUS = ProductStatus.APPROVED.value
_PRICE = Product._meta.get_field("price")


def _in_transaction() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("stock changes need the caller's transaction")


def _positive(lines: Mapping[uuid.UUID, int]) -> None:
    if not lines or min(lines.values()) <= 0:
        raise ValueError("every quantity must be positive")


# --- orders ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reservation:
    """What an order line needs to know about the product it reserved from."""

    id: uuid.UUID
    product_name: str
    price: Decimal
    quantity: int  # taken by this reservation


def stock_reserve(lines: Mapping[uuid.UUID, int], *, order_id: uuid.UUID) -> list[Reservation]:
    """Take each product's quantity out of stock for the order `order_id`, all or nothing;
    the reservations come in product id order.

    One conditional UPDATE per product, so concurrent reservations can never sell more than
    the stock, in product id order, so that two reservations sharing products take their row
    locks in the same order and never deadlock. Call it inside the caller's transaction:
    on an error the caller's rollback puts back what was taken. Raises `ProductUnavailable`
    (unknown or not approved) or `InsufficientStock`, naming every such product.
    """
    _in_transaction()
    _positive(lines)
    ordered = sorted(lines)
    reserved = []
    for product_id in ordered:
        row = _take(product_id, lines[product_id])
        while row is None:
            _refuse_shortfalls({p: lines[p] for p in ordered[len(reserved) :]})
            # Nothing is short now: stock came back since the update missed. Take it again.
            row = _take(product_id, lines[product_id])
        name, price = row
        reserved.append(
            Reservation(
                id=product_id,
                product_name=name,
                price=_PRICE.to_python(price),  # SQLite's cursor gives a float
                quantity=lines[product_id],
            )
        )
    StockMovement.objects.bulk_create(
        StockMovement(
            product_id=r.id, change=-r.quantity, reason=MovementReason.PLACED, order_id=order_id
        )
        for r in reserved
    )
    catalogue_changed()
    return reserved


def _take(product_id: uuid.UUID, quantity: int) -> tuple[str, Decimal] | None:
    """The conditional UPDATE of one product's stock: (name, price), or None when the
    product is not for sale (models.FOR_SALE: approved and listed) or has fewer than
    `quantity` left."""
    # Raw SQL for RETURNING, which QuerySet.update() cannot say; the same on every database.
    # Only the model's own table name is formatted in; every value is a bound parameter.
    table, pk = Product._meta.db_table, Product._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET quantity = quantity - %s "  # nosec B608
            "WHERE id = %s AND status = %s AND listed = %s AND quantity >= %s "
            "RETURNING product_name, price",
            [
                quantity,
                pk.get_db_prep_value(product_id, connection),
                APPROVED_STATUS,
                True,
                quantity,
            ],
        )
        return cursor.fetchone()


def _refuse_shortfalls(rest: Mapping[uuid.UUID, int]) -> None:
    """Raise naming every product of `rest` (the one that could not be taken and those not
    tried yet) that is not for sale or short, if any is."""
    available = dict(
        Product.objects.filter(FOR_SALE, pk__in=list(rest)).values_list("id", "quantity")
    )
    unavailable = [p for p in rest if p not in available]
    if unavailable:
        raise ProductUnavailable(product_ids=unavailable)
    short = [
        Shortfall(product_id=p, requested=q, available=available[p])
        for p, q in rest.items()
        if available[p] < q
    ]
    if short:
        raise InsufficientStock(lines=short)


def stock_release(
    lines: Mapping[uuid.UUID, int], *, order_id: uuid.UUID, reason: MovementReason
) -> None:
    """Put each product's quantity back in stock (the order `order_id` was cancelled or
    failed: `reason`), whatever its status, in product id order as `stock_reserve` takes it.

    A product deleted since is not an error: there is nothing to put the items back into.
    """
    if not lines:
        return
    _in_transaction()
    _positive(lines)
    released = []
    for product_id in sorted(lines):
        if Product.objects.filter(pk=product_id).update(quantity=F("quantity") + lines[product_id]):
            released.append(product_id)
        else:
            logger.warning(
                "stock release for a missing product",
                extra={"product_id": str(product_id), "quantity": lines[product_id]},
            )
    StockMovement.objects.bulk_create(
        StockMovement(product_id=p, change=lines[p], reason=reason, order_id=order_id)
        for p in released
    )
    catalogue_changed()


# --- sellers -----------------------------------------------------------------------------------


def stock_initial(product: Product, *, by: User | None) -> None:
    """The ledger's first movement of a new product: its submitted stock."""
    _in_transaction()
    StockMovement.objects.create(
        product=product, change=product.quantity, reason=MovementReason.INITIAL, user=by
    )


def stock_adjust(*, product_id: uuid.UUID, change: int, by: User) -> int:
    """Add (`change` > 0) or remove units relative to the stock at this moment, whatever
    orders do meanwhile; returns the stock after. Raises InsufficientStock when removing
    more than there is, StockLimit when adding past MAX_STOCK (nothing changes). Checks no
    permission: the caller does."""
    if change == 0:
        raise ValueError("a stock change must not be 0")
    _in_transaction()
    changed = Product.objects.filter(
        pk=product_id, quantity__gte=max(0, -change), quantity__lte=MAX_STOCK - max(0, change)
    ).update(quantity=F("quantity") + change)
    left = Product.objects.filter(pk=product_id).values_list("quantity", flat=True).first()
    if left is None:
        raise ProductNotFound()
    if not changed and change > 0:
        raise StockLimit(quantity=left, limit=MAX_STOCK)
    if not changed:
        raise InsufficientStock(
            lines=[Shortfall(product_id=product_id, requested=-change, available=left)]
        )
    reason = MovementReason.RESTOCKED if change > 0 else MovementReason.REMOVED
    StockMovement.objects.create(product_id=product_id, change=change, reason=reason, user=by)
    catalogue_changed()
    logger.info(
        "stock changed", extra={"product_id": str(product_id), "change": change, "left": left}
    )
    return left


# --- the check ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mismatch:
    product_id: uuid.UUID
    product_name: str
    stock: int
    ledger: int  # the sum of its movements


def stock_mismatches() -> list[Mismatch]:
    """Every product whose stock is not the sum of its movements, in one query."""
    rows = (
        Product.objects.annotate(ledger=StockMovement.total())
        .exclude(quantity=F("ledger"))
        .order_by("id")
        .values_list("id", "product_name", "quantity", "ledger")
    )
    return [Mismatch(*row) for row in rows]
