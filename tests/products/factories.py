"""Products for tests: rows written straight to the database, or submitted with a landed image."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from ecommerce import aws, uploads
from ecommerce.uploads import S3Object
from products.models import MovementReason, Product, ProductImage, ProductStatus, StockMovement
from products.services import product_submit
from tests.support.uploads import png_bytes


def product_make(**fields) -> Product:
    """An (approved, by default) product row without an image, its stock the ledger's
    opening movement (as a submission writes it)."""
    product = Product.objects.create(**product_fields(**fields))
    if product.quantity:
        StockMovement.objects.create(
            product=product, change=product.quantity, reason=MovementReason.INITIAL
        )
    return product


def product_fields(**fields) -> dict:
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
    return values


def products_bulk(count: int, **fields) -> list[Product]:
    """`count` products, one second apart, the newest first (by created_at)."""
    now = timezone.now()
    return Product.objects.bulk_create(
        Product(**product_fields(created_at=now - timedelta(seconds=i), **fields))
        for i in range(count)
    )


def submitted(owner, **fields) -> Product:
    """A product submitted through the service (pending, its image not uploaded yet)."""
    values = {
        "file_name": "shoes.png",
        "content_type": "image/png",
        "product_name": "Gucci shoes",
        "price": Decimal("100.00"),
        "description": "I love it.",
        "quantity": 40,
        "category": "Clothes",
    }
    values.update(fields)
    product, _ = product_submit(owner=owner, **values)
    return product


def first_image(product: Product) -> ProductImage | None:
    """The product's first image (its upload, or the landed image)."""
    return product.images.order_by("position", "id").first()


def land_image(product: Product, body: bytes | None = None, image: ProductImage | None = None):
    """Put an image at the upload key of `image` (the product's first by default) and run
    the landing checks in-process."""
    image = image or first_image(product)
    key = image.upload_key
    aws.client("s3").put_object(
        Bucket=ProductImage.bucket(), Key=key, Body=body or png_bytes(), ContentType="image/png"
    )
    uploads.image_landed(ProductImage, S3Object(ProductImage.bucket(), key, 0, "test"))
    return Product.objects.get(pk=product.pk)
