"""Orders placed before orders had lines get one line each (orders 0007), their fields
copied, on the real schema of before and after."""

from decimal import Decimal

import pytest

from tests.support.migrations import migrate, migrated_back_to, old_product

BEFORE = ("orders", "0006_order_lines")
AFTER = ("orders", "0008_order_fields_moved_to_lines")


@pytest.mark.schema_migration
@pytest.mark.django_db(transaction=True)
def test_each_existing_order_becomes_one_line():
    with migrated_back_to(BEFORE) as old:
        product = old_product(old)
        user = product.owner
        Order = old.get_model("orders", "Order")
        kept = Order.objects.create(
            user_id=user.pk,
            product_id=product.pk,
            product_name="Hat",
            unit_price=Decimal("2.50"),
            quantity=3,
            total=Decimal("7.50"),
        )
        orphan = Order.objects.create(
            user_id=user.pk,
            product_id=None,  # its product was deleted
            product_name="Gone",
            unit_price=Decimal("1.00"),
            quantity=1,
            total=Decimal("1.00"),
        )

        new = migrate(AFTER)
        OrderLine = new.get_model("orders", "OrderLine")
        lines = OrderLine.objects.order_by("product_name").values_list(
            "order_id", "product_id", "product_name", "unit_price", "quantity", "line_total"
        )
        assert list(lines) == [
            (orphan.pk, None, "Gone", Decimal("1.00"), 1, Decimal("1.00")),
            (kept.pk, product.pk, "Hat", Decimal("2.50"), 3, Decimal("7.50")),
        ]
        assert new.get_model("orders", "Order").objects.get(pk=kept.pk).total == Decimal("7.50")
