"""An order's end (orders/lifecycle.py): failure and cancellation, and the sweeper
(orders/sweeper.py) that recovers orders nobody moved on."""

import pytest
from django.test import override_settings

from ecommerce.models import OutboxMessage
from orders.errors import OrderNotCancellable, OrderNotFound
from orders.lifecycle import order_cancel, order_fail
from orders.models import Order
from orders.placement import order_place
from orders.processing import PROCESS_TASK
from orders.sweeper import SweepResult, orders_sweep
from products.services import stock_reserve
from tests.orders.conftest import (
    age,
    buyer_make,
    history,
    mark_processing,
    order_emails,
    order_insert,
    stock,
)

pytestmark = pytest.mark.django_db


def place(buyer, product, quantity=1) -> Order:
    return order_place(user=buyer, product_id=product.id, quantity=quantity).order


def test_fail_releases_stock_once_and_queues_the_customers_email_once(buyer, product):
    order = place(buyer, product, 7)
    mark_processing(order)
    assert stock(product) == 33

    assert order_fail(order_id=order.pk, reason="gave up") is True
    assert order_fail(order_id=order.pk, reason="gave up") is False

    assert stock(product) == 40
    email = order_emails(order.pk)["failure"]
    assert email.subject == "Your order could not be processed"
    assert str(order.pk) in email.body


@pytest.mark.parametrize("status", ["pending", "processing"])
def test_cancel_releases_the_stock_and_records_the_transition(buyer, product, status):
    order = place(buyer, product, 4)
    if status == "processing":
        mark_processing(order)

    cancelled = order_cancel(user=buyer, order_id=order.pk)

    assert cancelled.status == "cancelled"
    assert history(order)[-1] == (status, "cancelled")
    assert order.transitions.last().reason == "cancelled by the customer"
    assert stock(product) == 40


@pytest.mark.parametrize("status", ["shipping", "failed", "cancelled"])
def test_cancel_is_refused_once_the_order_has_moved_on(buyer, product, status):
    order = order_insert(user=buyer, product=product, status=status)
    with pytest.raises(OrderNotCancellable) as caught:
        order_cancel(user=buyer, order_id=order.pk)
    assert caught.value.status_code == 409
    assert caught.value.extra == {"status": status}
    assert stock(product) == 40


def test_another_users_order_cannot_be_cancelled(buyer, product):
    order = place(buyer, product, 1)
    with pytest.raises(OrderNotFound):
        order_cancel(user=buyer_make(), order_id=order.pk)
    order.refresh_from_db()
    assert order.status == "pending"


@override_settings(ORDER_STUCK_AFTER_SECONDS=300, ORDER_MAX_ATTEMPTS=3)
def test_sweep_hands_stuck_orders_over_again_and_fails_the_hopeless(buyer, product):
    stock_reserve(product_id=product.id, quantity=6)  # what the three orders below hold
    stuck_pending = order_insert(user=buyer, product=product, quantity=1)
    stuck_processing = order_insert(user=buyer, product=product, quantity=2, status="processing")
    hopeless = order_insert(user=buyer, product=product, quantity=3, attempts=3)
    fresh = order_insert(user=buyer, product=product)
    shipped = order_insert(user=buyer, product=product, status="shipping")
    for order in (stuck_pending, stuck_processing, hopeless, shipped):
        age(order, 301)
    age(fresh, 290)

    result = orders_sweep()

    assert result == SweepResult(requeued=2, failed=1)
    assert sorted(
        OutboxMessage.objects.filter(task=PROCESS_TASK).values_list("task", "item")
    ) == sorted([(PROCESS_TASK, str(stuck_pending.pk)), (PROCESS_TASK, str(stuck_processing.pk))])
    assert list(order_emails(hopeless.pk)) == ["failure"]
    rows = {o.pk: o for o in Order.objects.all()}
    assert rows[stuck_pending.pk].attempts == 2
    assert rows[stuck_processing.pk].attempts == 2
    assert rows[hopeless.pk].status == "failed"
    assert rows[fresh.pk].attempts == 1
    assert rows[shipped.pk].attempts == 1
    assert stock(product) == 34 + 3  # the hopeless order's 3 came back

    # Just handed over: not stuck again until another ORDER_STUCK_AFTER_SECONDS passes.
    assert orders_sweep() == SweepResult(requeued=0, failed=0)
