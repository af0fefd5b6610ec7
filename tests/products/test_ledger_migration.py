"""The stock ledger's opening balances (products 0007) on the real schema of before and
after: stock plus the units live orders hold, and a `placed` movement per live line."""

from decimal import Decimal

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from accounts.models import User
from products.selectors import products_of_owner_page
from products.stock import stock_mismatches

BEFORE = ("products", "0006_stock_ledger")
AFTER = ("products", "0007_opening_balances")


def migrate(products_at):
    """Products migrated to `products_at` (forwards or back), and the models of the whole
    project as of that moment."""
    return MigrationExecutor(connection).migrate([products_at]).apps


@pytest.mark.django_db(transaction=True)
def test_live_orders_open_the_ledger_so_units_sold_and_the_check_agree():
    old = migrate(BEFORE)
    try:
        user = old.get_model("accounts", "User").objects.create(
            username="old", email="o@x.io", username_key="old", email_key="o@x.io"
        )
        product = old.get_model("products", "Product").objects.create(
            owner_id=user.pk,
            seller_email="s@x.io",
            product_name="Hat",
            price=Decimal("2.50"),
            quantity=8,  # 2 more are held by the live order below
            category="Hats",
            status="approved",
        )
        Order = old.get_model("orders", "Order")
        OrderLine = old.get_model("orders", "OrderLine")
        for status, quantity in (("pending", 2), ("cancelled", 3)):
            order = Order.objects.create(user_id=user.pk, total=0, status=status)
            OrderLine.objects.create(
                order=order,
                product_id=product.pk,
                product_name="Hat",
                unit_price=Decimal("2.50"),
                quantity=quantity,
                line_total=0,
            )
        live = Order.objects.get(status="pending")

        new = migrate(AFTER)
        movements = new.get_model("products", "StockMovement").objects.order_by("id")
        assert list(movements.values_list("change", "reason", "order_id")) == [
            (10, "initial", None),
            (-2, "placed", live.pk),
        ]
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

    assert stock_mismatches() == []
    [row] = products_of_owner_page(owner=User.objects.get(pk=user.pk)).items
    assert row["units_sold"] == 2
