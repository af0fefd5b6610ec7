"""Placing an order (orders/placement.py): stock and the order, due for processing, in one
transaction, the same code on SQLite and PostgreSQL."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.errors import IdempotencyKeyReused
from orders.models import IdempotencyRecord, Order
from orders.placement import order_place
from products.cache import catalogue_version
from products.errors import InsufficientStock, ProductNotFound
from products.models import ProductStatus
from tests.conftest import concurrently, wait_for
from tests.orders.conftest import buyer_make, history, orders_settled, stock
from tests.products.factories import product_make

pytestmark = pytest.mark.django_db


def place(buyer, product, quantity=1, **kwargs) -> Order:
    return order_place(user=buyer, product_id=product.id, quantity=quantity, **kwargs).order


def due(order) -> bool:
    """The order is due work for the worker (ecommerce/duework.py)."""
    return Order.objects.filter(pk=order.pk, due_at__isnull=False).exists()


def test_place_reserves_stock_snapshots_the_product_and_hands_it_to_processing(buyer, product):
    placement = order_place(user=buyer, product_id=product.id, quantity=30)

    order = Order.objects.get(pk=placement.order.pk)
    assert placement.replayed is False
    assert (order.status, order.user, order.product_id) == ("pending", buyer, product.id)
    assert (order.product_name, order.unit_price, order.quantity, order.total) == (
        "Gucci bag",
        Decimal("12.50"),
        30,
        Decimal("375.00"),
    )
    assert order.handovers == 0
    assert history(order) == [("", "pending")]
    assert stock(product) == 10
    # Due for processing from its creation: the relay hands it over once it has committed.
    assert due(order)


@pytest.mark.django_db(transaction=True)
def test_one_transaction_of_plain_statements_commits_the_stock_and_the_due_order(product):
    """The same ORM statements on every database: no vendor-specific SQL and no COMMIT in
    any statement; the catalogue's version moves once, after the commit."""
    buyer = buyer_make()
    version = catalogue_version()
    with CaptureQueriesContext(connection) as queries:
        placed = place(buyer, product, 3)

    # One plain statement per round trip: none chained with ";", no CTE.
    statements = [q["sql"] for q in queries.captured_queries]
    assert not any(";" in sql for sql in statements), statements
    assert not any(sql.lstrip().upper().startswith("WITH") for sql in statements), statements
    assert catalogue_version() == version + 1
    stored = Order.objects.get(pk=placed.pk)
    fields = ["user_id", "product_id", "product_name", "unit_price", "quantity", "total"]
    fields += ["status", "handovers", "due_at", "created_at", "updated_at"]
    assert [getattr(placed, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert (stored.quantity, stored.total, stock(product)) == (3, Decimal("37.50"), 37)
    assert history(stored) == [("", "pending")]
    assert due(stored)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("quantity", [51, None])
def test_a_refused_placement_changes_nothing_not_even_the_catalogue_version(product, quantity):
    buyer = buyer_make()
    version = catalogue_version()
    if quantity is None:  # a product that is not there
        product.delete()
        with pytest.raises(ProductNotFound):
            place(buyer, product, 1)
    else:
        with pytest.raises(InsufficientStock):
            place(buyer, product, quantity)
    assert catalogue_version() == version
    assert not Order.objects.exists()


def test_the_snapshot_survives_the_products_deletion(buyer, product):
    order = place(buyer, product, 2)
    product.delete()
    order.refresh_from_db()
    assert (order.product_id, order.product_name, order.total) == (None, "Gucci bag", Decimal("25"))


@pytest.mark.parametrize("status", [ProductStatus.PENDING, ProductStatus.REJECTED])
def test_unapproved_products_cannot_be_ordered(buyer, status):
    product = product_make(quantity=5, status=status)
    with pytest.raises(ProductNotFound):
        place(buyer, product)
    assert stock(product) == 5
    assert not Order.objects.exists()


def test_unknown_product_is_not_found(buyer):
    with pytest.raises(ProductNotFound):
        order_place(user=buyer, product_id=uuid.uuid4(), quantity=1)


def test_not_enough_stock_is_a_conflict_and_changes_nothing(buyer, product):
    with pytest.raises(InsufficientStock) as caught:
        place(buyer, product, 41)
    assert caught.value.extra == {"available": 40}
    assert stock(product) == 40
    assert not Order.objects.exists()


# --- Idempotency-Key -----------------------------------------------------------------------


def test_same_key_and_body_returns_the_first_order_and_creates_nothing(buyer, product):
    first = order_place(user=buyer, product_id=product.id, quantity=3, idempotency_key="k1")
    again = order_place(user=buyer, product_id=product.id, quantity=3, idempotency_key="k1")
    assert (again.order.pk, again.replayed) == (first.order.pk, True)
    assert Order.objects.count() == 1
    assert stock(product) == 37


def test_same_key_with_another_body_is_a_conflict(buyer, product):
    order_place(user=buyer, product_id=product.id, quantity=3, idempotency_key="k1")
    with pytest.raises(IdempotencyKeyReused) as caught:
        order_place(user=buyer, product_id=product.id, quantity=4, idempotency_key="k1")
    assert caught.value.status_code == 409
    assert Order.objects.count() == 1
    assert stock(product) == 37


def test_keys_belong_to_one_user(buyer, product):
    other = buyer_make()
    mine = order_place(user=buyer, product_id=product.id, quantity=1, idempotency_key="k")
    theirs = order_place(user=other, product_id=product.id, quantity=1, idempotency_key="k")
    assert mine.order.pk != theirs.order.pk
    assert theirs.replayed is False


def test_a_refused_request_leaves_its_key_free(buyer, product):
    with pytest.raises(InsufficientStock):
        order_place(user=buyer, product_id=product.id, quantity=99, idempotency_key="k")
    assert not IdempotencyRecord.objects.exists()
    placed = order_place(user=buyer, product_id=product.id, quantity=2, idempotency_key="k")
    assert placed.replayed is False
    assert stock(product) == 38


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_place_one_order(product, celery_worker, events_consumer):
    buyer = buyer_make()
    results = concurrently(
        lambda: order_place(user=buyer, product_id=product.id, quantity=2, idempotency_key="same"),
        6,
    )
    assert len(results) == 6
    assert len({r.order.pk for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False] + [True] * 5
    assert Order.objects.count() == 1
    assert stock(product) == 38
    wait_for(lambda: orders_settled([results[0].order.pk]), timeout=30)
