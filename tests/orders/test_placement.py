"""Placing an order (orders/placement.py): stock and the order, due for processing, in one
transaction, the same code on SQLite and PostgreSQL."""

import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.errors import IdempotencyKeyReused
from orders.models import IdempotencyRecord, Order, OrderLine
from orders.placement import Idempotency, Placement, fingerprint, order_place
from products.cache import catalogue_version
from products.errors import InsufficientStock, ProductUnavailable
from products.models import ProductStatus
from products.stock import stock_reserve
from tests.conftest import concurrently, wait_for
from tests.orders.conftest import buyer_make, history, orders_settled, stock
from tests.products.factories import product_make

pytestmark = pytest.mark.django_db


def place(buyer, product, quantity=1) -> Order:
    return order_place(user=buyer, lines={product.id: quantity}).order


def keyed(buyer, product, quantity: int, key: str) -> Placement:
    """Placed with an Idempotency-Key, as create-order's one-product body does."""
    request = {"id": product.id, "quantity": quantity}
    return order_place(
        user=buyer, lines={product.id: quantity}, idempotency=Idempotency(key, fingerprint(request))
    )


def lines_of(order) -> list[tuple]:
    return list(
        OrderLine.objects.filter(order=order).values_list(
            "product_id", "product_name", "unit_price", "quantity", "line_total"
        )
    )


def due(order) -> bool:
    """The order is due work for the worker (ecommerce/duework.py)."""
    return Order.objects.filter(pk=order.pk, due_at__isnull=False).exists()


def test_place_reserves_stock_snapshots_the_product_and_hands_it_to_processing(buyer, product):
    placement = order_place(user=buyer, lines={product.id: 30})

    order = Order.objects.get(pk=placement.order.pk)
    assert placement.replayed is False
    assert (order.status, order.user, order.total) == ("pending", buyer, Decimal("375.00"))
    assert lines_of(order) == [(product.id, "Gucci bag", Decimal("12.50"), 30, Decimal("375.00"))]
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
    fields = ["user_id", "total", "status", "handovers", "due_at", "created_at", "updated_at"]
    assert [getattr(placed, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert (lines_of(stored)[0][3], stored.total, stock(product)) == (3, Decimal("37.50"), 37)
    assert history(stored) == [("", "pending")]
    assert due(stored)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("quantity", [51, None])
def test_a_refused_placement_changes_nothing_not_even_the_catalogue_version(product, quantity):
    buyer = buyer_make()
    version = catalogue_version()
    if quantity is None:  # a product that is not there
        product.delete()
        with pytest.raises(ProductUnavailable):
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
    assert order.total == Decimal("25")
    assert lines_of(order) == [(None, "Gucci bag", Decimal("12.50"), 2, Decimal("25.00"))]


@pytest.mark.parametrize("status", [ProductStatus.PENDING, ProductStatus.REJECTED])
def test_unapproved_products_cannot_be_ordered(buyer, status):
    product = product_make(quantity=5, status=status)
    with pytest.raises(ProductUnavailable):
        place(buyer, product)
    assert stock(product) == 5
    assert not Order.objects.exists()


def test_unknown_product_is_unavailable(buyer):
    unknown = uuid.uuid4()
    with pytest.raises(ProductUnavailable) as caught:
        order_place(user=buyer, lines={unknown: 1})
    assert caught.value.extra == {"productIds": [str(unknown)]}


def test_not_enough_stock_is_a_conflict_and_changes_nothing(buyer, product):
    with pytest.raises(InsufficientStock) as caught:
        place(buyer, product, 41)
    assert caught.value.extra == {
        "available": 40,
        "lines": [{"productId": str(product.id), "requested": 41, "available": 40}],
    }
    assert stock(product) == 40
    assert not Order.objects.exists()


# --- several products -----------------------------------------------------------------------


def test_an_order_of_several_products_has_a_line_each_in_product_id_order(buyer):
    products = [product_make(quantity=10, price=Decimal(f"{i}.50")) for i in (1, 2, 3)]
    placed = order_place(user=buyer, lines={p.id: i + 1 for i, p in enumerate(products)}).order

    by_id = sorted(products, key=lambda p: p.id)
    quantities = {p.id: i + 1 for i, p in enumerate(products)}
    assert [line[0] for line in lines_of(placed)] == [p.id for p in by_id]
    assert [line[3] for line in lines_of(placed)] == [quantities[p.id] for p in by_id]
    assert placed.total == sum(p.price * quantities[p.id] for p in products)
    assert [stock(p) for p in products] == [9, 8, 7]


def test_several_short_products_are_all_named_and_nothing_is_taken(buyer):
    plenty, short, shorter = (product_make(quantity=q) for q in (10, 2, 0))
    with pytest.raises(InsufficientStock) as caught:
        order_place(user=buyer, lines={plenty.id: 5, short.id: 3, shorter.id: 1})
    assert sorted(caught.value.extra["lines"], key=lambda line: line["productId"]) == sorted(
        [
            {"productId": str(short.id), "requested": 3, "available": 2},
            {"productId": str(shorter.id), "requested": 1, "available": 0},
        ],
        key=lambda line: line["productId"],
    )
    assert "available" not in caught.value.extra  # only for one short product
    assert [stock(p) for p in (plenty, short, shorter)] == [10, 2, 0]
    assert not Order.objects.exists()


def test_a_product_not_for_sale_refuses_the_whole_order(buyer):
    on_sale = product_make(quantity=10)
    withdrawn = product_make(quantity=10, status=ProductStatus.PENDING)
    with pytest.raises(ProductUnavailable) as caught:
        order_place(user=buyer, lines={on_sale.id: 1, withdrawn.id: 1})
    assert caught.value.extra == {"productIds": [str(withdrawn.id)]}
    assert [stock(on_sale), stock(withdrawn)] == [10, 10]
    assert not Order.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_stock_is_reserved_only_inside_the_callers_transaction(product):
    with pytest.raises(RuntimeError):
        stock_reserve(
            {product.id: 1}, order_id=uuid.uuid4()
        )  # autocommit: a refusal could not be undone
    assert stock(product) == 40


# --- Idempotency-Key -----------------------------------------------------------------------


def test_same_key_and_body_returns_the_first_order_and_creates_nothing(buyer, product):
    first = keyed(buyer, product, 3, "k1")
    again = keyed(buyer, product, 3, "k1")
    assert (again.order.pk, again.replayed) == (first.order.pk, True)
    assert Order.objects.count() == 1
    assert stock(product) == 37


def test_same_key_with_another_body_is_a_conflict(buyer, product):
    keyed(buyer, product, 3, "k1")
    with pytest.raises(IdempotencyKeyReused) as caught:
        keyed(buyer, product, 4, "k1")
    assert caught.value.status_code == 409
    assert Order.objects.count() == 1
    assert stock(product) == 37


def test_keys_belong_to_one_user(buyer, product):
    other = buyer_make()
    mine = keyed(buyer, product, 1, "k")
    theirs = keyed(other, product, 1, "k")
    assert mine.order.pk != theirs.order.pk
    assert theirs.replayed is False


def test_a_refused_request_leaves_its_key_free(buyer, product):
    with pytest.raises(InsufficientStock):
        keyed(buyer, product, 99, "k")
    assert not IdempotencyRecord.objects.exists()
    placed = keyed(buyer, product, 2, "k")
    assert placed.replayed is False
    assert stock(product) == 38


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_place_one_order(product, celery_worker, events_consumer):
    buyer = buyer_make()
    results = concurrently(
        lambda: keyed(buyer, product, 2, "same"),
        6,
    )
    assert len(results) == 6
    assert len({r.order.pk for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False] + [True] * 5
    assert Order.objects.count() == 1
    assert stock(product) == 38
    wait_for(lambda: orders_settled([results[0].order.pk]), timeout=30)
