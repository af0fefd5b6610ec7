"""Deleting a product while an order is taking it: the deletion waits for the order and
then lets its lines keep their copy (product id null), on PostgreSQL's row locks."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection, transaction

from orders.models import Order, OrderLine
from products.models import Product
from products.services import product_remove
from products.stock import stock_reserve
from tests.orders.conftest import buyer_make
from tests.products.factories import product_make


@pytest.mark.django_db(transaction=True)
def test_a_product_deleted_during_a_placement_is_deleted_after_it(django_db_blocker):
    if connection.vendor != "postgresql":
        pytest.skip("row locks: on SQLite writers never overlap")
    seller, buyer = buyer_make(), buyer_make()
    product = product_make(owner=seller, quantity=5)
    reserved, placed = threading.Event(), threading.Event()
    outcome: dict = {}

    def place() -> None:
        try:
            with transaction.atomic():
                order_id = uuid.uuid4()
                [line] = stock_reserve({product.pk: 1}, order_id=order_id)
                reserved.set()
                # The deletion is waiting for this transaction's lock on the product now.
                placed.wait(timeout=2)
                order = Order.objects.create(id=order_id, user=buyer, total=line.price)
                OrderLine.objects.create(
                    order=order,
                    product_id=product.pk,
                    product_name=line.product_name,
                    unit_price=line.price,
                    quantity=1,
                    line_total=line.price,
                )
            outcome["order"] = order_id
        finally:
            connection.close()

    def delete() -> None:
        reserved.wait(timeout=10)
        try:
            product_remove(product_id=product.pk, user=seller)
            outcome["deleted"] = True
        except Exception as exc:  # noqa: BLE001 - the test reports it
            outcome["deleted"] = repr(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=place), threading.Thread(target=delete)]
    for thread in threads:
        thread.start()
    reserved.wait(timeout=10)
    threading.Timer(0.5, placed.set).start()  # the deletion has started and is waiting
    for thread in threads:
        thread.join(timeout=30)

    assert outcome["deleted"] is True, outcome
    assert not Product.objects.filter(pk=product.pk).exists()
    line = OrderLine.objects.get(order_id=outcome["order"])
    assert (line.product_id, line.quantity) == (None, 1)
