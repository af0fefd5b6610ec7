"""Processing an order (orders/processing.py, what the worker runs) and the workflow's report
(what the events process runs), in-process against the emulated Step Functions. Emails are
queued with the transitions (ecommerce/email.py sends them: tests/ecommerce/test_email.py).
"""

import json
import logging
import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from ecommerce import aws
from ecommerce.duework import relay_once
from ecommerce.events import dispatch
from orders import processing, tasks
from orders.errors import MalformedMessage
from orders.lifecycle import order_cancel, order_fail
from orders.models import Order
from orders.placement import order_place
from tests.conftest import wait_for
from tests.orders.conftest import execution_status, history, mark_processing, order_emails, stock

pytestmark = pytest.mark.django_db


def place(buyer, product, quantity=1) -> Order:
    return order_place(user=buyer, lines={product.id: quantity}).order


def processing_order(buyer, product, quantity=1) -> Order:
    """A placed order that the worker has picked up."""
    order = place(buyer, product, quantity)
    mark_processing(order)
    return order


def unreachable_aws():
    """AWS_ENDPOINT_URL pointed at a closed port: a real outage, not a mock."""
    from ecommerce.emulator import free_port

    return override_settings(AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}", AWS_MAX_ATTEMPTS=1)


def due_in(order) -> float | None:
    """Seconds until the order is due for the worker again (None: it owes nothing)."""
    due_at = Order.objects.values_list("due_at", flat=True).get(pk=order.pk)
    return None if due_at is None else (due_at - timezone.now()).total_seconds()


@pytest.fixture
def handed(monkeypatch):
    """handed(order): what the relay does, with Celery's send replaced (it leases the
    order and counts the hand-over); returns the task's keys."""
    from ecommerce import duework

    sent = []
    monkeypatch.setattr(duework.app, "send_task", lambda name, args: sent.extend(args[0]))

    def hand_over(order) -> None:
        Order.objects.filter(pk=order.pk).update(due_at=timezone.now())
        relay_once(Order)

    return hand_over


def test_processing_queues_the_confirmation_and_starts_the_workflow(buyer, product):
    order = place(buyer, product, 3)
    processing.order_process(order_id=order.pk)

    order.refresh_from_db()
    assert order.status == "processing"
    assert history(order) == [("", "pending"), ("pending", "processing")]
    [(kind, email)] = order_emails(order.pk).items()
    assert (kind, email.to, email.subject) == (
        "confirmation",
        buyer.email,
        "Your Order Confirmation",
    )
    for text in (
        str(order.pk),
        "Gucci bag",
        "Quantity: 3",
        "we will notify you when it is shipped",
    ):
        assert text.lower() in email.body.lower()
    assert wait_for(lambda: execution_status(order) == "SUCCEEDED", timeout=10)


def test_processing_twice_queues_one_email_and_applies_the_finished_workflow(buyer, product):
    order = place(buyer, product, 1)
    processing.order_process(order_id=order.pk)
    wait_for(lambda: execution_status(order) == "SUCCEEDED", timeout=10)

    # A redelivered task: the execution exists (ExecutionAlreadyExists), it succeeded, and
    # its report may have been lost: the order is moved on from its result.
    processing.order_process(order_id=order.pk)

    order.refresh_from_db()
    assert order.status == "shipping"
    assert history(order) == [
        ("", "pending"),
        ("pending", "processing"),
        ("processing", "shipping"),
    ]
    emails = order_emails(order.pk)
    assert sorted(emails) == ["confirmation", "shipping"]
    assert emails["shipping"].subject == "Gucci bag now shipping"


def test_processing_a_cancelled_order_does_nothing(buyer, product):
    order = place(buyer, product, 1)
    order_cancel(user=buyer, order_id=order.pk)
    processing.order_process(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order_emails(order.pk) == {}
    assert execution_status(order) is None


def test_processing_an_unknown_order_is_a_no_op():
    processing.order_process(order_id=uuid.uuid4())


@override_settings(ORDER_MAX_ATTEMPTS=3)
def test_an_outage_makes_the_order_due_later_and_it_fails_once_its_attempts_run_out(
    buyer, product, handed
):
    order = place(buyer, product, 5)
    assert stock(product) == 35
    with unreachable_aws():
        aws.reset_clients()
        try:
            for attempt in (1, 2, 3):  # each hand-over's run meets the outage
                handed(order)
                tasks.orders_process.apply(args=[[str(order.pk)]])
                order.refresh_from_db()
                assert (order.status, order.handovers) == ("processing", attempt)
                assert -1 <= due_in(order) <= 2 * 2**attempt  # after a backoff, not the lease
        finally:
            aws.reset_clients()

    handed(order)  # the fourth hand-over: out of attempts
    tasks.orders_process.apply(args=[[str(order.pk)]])
    order.refresh_from_db()
    assert order.status == "failed"
    assert due_in(order) is None
    assert history(order)[-2:] == [("pending", "processing"), ("processing", "failed")]
    assert order.transitions.last().reason == "not processed in 3 attempts"
    assert stock(product) == 40
    assert sorted(order_emails(order.pk)) == ["confirmation", "failure"]


def test_an_order_meeting_an_outage_goes_on_alone_and_later(buyer, product, monkeypatch):
    from ecommerce import duework

    monkeypatch.setattr(duework, "backoff", lambda attempt: 30.0)
    first, second = place(buyer, product, 1), place(buyer, product, 2)
    process = processing.order_process

    def outage_for_the_second(*, order_id):
        if str(order_id) == str(second.pk):
            raise aws.AwsUnavailable("stepfunctions", "down")
        process(order_id=order_id)

    monkeypatch.setattr(processing, "order_process", outage_for_the_second)
    result = tasks.orders_process.apply(args=[[str(second.pk), str(first.pk)]])

    assert result.state == "SUCCESS"
    first.refresh_from_db()
    assert first.status == "processing"
    assert 25 < due_in(second) <= 30  # after a backoff


def test_an_order_failing_unexpectedly_does_not_hold_up_the_rest_of_its_message(
    buyer, product, monkeypatch, caplog
):
    broken, fine = place(buyer, product, 1), place(buyer, product, 1)
    process = processing.order_process

    def bug_for_the_first(*, order_id):
        if str(order_id) == str(broken.pk):
            raise RuntimeError("a bug")
        process(order_id=order_id)

    monkeypatch.setattr(processing, "order_process", bug_for_the_first)
    with caplog.at_level(logging.ERROR, logger="orders.tasks"):
        result = tasks.orders_process.apply(args=[[str(broken.pk), str(fine.pk)]])

    assert result.state == "SUCCESS"
    assert Order.objects.get(pk=broken.pk).status == "pending"  # due again after its lease
    assert Order.objects.get(pk=fine.pk).status == "processing"
    assert "order processing failed (handed over again later)" in caplog.text


# --- the workflow's report (what the events process runs) -----------------------------------


def test_the_shipping_report_moves_the_order_and_queues_one_email(buyer, product):
    order = processing_order(buyer, product, 2)
    message = {"type": "order.shipping", "orderId": str(order.pk)}

    assert dispatch(json.dumps(message)) == 1  # routed by settings.EVENT_HANDLERS
    dispatch(json.dumps(message))  # redelivered

    order.refresh_from_db()
    assert order.status == "shipping"
    assert due_in(order) is None  # the worker owes it nothing more
    assert history(order)[-1] == ("processing", "shipping")
    assert len(history(order)) == 3
    email = order_emails(order.pk)["shipping"]
    assert email.subject == "Gucci bag now shipping"
    assert "Gucci bag now shipping" in email.body
    assert str(order.pk) in email.body


@pytest.mark.parametrize("end", ["cancelled", "failed"])
def test_a_late_shipping_report_leaves_a_finished_order_alone(buyer, product, end):
    order = processing_order(buyer, product, 2)
    if end == "cancelled":
        order_cancel(user=buyer, order_id=order.pk)
    else:
        order_fail(order_id=order.pk, reason="test")

    processing.order_shipping_reported({"type": "order.shipping", "orderId": str(order.pk)})

    order.refresh_from_db()
    assert order.status == end
    assert "shipping" not in order_emails(order.pk)
    assert stock(product) == 40  # released once, by the cancel or the failure


def test_a_report_for_an_unknown_order_is_dropped():
    processing.order_shipping_reported({"type": "order.shipping", "orderId": str(uuid.uuid4())})


@pytest.mark.parametrize(
    "message",
    [{"type": "order.shipping"}, {"type": "order.shipping", "orderId": "not-a-uuid"}],
    ids=["no-order-id", "bad-order-id"],
)
def test_a_malformed_report_raises_so_it_ends_in_the_dead_letter_queue(message):
    with pytest.raises(MalformedMessage):
        processing.order_shipping_reported(message)
