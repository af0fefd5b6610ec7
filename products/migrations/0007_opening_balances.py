"""The ledger starts here. Each existing product opens with its stock plus the units its
live orders (not cancelled or failed) hold, and each of those order lines gets its `placed`
movement: the stock is the sum of the movements, and a live order cancelled later puts back
what its `placed` movement took (units sold never go negative)."""

from django.db import migrations
from django.db.models import Sum

BATCH = 1000
ENDED = ["cancelled", "failed"]  # their units are back in stock already


def opening_balances(apps, schema_editor):
    Product = apps.get_model("products", "Product")
    StockMovement = apps.get_model("products", "StockMovement")
    OrderLine = apps.get_model("orders", "OrderLine")
    live = OrderLine.objects.filter(product__isnull=False).exclude(order__status__in=ENDED)
    held = dict(
        live.values("product_id").annotate(units=Sum("quantity")).values_list("product_id", "units")
    )
    movements = [
        StockMovement(product_id=product_id, change=quantity + held.get(product_id, 0), reason="initial")
        for product_id, quantity in Product.objects.values_list("id", "quantity").iterator(chunk_size=BATCH)
        if quantity + held.get(product_id, 0)
    ]
    movements += [
        StockMovement(product_id=product_id, change=-quantity, reason="placed", order_id=order_id)
        for product_id, quantity, order_id in live.values_list("product_id", "quantity", "order_id").iterator(chunk_size=BATCH)
    ]
    StockMovement.objects.bulk_create(movements, batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [
        ("products", "0006_stock_ledger"),
        ("orders", "0008_order_fields_moved_to_lines"),
    ]

    operations = [migrations.RunPython(opening_balances, migrations.RunPython.noop)]
