"""The ledger starts here: each existing product's stock is its opening movement."""

from django.db import migrations

BATCH = 1000


def opening_balances(apps, schema_editor):
    Product = apps.get_model("products", "Product")
    StockMovement = apps.get_model("products", "StockMovement")
    stock = Product.objects.filter(quantity__gt=0).values_list("id", "quantity")
    batch = []
    for product_id, quantity in stock.iterator(chunk_size=BATCH):
        batch.append(StockMovement(product_id=product_id, change=quantity, reason="initial"))
        if len(batch) == BATCH:
            StockMovement.objects.bulk_create(batch)
            batch = []
    StockMovement.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("products", "0006_stock_ledger")]

    operations = [migrations.RunPython(opening_balances, migrations.RunPython.noop)]
