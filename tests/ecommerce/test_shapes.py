"""Rows rendered in a serializer's shape (ecommerce/shapes.py) are what the serializer itself
would have rendered, byte for byte, for every output shape built that way."""

import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from rest_framework import serializers

from ecommerce.renderers import OrjsonRenderer
from ecommerce.shapes import fields_of, in_shape
from products.serializers import FacetsOutput, ProductOutput, ProductPrivateOutput


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
        "thumbnail_url": "",
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
        "images": [],
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
        thumbnail_url="http://127.0.0.1:4566/p/1.png@256.webp",
        images=[
            {
                "id": uuid.uuid4(),
                "position": 0,
                "status": "ready",
                "image_url": "http://127.0.0.1:4566/p/1.png",
                "renditions": [
                    {"size": 256, "width": 256, "height": 171, "url": "http://x/1.png@256.webp"}
                ],
                "rejection_reason": "",
            },
            {
                "id": uuid.uuid4(),
                "position": 3,
                "status": "rejected",
                "image_url": "",
                "renditions": [],
                "rejection_reason": "content is not a valid image/png image",
            },
        ],
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


FACETS = {
    "total": 3,
    "categories": [{"category": "Shoes", "count": 3}],
    "price_bands": [{"min": 0, "max": 10, "count": 2}, {"min": 500, "max": None, "count": 1}],
}


@pytest.mark.parametrize(
    "shape, rows",
    [(ProductOutput, ROWS), (ProductPrivateOutput, ROWS), (FacetsOutput, [FACETS])],
)
def test_rows_in_shape_render_as_the_serializer_renders_them(shape, rows):
    renderer = OrjsonRenderer()
    assert renderer.render(in_shape(rows, shape)) == renderer.render(shape(rows, many=True).data)


def test_only_flat_fields_and_nested_shapes_have_a_shape():
    class Dotted(serializers.Serializer):
        inner = serializers.CharField(source="a.b")

    with pytest.raises(TypeError):
        fields_of(Dotted)
