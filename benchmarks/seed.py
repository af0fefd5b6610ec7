"""Seed the benchmark database: `python -m benchmarks.seed --products N [--stock S]`.

Approved products with landed images, written in bulk (benchmark data, not app behaviour).
Prints the id of one product (for the order benchmarks).
"""

import argparse
import os
import uuid
from datetime import timedelta
from decimal import Decimal

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecommerce.settings")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from benchmarks.words import name_words  # noqa: E402
from ecommerce.uploads import ImageStatus  # noqa: E402
from products.models import Product, ProductImage, ProductStatus  # noqa: E402

CATEGORIES = ["books", "garden", "kitchen", "toys", "tools", "music", "sport", "office"]


def seed(count: int, stock: int) -> str:
    now = timezone.now()
    first = None
    for start in range(0, count, 5000):
        images, products = [], []
        for i in range(start, min(start + 5000, count)):
            product = Product(
                seller_email="seller@example.com",
                product_name=f"Product {i:06d} {name_words(i, count)}",
                description=f"A fine item number {i} for the benchmark catalogue.",
                category=CATEGORIES[i % len(CATEGORIES)],
                price=Decimal(1 + (i * 37) % 5000) / 4,
                quantity=stock,
                file_name=f"product-{i}.png",
                status=ProductStatus.APPROVED,
                reviewed_at=now,
                created_at=now - timedelta(seconds=count - i),
            )
            products.append(product)
            key = f"{uuid.uuid4()}/product-{i}.png"
            url = f"http://127.0.0.1/bench-products/{key}"
            images.append(
                ProductImage(
                    product=product,
                    status=ImageStatus.READY,
                    image_key=key,
                    image_url=url,
                    renditions=[
                        {"size": size, "width": size, "height": size, "url": f"{url}@{size}.webp"}
                        for size in ProductImage.rendition_sizes
                    ],
                    uploaded_at=now,
                )
            )
        Product.objects.bulk_create(products)
        ProductImage.objects.bulk_create(images)
        first = first or products[-1].id
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Fresh statistics, as autovacuum would give a live table: without them the
            # planner misjudges a bulk-loaded table and the figures mean nothing.
            cursor.execute("ANALYZE")
    return str(first)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--products", type=int, required=True)
    parser.add_argument("--stock", type=int, default=1_000_000)
    args = parser.parse_args()
    from django.db import connection

    with connection.cursor() as cursor:  # a bulk reset, not app behaviour
        tables = [Product._meta.db_table, ProductImage._meta.db_table]
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    print(seed(args.products, args.stock))


if __name__ == "__main__":
    main()
