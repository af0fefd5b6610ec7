"""The basket: the reads. Prices and availability are the products' current ones."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from accounts.models import User
from cart.models import Cart, CartLine
from products import selectors as products


@dataclass(frozen=True)
class CartLineView:
    product_id: uuid.UUID
    product_name: str
    unit_price: Decimal
    quantity: int
    line_total: Decimal
    available: int


@dataclass(frozen=True)
class CartView:
    lines: list[CartLineView]
    total: Decimal
    updated_at: datetime | None  # None: the user never had a basket


def cart_of(user: User) -> CartView:
    """The user's basket as it would sell now, lines in the order they were added."""
    updated_at = Cart.objects.filter(user=user).values_list("updated_at", flat=True).first()
    wanted = list(CartLine.objects.filter(cart_id=user.pk).values_list("product_id", "quantity"))
    offers = products.offers(product_id for product_id, _ in wanted)
    lines = [
        CartLineView(
            product_id=product_id,
            product_name=offers[product_id].product_name,
            unit_price=offers[product_id].price,
            quantity=quantity,
            line_total=offers[product_id].price * quantity,
            available=offers[product_id].available,
        )
        for product_id, quantity in wanted
        if product_id in offers  # a product deleted between the two reads
    ]
    return CartView(
        lines=lines,
        total=sum((line.line_total for line in lines), Decimal(0)),
        updated_at=updated_at,
    )
