"""An order's end (orders/lifecycle.py): failure and cancellation; and the recovery of orders
nobody moved on: due work handed over again once its lease runs out (ecommerce/duework.py)."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from ecommerce import duework
from orders.errors import OrderNotCancellable, OrderNotFound
from orders.lifecycle import order_cancel, order_fail
from orders.models import Order
from orders.placement import order_place
from products.stock import stock_reserve
from tests.orders.conftest import (
    buyer_make,
    history,
    mark_processing,
    order_emails,
    order_insert,
    stock,
)

pytestmark = pytest.mark.django_db


def place(buyer, product, quantity=1) -> Order:
    return order_place(user=buyer, lines={product.id: quantity}).order


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


def test_fail_and_cancel_leave_the_worker_nothing_to_do(buyer, product):
    failed, cancelled = place(buyer, product, 1), place(buyer, product, 1)
    order_fail(order_id=failed.pk, reason="gave up")
    order_cancel(user=buyer, order_id=cancelled.pk)
    assert list(Order.objects.filter(due_at__isnull=False)) == []


def test_orders_whose_lease_ran_out_are_handed_over_again_and_finished_ones_never(
    buyer, product, monkeypatch, settings
):
    sent: list = []
    monkeypatch.setattr(duework.app, "send_task", lambda name, args: sent.extend(args[0]))
    stock_reserve({product.id: 3}, order_id=uuid.uuid4())  # what the orders below hold
    stuck_pending = order_insert(user=buyer, product=product, quantity=1, handovers=1)
    stuck_processing = order_insert(
        user=buyer, product=product, quantity=2, status="processing", handovers=1
    )
    leased = order_insert(user=buyer, product=product, handovers=1)
    shipped = order_insert(user=buyer, product=product, status="shipping", due_at=None)
    past, ahead = timezone.now() - timedelta(seconds=1), timezone.now() + timedelta(seconds=60)
    Order.objects.filter(pk__in=[stuck_pending.pk, stuck_processing.pk]).update(due_at=past)
    Order.objects.filter(pk=leased.pk).update(due_at=ahead)

    assert duework.relay_once(Order) == 2

    assert sorted(sent) == sorted([str(stuck_pending.pk), str(stuck_processing.pk)])
    rows = {o.pk: o for o in Order.objects.all()}
    for order in (stuck_pending, stuck_processing):
        assert rows[order.pk].handovers == 2
        lease = (rows[order.pk].due_at - timezone.now()).total_seconds()
        assert settings.ORDER_LEASE_SECONDS - 5 < lease <= settings.ORDER_LEASE_SECONDS
    assert (rows[leased.pk].handovers, rows[shipped.pk].handovers) == (1, 0)
    assert duework.relay_once(Order) == 0  # just handed over: leased
