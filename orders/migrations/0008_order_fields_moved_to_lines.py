"""The one-product fields live on the order's lines now (0007 copied them)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0007_one_line_per_existing_order")]

    operations = [
        migrations.RemoveConstraint(model_name="order", name="orders_order_quantity_gte_1"),
        migrations.RemoveField(model_name="order", name="product"),
        migrations.RemoveField(model_name="order", name="product_name"),
        migrations.RemoveField(model_name="order", name="quantity"),
        migrations.RemoveField(model_name="order", name="unit_price"),
    ]
