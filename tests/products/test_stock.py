"""Stock reservation: the conditional updates orders rely on."""

import itertools
import uuid

import pytest
from django.db import IntegrityError, transaction

from ecommerce.errors import Conflict
from products.errors import InsufficientStock, ProductUnavailable
from products.models import MovementReason, Product, ProductStatus
from products.stock import stock_release, stock_reserve
from tests.conftest import concurrently
from tests.products.factories import product_make


@pytest.mark.django_db
def test_reserve_takes_stock_and_returns_the_product():
    product = product_make(quantity=5)
    [reserved] = stock_reserve({product.id: 3}, order_id=uuid.uuid4())
    assert reserved.id == product.id
    assert reserved.quantity == 3
    assert (reserved.product_name, reserved.price) == (product.product_name, product.price)
    assert Product.objects.get(pk=product.id).quantity == 2


@pytest.mark.django_db
def test_reserve_all_of_the_stock_then_one_more_is_a_conflict_naming_what_is_left():
    product = product_make(quantity=2)
    stock_reserve({product.id: 2}, order_id=uuid.uuid4())
    with pytest.raises(InsufficientStock) as caught:
        stock_reserve({product.id: 1}, order_id=uuid.uuid4())
    assert isinstance(caught.value, Conflict)
    assert caught.value.status_code == 409
    assert caught.value.extra == {
        "available": 0,
        "lines": [{"productId": str(product.id), "requested": 1, "available": 0}],
    }
    assert Product.objects.get(pk=product.id).quantity == 0


@pytest.mark.django_db
@pytest.mark.parametrize("status", [ProductStatus.PENDING, ProductStatus.REJECTED])
def test_reserve_of_an_unapproved_product_is_a_conflict_and_leaves_stock(status):
    product = product_make(quantity=5, status=status)
    with pytest.raises(ProductUnavailable) as caught:
        stock_reserve({product.id: 1}, order_id=uuid.uuid4())
    assert isinstance(caught.value, Conflict)
    assert caught.value.status_code == 409
    assert Product.objects.get(pk=product.id).quantity == 5


@pytest.mark.django_db
def test_reserve_of_an_unknown_product_is_unavailable():
    with pytest.raises(ProductUnavailable):
        stock_reserve({uuid.uuid4(): 1}, order_id=uuid.uuid4())


@pytest.mark.django_db
@pytest.mark.parametrize("quantity", [0, -1])
def test_reserve_and_release_refuse_non_positive_quantities(quantity):
    product = product_make(quantity=5)
    with pytest.raises(ValueError):
        stock_reserve({product.id: quantity}, order_id=uuid.uuid4())
    with pytest.raises(ValueError):
        stock_release(
            {product.id: quantity}, order_id=uuid.uuid4(), reason=MovementReason.CANCELLED
        )
    assert Product.objects.get(pk=product.id).quantity == 5


@pytest.mark.django_db
def test_release_puts_stock_back_even_when_no_longer_approved():
    product = product_make(quantity=5)
    stock_reserve({product.id: 4}, order_id=uuid.uuid4())
    Product.objects.filter(pk=product.id).update(status=ProductStatus.REJECTED)
    stock_release({product.id: 4}, order_id=uuid.uuid4(), reason=MovementReason.CANCELLED)
    assert Product.objects.get(pk=product.id).quantity == 5


@pytest.mark.django_db
def test_release_for_a_deleted_product_is_not_an_error():
    stock_release({uuid.uuid4(): 1}, order_id=uuid.uuid4(), reason=MovementReason.CANCELLED)


@pytest.mark.django_db
def test_reserve_inside_a_rolled_back_transaction_gives_the_stock_back():
    product = product_make(quantity=5)
    with pytest.raises(RuntimeError), transaction.atomic():
        stock_reserve({product.id: 5}, order_id=uuid.uuid4())
        raise RuntimeError("the order could not be created")
    assert Product.objects.get(pk=product.id).quantity == 5


@pytest.mark.django_db
def test_the_database_refuses_negative_stock():
    product = product_make(quantity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.id).update(quantity=-1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_reservations_never_sell_more_than_the_stock():
    product = product_make(quantity=10)

    def buy() -> str:
        try:
            with transaction.atomic():
                stock_reserve({product.id: 3}, order_id=uuid.uuid4())
        except InsufficientStock:
            return "refused"
        return "sold"

    assert sorted(concurrently(buy, 8)) == ["refused"] * 5 + ["sold"] * 3
    assert Product.objects.get(pk=product.id).quantity == 1


@pytest.mark.django_db(transaction=True)
def test_overlapping_baskets_taken_in_opposite_orders_never_deadlock():
    """Each reservation takes its products in id order, whatever order it was given them
    in, so two that share products wait for each other instead of deadlocking."""
    products = [product_make(quantity=1000) for _ in range(4)]
    ids = [p.id for p in products]

    def buy(i: int):
        lines = {pid: 1 for pid in (ids if i % 2 else reversed(ids))}
        for _ in range(10):
            with transaction.atomic():
                stock_reserve(lines, order_id=uuid.uuid4())

    turns = itertools.count()
    assert concurrently(lambda: buy(next(turns)), 6) == [None] * 6
    assert [Product.objects.get(pk=pid).quantity for pid in ids] == [940] * 4
