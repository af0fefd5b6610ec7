"""Every existing order (one product each) gets its one line, copied from its own fields."""

from django.db import migrations

BATCH = 1000


def copy_to_lines(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    OrderLine = apps.get_model("orders", "OrderLine")
    orders = Order.objects.filter(lines__isnull=True).values(
        "id", "product_id", "product_name", "unit_price", "quantity", "total"
    )
    batch = []
    for order in orders.iterator(chunk_size=BATCH):
        batch.append(
            OrderLine(
                order_id=order["id"],
                product_id=order["product_id"],
                product_name=order["product_name"],
                unit_price=order["unit_price"],
                quantity=order["quantity"],
                line_total=order["total"],
            )
        )
        if len(batch) == BATCH:
            OrderLine.objects.bulk_create(batch)
            batch = []
    OrderLine.objects.bulk_create(batch)


def copy_back(apps, schema_editor):
    """Undo for orders of one line (0008's undo restores the columns, nullable no more than
    they were, so only one-line orders can go back)."""
    Order = apps.get_model("orders", "Order")
    OrderLine = apps.get_model("orders", "OrderLine")
    for line in OrderLine.objects.all().iterator(chunk_size=BATCH):
        Order.objects.filter(pk=line.order_id).update(
            product_id=line.product_id,
            product_name=line.product_name,
            unit_price=line.unit_price,
            quantity=line.quantity,
        )


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_order_lines")]

    operations = [migrations.RunPython(copy_to_lines, copy_back)]
