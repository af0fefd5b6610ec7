"""The stock ledger's opening balances (products 0007) on the real schema of before and
after: stock plus the units live orders hold, and a `placed` movement per live line."""

from decimal import Decimal

import pytest

from accounts.models import User
from products.selectors import products_of_owner_page
from products.stock import stock_mismatches
from tests.support.migrations import migrate, migrated_back_to, old_product

BEFORE = ("products", "0006_stock_ledger")
AFTER = ("products", "0007_opening_balances")


@pytest.mark.schema_migration
@pytest.mark.django_db(transaction=True)
def test_live_orders_open_the_ledger_so_units_sold_and_the_check_agree():
    with migrated_back_to(BEFORE) as old:
        # 2 more are held by the live order below.
        product = old_product(old, quantity=8, status="approved")
        user = product.owner
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

    assert stock_mismatches() == []
    [row] = products_of_owner_page(owner=User.objects.get(pk=user.pk)).items
    assert row["units_sold"] == 2
