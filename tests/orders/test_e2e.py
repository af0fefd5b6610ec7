"""Orders end to end: the API, a real Celery worker on SQS, Step Functions on the emulator,
the real events process, SES. Rows must be committed for the other processes to see them.
"""

from __future__ import annotations

import json
import uuid
from contextlib import contextmanager
from datetime import timedelta
from decimal import Decimal

import pytest
import requests
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from ecommerce import aws
from ecommerce.models import Email
from orders import tasks
from orders.emails import email_key
from orders.models import Order
from products.stock import stock_reserve
from tests.conftest import LOG_DIR, sent_emails, wait_for, web_process
from tests.orders.conftest import (
    buyer_make,
    execution_status,
    history,
    order_emails,
    order_insert,
    stock,
)
from tests.products.factories import product_make
from tests.support.tasks import echo_to_queue

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def create(client, product, quantity):
    return client.post(
        "/orders/create-order", {"id": str(product.id), "quantity": quantity}, format="json"
    )


def web_ready(url: str, timeout: float = 30) -> None:
    wait_for(lambda: _answers(url), timeout=timeout, message=f"{url} to answer")


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


def status(order_id) -> str:
    return Order.objects.values_list("status", flat=True).get(pk=order_id)


def queue_idle(name: str) -> bool:
    """Nothing waiting and nothing in flight (a received message is deleted once handled)."""
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=aws.queue_url(name),
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return set(attributes.values()) == {"0"}


def emails_match_claims(emulator_url, email: str, order_id) -> list[dict]:
    """The SES record for `email` equals the order's emails, each with its message id."""
    mails = sent_emails(emulator_url, to=email)
    recorded = [e.ses_message_id for e in order_emails(order_id).values()]
    return mails if sorted(m["id"] for m in mails) == sorted(recorded) else []


def test_an_order_ships_with_two_emails_and_the_next_one_finds_the_stock_taken(
    celery_worker, events_consumer, make_user, emulator_url
):
    buyer = make_user()
    product = product_make(quantity=40, price=Decimal("99.90"), product_name="Gucci bag")

    response = create(buyer.client, product, 30)
    assert response.status_code == 201
    order_id = response.json()["orderId"]

    wait_for(lambda: status(order_id) == "shipping", timeout=30, message="the order to ship")
    mails = wait_for(
        lambda: (
            len(sent_emails(emulator_url, to=buyer.email)) == 2
            and sent_emails(emulator_url, to=buyer.email)
        ),
        timeout=10,
    )
    by_subject = {m["subject"]: m for m in mails}
    assert set(by_subject) == {"Your Order Confirmation", "Gucci bag now shipping"}
    confirmation = by_subject["Your Order Confirmation"]["body"]
    for text in (order_id, "Gucci bag", "Quantity: 30", "We will notify you when it is shipped"):
        assert text in confirmation
    assert "Gucci bag now shipping" in by_subject["Gucci bag now shipping"]["body"]
    assert all(m["destinations"]["ToAddresses"] == [buyer.email] for m in mails)
    assert execution_status(Order(pk=order_id)) == "SUCCEEDED"
    assert [
        (h["from"], h["to"]) for h in buyer.client.get(f"/orders/{order_id}").json()["history"]
    ] == [
        (None, "pending"),
        ("pending", "processing"),
        ("processing", "shipping"),
    ]

    refused = create(buyer.client, product, 30)
    assert refused.status_code == 409
    assert refused.json()["available"] == 10
    assert stock(product) == 10

    # Redelivery: the processing task and the workflow's report, each once more.
    tasks.orders_process.delay([order_id])
    aws.client("sqs").send_message(
        QueueUrl=aws.queue_url(aws.names().events_queue),
        MessageBody=json.dumps({"type": "order.shipping", "orderId": order_id}),
    )
    wait_for(lambda: queue_idle(aws.names().celery_queue), timeout=30)
    wait_for(lambda: queue_idle(aws.names().events_queue), timeout=30)
    assert status(order_id) == "shipping"
    assert len(history(Order(pk=order_id))) == 3
    assert len(sent_emails(emulator_url, to=buyer.email)) == 2
    assert emails_match_claims(emulator_url, buyer.email, order_id)


def test_a_web_process_killed_right_after_answering_201_loses_no_order(
    celery_worker, events_consumer, make_user, emulator_url
):
    """The order is due work from its creation, committed with it: nothing waits in the
    web process's memory, and it is handed over once, at once (not after a lease of
    ORDER_LEASE_SECONDS, 300 s)."""
    from ecommerce.emulator import free_port

    buyer = make_user()
    product = product_make(quantity=5, product_name="Wool hat")
    port = free_port()
    web = web_process(port).start()
    try:
        web_ready(f"http://127.0.0.1:{port}/healthz")
        response = requests.post(
            f"http://127.0.0.1:{port}/orders/create-order",
            json={"id": str(product.id), "quantity": 2},
            headers={"Authorization": f"Bearer {buyer.tokens['IdToken']}"},
            timeout=10,
        )
        web.kill()  # SIGKILL, the moment the 201 is in
    finally:
        web.kill()
    assert response.status_code == 201
    order_id = response.json()["orderId"]

    wait_for(lambda: status(order_id) == "shipping", timeout=30, message="the order to ship")
    assert Order.objects.get(pk=order_id).handovers == 1
    mails = wait_for(lambda: len(emails_match_claims(emulator_url, buyer.email, order_id)) == 2)
    assert mails
    assert stock(product) == 3


def test_an_order_whose_lease_ran_out_is_handed_over_again_and_ships(
    celery_worker, events_consumer, emulator_url
):
    buyer = buyer_make()
    product = product_make(quantity=5)
    with transaction.atomic():
        stock_reserve({product.id: 2}, order_id=uuid.uuid4())
    # Handed over once, and nothing came of it (a lost message, a dead worker): its lease
    # has run out.
    order = order_insert(
        user=buyer,
        product=product,
        quantity=2,
        handovers=1,
        due_at=timezone.now() - timedelta(seconds=1),
    )

    wait_for(lambda: status(order.pk) == "shipping", timeout=30, message="the order to ship")
    order.refresh_from_db()
    assert (order.handovers, order.due_at) == (2, None)
    assert wait_for(lambda: len(emails_match_claims(emulator_url, buyer.email, order.pk)) == 2)
    assert stock(product) == 3


def test_an_order_out_of_attempts_fails_releases_its_stock_and_emails_once(
    celery_worker, events_consumer, emulator_url
):
    buyer = buyer_make()
    product = product_make(quantity=5)
    with transaction.atomic():
        stock_reserve({product.id: 4}, order_id=uuid.uuid4())
    order = order_insert(
        user=buyer,
        product=product,
        quantity=4,
        status="processing",
        handovers=settings.ORDER_MAX_ATTEMPTS,
        due_at=timezone.now() - timedelta(seconds=1),
    )

    wait_for(lambda: status(order.pk) == "failed", timeout=30)
    [mail] = wait_for(lambda: sent_emails(emulator_url, to=buyer.email), timeout=15)
    assert mail["subject"] == "Your order could not be processed"
    assert str(order.pk) in mail["body"]
    assert stock(product) == 5
    assert history(order)[-1] == ("processing", "failed")
    tasks.orders_process.delay([str(order.pk)])  # redelivered: still one failure
    wait_for(lambda: queue_idle(aws.names().celery_queue), timeout=30)
    assert len(sent_emails(emulator_url, to=buyer.email)) == 1
    assert Order.objects.get(pk=order.pk).due_at is None


# --- a worker killed mid-task ---------------------------------------------------------------

WORKER_LOG = LOG_DIR / "worker.log"
# Longer than the worker's SQS long poll (10 s): the poll a killed worker left open on the
# emulator ends before the message is visible again, so it cannot swallow the redelivery.
KILL_TEST_VISIBILITY = 13


@contextmanager
def celery_visibility(seconds: int, probe_queue: str):
    """Redelivery after `seconds` instead of SQS_VISIBILITY_TIMEOUT (90 s in the tests).

    The emulator reads the timeout when a ReceiveMessage starts, so a long poll the worker
    opened before the change would still hand out the old one: a task round-tripped
    through the worker closes that poll first.
    """
    sqs, url = aws.client("sqs"), aws.queue_url(aws.names().celery_queue)
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": str(seconds)})
    try:
        echo_to_queue.delay(probe_queue, "poll cycled")
        wait_for(
            lambda: sqs.receive_message(QueueUrl=probe_queue, WaitTimeSeconds=1).get("Messages"),
            timeout=30,
            message="the worker to run a probe task",
        )
        yield
    finally:
        sqs.set_queue_attributes(
            QueueUrl=url, Attributes={"VisibilityTimeout": str(settings.SQS_VISIBILITY_TIMEOUT)}
        )


def task_started(order_id: str, log_offset: int) -> bool:
    with open(WORKER_LOG, encoding="utf-8", errors="replace") as log:
        log.seek(log_offset)
        return any('"order processing started"' in line and order_id in line for line in log)


def blocked_on_lock(table: str) -> bool:
    """PostgreSQL: a backend of this database waits for a lock in a statement on `table`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")  # fresh, though inside a transaction
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
            " AND wait_event_type = 'Lock' AND query LIKE %s",
            [f"%{table}%"],
        )
        return cursor.fetchone()[0] > 0


@pytest.mark.parametrize("moment", ["before-its-first-write", "inside-its-transaction"])
def test_a_worker_killed_mid_task_and_restarted_still_ships_the_order_once(
    moment, celery_worker, events_consumer, emulator_url, fresh_queue
):
    postgres = connection.vendor == "postgresql"
    if moment == "inside-its-transaction" and not postgres:
        pytest.skip("needs row locks: on SQLite the test's open write blocks every write")
    buyer = buyer_make()
    product = product_make(quantity=10, product_name="Silk scarf")
    with transaction.atomic():
        stock_reserve({product.id: 2}, order_id=uuid.uuid4())
    # Committed, and not due: this test hands it to the worker itself, below.
    order = order_insert(user=buyer, product=product, quantity=2, due_at=None)
    # The session worker is the only consumer: idle, it takes this order's task at once.
    wait_for(lambda: queue_idle(aws.names().celery_queue), timeout=60, message="an idle queue")

    with celery_visibility(KILL_TEST_VISIBILITY, fresh_queue):
        try:
            log_offset = WORKER_LOG.stat().st_size
            with transaction.atomic():
                # Hold the worker at a known point of the task, then SIGKILL it there.
                if moment == "before-its-first-write":
                    # PostgreSQL: the row lock blocks its pending → processing update;
                    # SQLite: this open write transaction blocks its first write.
                    Order.objects.select_for_update().get(pk=order.pk)
                else:
                    # Its transaction moves the order to processing, then queuing the
                    # confirmation waits on this row's key.
                    Email.objects.create(
                        key=email_key(order.pk, "confirmation"), to="x@example.com", subject="x"
                    )
                tasks.orders_process.delay([str(order.pk)])
                wait_for(lambda: task_started(str(order.pk), log_offset), timeout=20)
                if moment == "inside-its-transaction":
                    wait_for(lambda: blocked_on_lock(Email._meta.db_table), timeout=10)
                elif postgres:
                    wait_for(lambda: blocked_on_lock("orders_order"), timeout=10)
                celery_worker.kill()
                transaction.set_rollback(True)  # let go of the hold
            # Killed before its commit: nothing of the step happened.
            assert status(order.pk) == "pending"
            assert order_emails(order.pk) == {}
            assert sent_emails(emulator_url, to=buyer.email) == []

            # The task was not acknowledged: SQS delivers it again, to the restarted worker.
            celery_worker.start()
            wait_for(lambda: status(order.pk) == "shipping", timeout=45, message="shipping")
        finally:
            if celery_worker.popen.poll() is not None:
                celery_worker.start()

    mails = wait_for(lambda: emails_match_claims(emulator_url, buyer.email, order.pk), timeout=10)
    assert sorted(m["subject"] for m in mails) == [
        "Silk scarf now shipping",
        "Your Order Confirmation",
    ]
    assert [to for _, to in history(order)] == ["pending", "processing", "shipping"]
    assert execution_status(order) == "SUCCEEDED"
