"""The stock ledger: every change of stock is a movement written with it, and
`manage.py stock_check` finds any product whose stock is not the sum of its movements."""

from __future__ import annotations

import logging
import threading
from collections import Counter
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from orders.lifecycle import order_cancel, order_fail
from orders.placement import order_place
from products import tasks
from products.errors import InsufficientStock
from products.models import Product, StockMovement
from products.services import product_stock_change
from tests.conftest import wait_for
from tests.orders.conftest import buyer_make, orders_settled, stock
from tests.products.factories import product_make, submitted

pytestmark = pytest.mark.django_db


def movements(product) -> list[tuple]:
    return list(
        StockMovement.objects.filter(product=product)
        .order_by("id")
        .values_list("change", "reason", "order_id", "user_id")
    )


def check() -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("stock_check", stdout=out)
    except CommandError as failed:
        return False, out.getvalue() + str(failed)
    return True, out.getvalue()


def test_every_change_of_stock_is_a_movement_with_what_caused_it(make_user):
    seller = make_user().user
    product = submitted(seller, quantity=10)
    Product.objects.filter(pk=product.pk).update(status="approved")
    buyer = buyer_make()

    placed = order_place(user=buyer, lines={product.pk: 3}).order
    cancelled = order_place(user=buyer, lines={product.pk: 2}).order
    order_cancel(user=buyer, order_id=cancelled.pk)
    failed = order_place(user=buyer, lines={product.pk: 1}).order
    order_fail(order_id=failed.pk, reason="test")
    product_stock_change(product_id=product.pk, user=seller, change=5)
    product_stock_change(product_id=product.pk, user=seller, change=-4)

    assert movements(product) == [
        (10, "initial", None, seller.pk),
        (-3, "placed", placed.pk, None),
        (-2, "placed", cancelled.pk, None),
        (2, "cancelled", cancelled.pk, None),
        (-1, "placed", failed.pk, None),
        (1, "failed", failed.pk, None),
        (5, "restocked", None, seller.pk),
        (-4, "removed", None, seller.pk),
    ]
    assert stock(product) == 10 - 3 + 5 - 4
    assert check() == (True, "Every product's stock equals its ledger.\n")


def test_a_refused_order_writes_no_movement():
    product = product_make(quantity=2)
    with pytest.raises(InsufficientStock):
        order_place(user=buyer_make(), lines={product.pk: 3})
    assert movements(product) == [(2, "initial", None, None)]


def test_stock_check_names_each_product_that_differs_and_fails(caplog):
    fine, corrupted = product_make(quantity=5), product_make(quantity=5, product_name="Hat")
    Product.objects.filter(pk=corrupted.pk).update(quantity=7)  # by hand, outside the ledger

    passed, output = check()
    assert not passed
    assert f"{corrupted.pk} 'Hat': stock 7, ledger 5 (+2)" in output
    assert str(fine.pk) not in output
    assert "1 products' stock differs from their ledger" in output

    with caplog.at_level(logging.ERROR, logger="products.tasks"):
        assert tasks.stock_check() == 1
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert (record.product_id, record.stock, record.ledger) == (str(corrupted.pk), 7, 5)


def test_the_daily_check_is_on_beats_schedule(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["stock-check"]
    assert entry["task"] == "products.tasks.stock_check"
    assert entry["schedule"] == settings.STOCK_CHECK_INTERVAL_SECONDS == 24 * 3600


# --- POST /products/{id}/stock ---------------------------------------------------------------


def stock_url(product) -> str:
    return f"/products/{product.pk}/stock"


def test_the_owner_adds_and_removes_stock_and_sees_the_product(make_user):
    seller = make_user()
    product = submitted(seller.user, quantity=10)

    added = seller.client.post(stock_url(product), {"add": 5}, format="json")
    assert added.status_code == 200
    assert (added.json()["id"], added.json()["quantity"]) == (str(product.pk), 15)
    removed = seller.client.post(stock_url(product), {"remove": 15}, format="json")
    assert (removed.status_code, removed.json()["quantity"]) == (200, 0)

    too_many = seller.client.post(stock_url(product), {"remove": 1}, format="json")
    assert too_many.status_code == 409
    assert too_many.json()["code"] == "insufficient_stock"
    assert too_many.json()["available"] == 0
    assert stock(product) == 0


def test_staff_may_change_anyones_stock_and_others_get_404(make_user, staff_api):
    product = submitted(make_user().user, quantity=10)
    assert staff_api.post(stock_url(product), {"add": 1}, format="json").status_code == 200
    stranger = make_user().client
    response = stranger.post(stock_url(product), {"add": 1}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "product_not_found")
    assert stock(product) == 11


def test_changing_stock_needs_a_signed_in_user(api):
    product = product_make()
    assert api.post(stock_url(product), {"add": 1}, format="json").status_code == 401


@pytest.mark.parametrize(
    "body",
    [{}, {"add": 0}, {"remove": -1}, {"add": "2"}, {"add": 1.5}, {"add": 1, "remove": 1}, []],
    ids=["nothing", "zero", "negative", "string", "float", "both", "list"],
)
def test_bad_stock_bodies_are_400_naming_the_field(make_user, body):
    seller = make_user()
    product = submitted(seller.user, quantity=10)
    response = seller.client.post(stock_url(product), body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"]
    assert stock(product) == 10


# --- orders racing restocks (PostgreSQL in CI) ---------------------------------------------------

ORDERS, RESTOCKS, STOCK = 100, 20, 50


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_orders_racing_restocks_never_lose_a_unit(celery_worker, events_consumer):
    """100 orders of 1 unit race 20 restocks of +5 on a product with 50: every restock
    counts, whatever the orders do, and the ledger agrees."""
    seller = buyer_make()
    product = product_make(quantity=STOCK, owner=seller, price=Decimal("1.00"))
    buyers = [buyer_make() for _ in range(ORDERS)]
    start = threading.Barrier(ORDERS + RESTOCKS)
    connections = threading.BoundedSemaphore(30)  # PostgreSQL's max_connections is shared
    outcomes: list[str] = []
    placed: list = []

    def buy(buyer) -> None:
        start.wait()
        with connections:
            try:
                placed.append(order_place(user=buyer, lines={product.pk: 1}).order.pk)
                outcomes.append("placed")
            except InsufficientStock:
                outcomes.append("refused")
            finally:
                connection.close()

    def restock() -> None:
        start.wait()
        with connections:
            try:
                product_stock_change(product_id=product.pk, user=seller, change=5)
                outcomes.append("restocked")
            finally:
                connection.close()

    threads = [threading.Thread(target=buy, args=(b,)) for b in buyers]
    threads += [threading.Thread(target=restock) for _ in range(RESTOCKS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    counts = Counter(outcomes)
    assert counts["restocked"] == RESTOCKS
    assert counts["placed"] + counts["refused"] == ORDERS
    assert stock(product) == STOCK + 5 * RESTOCKS - counts["placed"] >= 0
    assert check()[0]
    wait_for(lambda: orders_settled(placed), timeout=120)


def test_adding_past_the_most_a_product_holds_is_409(make_user):
    seller = make_user()
    product = submitted(seller.user, quantity=999_999)
    response = seller.client.post(stock_url(product), {"add": 2}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "error": "The stock is 999999; a product holds at most 1000000.",
        "code": "stock_limit",
        "quantity": 999_999,
        "max": 1_000_000,
    }
    assert seller.client.post(stock_url(product), {"add": 1}, format="json").status_code == 200
    assert stock(product) == 1_000_000
