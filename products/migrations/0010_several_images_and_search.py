"""Several images per product, with renditions; the full-text search document.

A product's one image (Product.image) becomes the first of its images (ProductImage.product,
position 0). On PostgreSQL the search document gets its GIN index (SQLite keeps no document:
products/search.py).
"""

import django.db.models.deletion
from django.db import migrations, models

import products.search

SEARCH_INDEX = "products_search_idx"  # products.search.INDEX


def images_belong_to_products(apps, schema_editor):
    Product = apps.get_model("products", "Product")
    ProductImage = apps.get_model("products", "ProductImage")
    product_of_image = Product.objects.filter(image=models.OuterRef("pk")).values("pk")[:1]
    ProductImage.objects.update(product=models.Subquery(product_of_image), position=0)
    # An image no product points at has nothing to show it (there should be none).
    ProductImage.objects.filter(product__isnull=True).delete()


def products_have_their_image(apps, schema_editor):
    Product = apps.get_model("products", "Product")
    ProductImage = apps.get_model("products", "ProductImage")
    first = (
        ProductImage.objects.filter(product=models.OuterRef("pk"))
        .order_by("position", "id")
        .values("pk")[:1]
    )
    Product.objects.update(image=models.Subquery(first))
    # Only one image per product can go back: the others go.
    ProductImage.objects.exclude(pk__in=Product.objects.values("image")).delete()


def search_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX {SEARCH_INDEX} ON products_product USING gin (search_document)"
        )


def search_index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {SEARCH_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0009_revisions"),
    ]

    operations = [
        migrations.AddField(
            model_name="productimage",
            name="renditions",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="productimage",
            name="position",
            field=models.PositiveSmallIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="productimage",
            name="product",
            field=models.ForeignKey(
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="images",
                to="products.product",
            ),
        ),
        migrations.RunPython(images_belong_to_products, products_have_their_image),
        migrations.RemoveField(model_name="product", name="image"),
        migrations.AlterField(
            model_name="productimage",
            name="product",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="images",
                to="products.product",
            ),
        ),
        migrations.AddIndex(
            model_name="productimage",
            index=models.Index(
                fields=["product", "position", "id"], name="products_image_order_idx"
            ),
        ),
        migrations.AddField(
            model_name="product",
            name="search_document",
            field=models.GeneratedField(
                db_persist=True,
                expression=products.search.SearchDocument(),
                output_field=products.search.SearchDocumentField(),
            ),
        ),
        migrations.RunPython(search_index, search_index_drop),
    ]
