from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property

from ecommerce.duework import DueWork


class OrderStatus(models.TextChoices):
    PENDING = "pending", "pending"
    PROCESSING = "processing", "processing"
    SHIPPING = "shipping", "shipping"
    FAILED = "failed", "failed"
    CANCELLED = "cancelled", "cancelled"


# The first history entry of every order: its creation (not a row of OrderTransition).
PLACED_REASON = "placed"

# An order's limits: products per order (and per basket), units of one product.
MAX_LINES = 50
MAX_QUANTITY = 1000

# The states the worker still has to move on.
IN_FLIGHT = [OrderStatus.PENDING, OrderStatus.PROCESSING]


class Order(DueWork):
    """What one user bought at once: its lines (one per product) and their total. Status
    changes only through `orders.lifecycle`.

    Due work (ecommerce/duework.py) from its placement until it ships, fails or is
    cancelled: the worker processes it.
    """

    due_task = "orders.tasks.orders_process"
    lease_setting = "ORDER_LEASE_SECONDS"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # PROTECT: an account with orders is deactivated, not deleted (orders are records).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="orders"
    )
    total = models.DecimalField(max_digits=14, decimal_places=2)
    status = models.CharField(
        max_length=10, choices=OrderStatus.choices, default=OrderStatus.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now)  # set on every transition

    class Meta:
        indexes = [
            # GET /orders: the caller's orders, newest first (keyset on created_at, id).
            models.Index(fields=["user", "-created_at", "-id"], name="orders_user_recent_idx"),
            *DueWork.Meta.indexes,
        ]

    def __str__(self) -> str:
        return f"order {self.id} ({self.status})"

    @cached_property  # read by each of the one-product output fields
    def single_line(self) -> OrderLine | None:
        """The order's line when it has exactly one (the original API's one-product fields
        show it); None for a multi-line order."""
        lines = list(self.lines.all())
        return lines[0] if len(lines) == 1 else None

    @property
    def history(self) -> list[OrderTransition]:
        """Its placement (the order's creation), then every transition recorded since."""
        placed = OrderTransition(
            order=self,
            from_status="",
            to_status=OrderStatus.PENDING,
            at=self.created_at,
            reason=PLACED_REASON,
        )
        return [placed, *self.transitions.all()]


class OrderLine(models.Model):
    """One product of an order, in the quantity bought. The product's name and unit price
    are copied at placement, so the order keeps its history when the product changes or is
    deleted. Lines are inserted in product id order, so `id` order is that order too."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    product = models.ForeignKey(
        "products.Product", on_delete=models.SET_NULL, null=True, related_name="order_lines"
    )
    product_name = models.CharField(max_length=200)
    unit_price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.PositiveIntegerField()
    line_total = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=1), name="orders_orderline_quantity_gte_1"
            ),
            # One line per product: the same product asked for twice is one summed line.
            models.UniqueConstraint(
                fields=["order", "product"], name="orders_orderline_one_per_product"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name}"


class OrderTransition(models.Model):
    """One status change after the placement, with when and why."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(max_length=10, choices=OrderStatus.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=OrderStatus.choices)
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=500)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.from_status or '∅'} → {self.to_status}"


class EmailKind(models.TextChoices):
    """The customer's emails about an order (orders/emails.py), at most one of each."""

    CONFIRMATION = "confirmation", "confirmation"
    SHIPPING = "shipping", "shipping"
    FAILURE = "failure", "failure"


class IdempotencyRecord(models.Model):
    """An `Idempotency-Key` a user sent with create-order or checkout, and the order it placed.

    Inserted first in the placing transaction (so a concurrent request with the same key
    waits on the unique constraint, then replays) and committed only with its order: a
    refused request leaves no record and may be retried with the same key.
    """

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    # sha256 of what the key guards (orders.placement.fingerprint).
    fingerprint = models.CharField(max_length=64)
    # Null only inside the placing transaction, before the order row exists.
    order = models.ForeignKey(Order, on_delete=models.CASCADE, null=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="orders_idempotency_key_unique"),
        ]

    def __str__(self) -> str:
        return self.key
