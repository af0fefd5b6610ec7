"""Rows rendered in a serializer's shape (ecommerce/shapes.py) are what the serializer itself
would have rendered, byte for byte, for every output shape built that way."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from rest_framework import serializers

from ecommerce.renderers import OrjsonRenderer
from ecommerce.shapes import fields_of, in_shape
from products.serializers import ProductOutput, ProductPrivateOutput


def product_row(**fields) -> dict:
    row = {
        "id": uuid.uuid4(),
        "file_name": "shoes.png",
        "product_name": "Gucci shoes — ünïcode \u2028",
        "price": Decimal("1234.50"),
        "description": "",
        "quantity": 0,
        "category": "Clothes",
        "created_at": datetime(2026, 11, 26, 16, 49, 34, tzinfo=UTC),
        "image_url": "",
        "is_approved": False,
        "status": "pending",
        "rejection_reason": "",
        "seller_email": "seller@example.com",
        "reviewed_at": None,
        "image_status": "pending",
        "image_rejection_reason": "",
        "listed": True,
        "units_sold": 0,
        "revision": None,
    }
    row.update(fields)
    return row


ROWS = [
    product_row(),
    product_row(
        price=Decimal("0.01"),
        quantity=1_000_000,
        created_at=datetime(2026, 1, 2, 3, 4, 5, 60, tzinfo=UTC),
        reviewed_at=datetime(2026, 1, 2, 3, 4, 5, 716840, tzinfo=UTC) + timedelta(days=1),
        image_url="http://127.0.0.1:4566/p/1.png",
        is_approved=True,
        status="approved",
        image_status="ready",
        listed=False,
        units_sold=12,
        revision={
            "id": uuid.uuid4(),
            "product_name": "Gucci shoes, red",
            "description": "",
            "category": "Shoes",
            "status": "rejected",
            "rejection_reason": "No.",
            "created_at": datetime(2026, 1, 2, 3, 4, 5, 716840, tzinfo=UTC),
            "reviewed_at": datetime(2026, 1, 3, 3, 4, 5, 60, tzinfo=UTC),
        },
    ),
]


@pytest.mark.parametrize("shape", [ProductOutput, ProductPrivateOutput])
def test_rows_in_shape_render_as_the_serializer_renders_them(shape):
    renderer = OrjsonRenderer()
    assert renderer.render(in_shape(ROWS, shape)) == renderer.render(shape(ROWS, many=True).data)


def test_only_flat_fields_and_single_nested_shapes_have_a_shape():
    class Many(serializers.Serializer):
        inner = ProductOutput(many=True)

    class Dotted(serializers.Serializer):
        inner = serializers.CharField(source="a.b")

    for shape in (Many, Dotted):
        with pytest.raises(TypeError):
            fields_of(shape)
