"""Product rows for tests, written straight to the database (the API is tested elsewhere)."""

from __future__ import annotations

import uuid
from decimal import Decimal

from products.models import Product, ProductStatus


def product_make(**fields) -> Product:
    tag = uuid.uuid4().hex[:8]
    values = {
        "seller_email": f"seller-{tag}@example.com",
        "product_name": f"Product {tag}",
        "description": "A fine thing.",
        "category": "Clothes",
        "price": Decimal("10.00"),
        "quantity": 5,
        "file_name": "thing.png",
        "status": ProductStatus.APPROVED,
    }
    values.update(fields)
    return Product.objects.create(**values)
