"""Concurrent orders never sell more than the stock (conditional update in one transaction).

Meant for PostgreSQL (CI); it also passes on SQLite, where writers are serialized anyway.
The placed orders are real: the worker and the events process take them to shipping.
"""

import threading
from collections import Counter

import pytest
from django.db import connection

from orders.models import Order
from orders.placement import order_place
from products.errors import InsufficientStock
from tests.conftest import wait_for
from tests.orders.conftest import buyer_make, orders_settled, stock
from tests.products.factories import product_make

BUYERS = 100
STOCK = 50
# At most this many database connections at once: PostgreSQL's default max_connections is
# 100, shared with the worker, the events process and other test runs on the server.
CONNECTIONS = 30


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_hundred_concurrent_buyers_of_fifty_items_get_exactly_fifty(
    celery_worker, events_consumer
):
    product = product_make(quantity=STOCK)
    buyers = [buyer_make() for _ in range(BUYERS)]
    outcomes: list[str] = []
    start = threading.Barrier(BUYERS)
    connections = threading.BoundedSemaphore(CONNECTIONS)

    def buy(buyer) -> None:
        start.wait()
        with connections:
            try:
                order_place(user=buyer, lines={product.id: 1})
                outcomes.append("placed")
            except InsufficientStock as refused:
                outcomes.append(f"refused, {refused.lines[0].available} left")
            finally:
                connection.close()

    threads = [threading.Thread(target=buy, args=(buyer,)) for buyer in buyers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert Counter(outcomes) == {"placed": STOCK, "refused, 0 left": BUYERS - STOCK}
    assert stock(product) == 0
    assert Order.objects.filter(lines__product=product).count() == STOCK
    placed_per_buyer = Counter(Order.objects.values_list("user_id", flat=True))
    assert set(placed_per_buyer.values()) == {1}
    # Each placed order goes on to ship (and the test ends once the processes are done).
    wait_for(lambda: orders_settled(Order.objects.values_list("pk", flat=True)), timeout=60)
