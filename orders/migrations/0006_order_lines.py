"""Orders have lines (one per product); the one-product fields move there in 0007-0008."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_orders_are_due_work"),
        ("products", "0005_indexes_lead_with_status_and_emails_moved"),
    ]

    operations = [
        migrations.CreateModel(
            name="OrderLine",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("product_name", models.CharField(max_length=200)),
                ("unit_price", models.DecimalField(decimal_places=2, max_digits=10)),
                ("quantity", models.PositiveIntegerField()),
                ("line_total", models.DecimalField(decimal_places=2, max_digits=14)),
                ("order", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="lines", to="orders.order")),
                ("product", models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="order_lines", to="products.product")),
            ],
            options={"ordering": ["id"]},
        ),
        migrations.AddConstraint(
            model_name="orderline",
            constraint=models.CheckConstraint(condition=models.Q(("quantity__gte", 1)), name="orders_orderline_quantity_gte_1"),
        ),
        migrations.AddConstraint(
            model_name="orderline",
            constraint=models.UniqueConstraint(fields=("order", "product"), name="orders_orderline_one_per_product"),
        ),
    ]
