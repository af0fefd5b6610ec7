"""Order services against the database and the emulated SES and Step Functions.

These run in-process; the real worker and events consumer are exercised in test_e2e.py.
"""

import json
import logging
import threading
import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from kombu.exceptions import OperationalError

from ecommerce import aws, task_sender
from ecommerce.events import dispatch
from ecommerce.task_sender import SendAfterCommit
from orders import services, tasks
from orders.models import EmailKind, IdempotencyRecord, Order, OrderEmail
from products.cache import catalogue_version
from products.models import ProductStatus
from products.services import InsufficientStock, ProductNotFound, stock_reserve
from tests.conftest import sent_emails, wait_for
from tests.orders.conftest import (
    age,
    buyer_make,
    execution_status,
    history,
    order_insert,
    orders_settled,
    stock,
)
from tests.products.factories import product_make

pytestmark = pytest.mark.django_db


def place(buyer, product, quantity=1, **kwargs) -> Order:
    return services.order_place(
        user=buyer, product_id=product.id, quantity=quantity, **kwargs
    ).order


def processing_order(buyer, product, quantity=1) -> Order:
    """A placed order (stock taken) that the worker has picked up."""
    stock_reserve(product_id=product.id, quantity=quantity)
    order = order_insert(user=buyer, product=product, quantity=quantity)
    services.order_mark_processing(order_id=order.id)
    return order


def enqueued(callbacks) -> list[tuple[str, tuple]]:
    """The Celery tasks among on-commit callbacks (other apps register their own)."""
    return [(c.task.name, c.args) for c in callbacks if isinstance(c, SendAfterCommit)]


def emails(emulator_url, user, subject=None) -> list[dict]:
    found = sent_emails(emulator_url, to=user.email)
    return [m for m in found if subject is None or m["subject"] == subject]


# --- placing -------------------------------------------------------------------------------


def test_place_reserves_stock_snapshots_the_product_and_enqueues_on_commit(
    buyer, product, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks:
        placement = services.order_place(user=buyer, product_id=product.id, quantity=30)

    order = Order.objects.get(pk=placement.order.pk)
    assert placement.replayed is False
    assert (order.status, order.user, order.product_id) == ("pending", buyer, product.id)
    assert (order.product_name, order.unit_price, order.quantity, order.total) == (
        "Gucci bag",
        Decimal("12.50"),
        30,
        Decimal("375.00"),
    )
    assert order.attempts == 1
    assert history(order) == [("", "pending")]
    assert stock(product) == 10
    # One callback: the processing task, handed to the background sender after the commit
    # (order_process_many: the sender merges placements' calls, ten orders to a message).
    assert enqueued(callbacks) == [("orders.tasks.order_process_many", ([str(order.pk)],))]
    assert [c.background for c in callbacks if isinstance(c, SendAfterCommit)] == [True]


@pytest.mark.django_db(transaction=True)
def test_placing_in_no_transaction_commits_stock_order_and_history_at_once(product, monkeypatch):
    """A request's placement (no transaction around it): on PostgreSQL the stock, the order
    and its first history row are one statement that commits by itself, and the catalogue
    bump after that commit rides in the same round trip; the task is handed over after
    that, with everything committed. The catalogue version moved once."""
    buyer = buyer_make()
    handed = []

    def submit(task, args):
        handed.append((task.name, args, connection.in_atomic_block, Order.objects.count()))

    monkeypatch.setattr(task_sender.sender, "submit", submit)
    version = catalogue_version()
    with CaptureQueriesContext(connection) as queries:
        placed = place(buyer, product, 3)

    if connection.vendor == "postgresql":
        # (the second is the count in `submit` above)
        statements = [q["sql"] for q in queries.captured_queries][:-1]
        assert len(statements) == 1, statements
        assert statements[0].startswith("WITH reserved AS (UPDATE")
        assert "COMMIT;\nSELECT nextval(" in statements[0]
    assert catalogue_version() == version + 1
    assert handed == [("orders.tasks.order_process_many", ([str(placed.pk)],), False, 1)]
    stored = Order.objects.get(pk=placed.pk)
    fields = ["user_id", "product_id", "product_name", "unit_price", "quantity", "total"]
    fields += ["status", "attempts", "created_at", "updated_at"]
    assert [getattr(placed, f) for f in fields] == [getattr(stored, f) for f in fields]
    assert (stored.quantity, stored.total, stock(product)) == (3, Decimal("37.50"), 37)
    assert history(stored) == [("", "pending")]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("quantity", [51, None])
def test_a_refused_placement_leaves_the_catalogue_version_alone(product, quantity):
    """Nothing committed, nothing to show: a 409 or 404 costs the catalogue's readers no
    cache miss (on PostgreSQL the bump in the placing statement depends on the order row)."""
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
        services.order_place(user=buyer, product_id=uuid.uuid4(), quantity=1)


def test_not_enough_stock_is_a_conflict_and_changes_nothing(buyer, product):
    with pytest.raises(InsufficientStock) as caught:
        place(buyer, product, 41)
    assert caught.value.extra == {"available": 40}
    assert stock(product) == 40
    assert not Order.objects.exists()


# --- Idempotency-Key -----------------------------------------------------------------------


def test_same_key_and_body_returns_the_first_order_and_creates_nothing(buyer, product):
    first = services.order_place(
        user=buyer, product_id=product.id, quantity=3, idempotency_key="k1"
    )
    again = services.order_place(
        user=buyer, product_id=product.id, quantity=3, idempotency_key="k1"
    )
    assert (again.order.pk, again.replayed) == (first.order.pk, True)
    assert Order.objects.count() == 1
    assert stock(product) == 37


def test_same_key_with_another_body_is_a_conflict(buyer, product):
    services.order_place(user=buyer, product_id=product.id, quantity=3, idempotency_key="k1")
    with pytest.raises(services.IdempotencyKeyReused) as caught:
        services.order_place(user=buyer, product_id=product.id, quantity=4, idempotency_key="k1")
    assert caught.value.status_code == 409
    assert Order.objects.count() == 1
    assert stock(product) == 37


def test_keys_belong_to_one_user(buyer, product):
    other = buyer_make()
    mine = services.order_place(user=buyer, product_id=product.id, quantity=1, idempotency_key="k")
    theirs = services.order_place(
        user=other, product_id=product.id, quantity=1, idempotency_key="k"
    )
    assert mine.order.pk != theirs.order.pk
    assert theirs.replayed is False


def test_a_refused_request_leaves_its_key_free(buyer, product):
    with pytest.raises(InsufficientStock):
        services.order_place(user=buyer, product_id=product.id, quantity=99, idempotency_key="k")
    assert not IdempotencyRecord.objects.exists()
    placed = services.order_place(
        user=buyer, product_id=product.id, quantity=2, idempotency_key="k"
    )
    assert placed.replayed is False
    assert stock(product) == 38


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_key_place_one_order(product, celery_worker, events_consumer):
    buyer = buyer_make()
    results: list = []
    start = threading.Barrier(6)

    def request() -> None:
        start.wait()
        try:
            results.append(
                services.order_place(
                    user=buyer, product_id=product.id, quantity=2, idempotency_key="same"
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=request) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 6
    assert len({r.order.pk for r in results}) == 1
    assert sorted(r.replayed for r in results) == [False] + [True] * 5
    assert Order.objects.count() == 1
    assert stock(product) == 38
    wait_for(lambda: orders_settled([results[0].order.pk]), timeout=30)


@pytest.mark.django_db(transaction=True)
def test_a_failed_enqueue_is_retried_in_the_background_and_the_order_stands(
    product, monkeypatch, caplog
):
    """SQS down at commit: the order is placed and answered at once; the sender thread
    tries again until SQS takes the task (and the sweeper is there if it never does)."""
    buyer = buyer_make()
    monkeypatch.setattr(task_sender, "RETRY_WAIT_SECONDS", 0.01)
    sent_from = []

    def sqs_down_twice(args, **kwargs):
        sent_from.append((tuple(args), threading.current_thread().name))
        if len(sent_from) <= 2:
            raise OperationalError("Could not connect to the endpoint URL")

    monkeypatch.setattr(tasks.order_process_many, "apply_async", sqs_down_twice)
    with caplog.at_level(logging.WARNING, logger="ecommerce.task_sender"):
        order = place(buyer, product, 2)
        assert Order.objects.get(pk=order.pk).status == "pending"
        assert task_sender.sender.flush(timeout=10)

    assert sent_from == [(([str(order.pk)],), "task-sender")] * 3
    assert caplog.text.count("tasks not sent, will retry") == 2
    assert Order.objects.get(pk=order.pk).status == "pending"
    assert stock(product) == 38


# --- processing (what the worker runs) -----------------------------------------------------


def test_processing_emails_the_confirmation_and_starts_the_workflow(buyer, product, emulator_url):
    order = place(buyer, product, 3)
    services.order_process(order_id=order.pk)

    order.refresh_from_db()
    assert order.status == "processing"
    assert history(order) == [("", "pending"), ("pending", "processing")]
    [mail] = emails(emulator_url, buyer)
    assert mail["subject"] == "Your Order Confirmation"
    for text in (
        str(order.pk),
        "Gucci bag",
        "Quantity: 3",
        "we will notify you when it is shipped",
    ):
        assert text.lower() in mail["body"].lower()
    email = OrderEmail.objects.get(order=order)
    assert (email.kind, email.ses_message_id) == ("confirmation", mail["id"])
    assert wait_for(lambda: execution_status(order) == "SUCCEEDED", timeout=10)


def test_processing_twice_sends_one_email_and_applies_the_finished_workflow(
    buyer, product, emulator_url
):
    order = place(buyer, product, 1)
    services.order_process(order_id=order.pk)
    wait_for(lambda: execution_status(order) == "SUCCEEDED", timeout=10)

    # A redelivered task: the execution exists (ExecutionAlreadyExists), it succeeded, and
    # its report may have been lost: the order is moved on from its result.
    services.order_process(order_id=order.pk)

    order.refresh_from_db()
    assert order.status == "shipping"
    assert history(order) == [
        ("", "pending"),
        ("pending", "processing"),
        ("processing", "shipping"),
    ]
    assert sorted(m["subject"] for m in emails(emulator_url, buyer)) == [
        "Gucci bag now shipping",
        "Your Order Confirmation",
    ]


def test_processing_a_cancelled_order_does_nothing(buyer, product, emulator_url):
    order = place(buyer, product, 1)
    services.order_cancel(user=buyer, order_id=order.pk)
    services.order_process(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert emails(emulator_url, buyer) == []
    assert execution_status(order) is None


def test_processing_an_unknown_order_is_a_no_op():
    services.order_process(order_id=uuid.uuid4())


def unreachable_aws():
    """AWS_ENDPOINT_URL pointed at a closed port: a real outage, not a mock."""
    from ecommerce.emulator import free_port

    return override_settings(AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}", AWS_MAX_ATTEMPTS=1)


def test_an_ses_outage_releases_the_email_claim_so_a_retry_sends_it(buyer, product, emulator_url):
    order = place(buyer, product, 1)
    with unreachable_aws():
        aws.reset_clients()
        try:
            with pytest.raises(aws.AwsUnavailable):
                services.order_process(order_id=order.pk)
        finally:
            aws.reset_clients()
    order.refresh_from_db()
    assert order.status == "processing"
    assert not OrderEmail.objects.filter(order=order).exists()  # surely not sent: released

    services.order_process(order_id=order.pk)  # the retry, with SES back
    assert [m["subject"] for m in emails(emulator_url, buyer)] == ["Your Order Confirmation"]


@override_settings(ORDER_TASK_MAX_RETRIES=3, ORDER_RETRY_BACKOFF_SECONDS=0)
def test_an_outage_outlasting_the_retries_fails_the_order_and_releases_its_stock(
    buyer, product, django_capture_on_commit_callbacks
):
    order = place(buyer, product, 5)
    assert stock(product) == 35
    # In `apply` Celery runs the retries inline, one after the other.
    with unreachable_aws(), django_capture_on_commit_callbacks() as callbacks:
        aws.reset_clients()
        try:
            result = tasks.order_process.apply(args=[str(order.pk)])
        finally:
            aws.reset_clients()
    assert result.state == "SUCCESS"
    order.refresh_from_db()
    assert order.status == "failed"
    assert history(order)[-2:] == [("pending", "processing"), ("processing", "failed")]
    assert order.transitions.last().reason.startswith(
        "processing failed 4 times: ses is unavailable"
    )
    assert stock(product) == 40
    assert enqueued(callbacks) == [("orders.tasks.order_email", (str(order.pk), "failure"))]


@override_settings(ORDER_RETRY_BACKOFF_SECONDS=0)
def test_a_merged_message_processes_each_order_and_one_meeting_an_outage_goes_on_alone(
    buyer, product, emulator_url, monkeypatch
):
    """order_process_many: placements' orders, several to a message."""
    first, second = place(buyer, product, 1), place(buyer, product, 2)
    process = services.order_process
    retried = []

    def ses_down_for_the_second(*, order_id):
        if str(order_id) == str(second.pk):
            raise aws.AwsUnavailable("ses", "down")
        process(order_id=order_id)

    monkeypatch.setattr(services, "order_process", ses_down_for_the_second)
    monkeypatch.setattr(
        tasks.order_process, "apply_async", lambda args, **kw: retried.append((args, kw))
    )
    result = tasks.order_process_many.apply(args=[[str(first.pk), str(second.pk)]])

    assert result.state == "SUCCESS"
    first.refresh_from_db()
    assert first.status == "processing"
    assert execution_status(first) in {"RUNNING", "SUCCEEDED"}
    assert retried == [((str(second.pk),), {"countdown": 0})]


def test_an_order_failing_unexpectedly_does_not_hold_up_the_rest_of_its_message(
    buyer, product, emulator_url, monkeypatch, caplog
):
    broken, fine = place(buyer, product, 1), place(buyer, product, 1)
    process = services.order_process

    def bug_for_the_first(*, order_id):
        if str(order_id) == str(broken.pk):
            raise RuntimeError("a bug")
        process(order_id=order_id)

    monkeypatch.setattr(services, "order_process", bug_for_the_first)
    with caplog.at_level(logging.ERROR, logger="orders.tasks"):
        result = tasks.order_process_many.apply(args=[[str(broken.pk), str(fine.pk)]])

    assert result.state == "SUCCESS"
    assert Order.objects.get(pk=broken.pk).status == "pending"  # the sweeper's
    assert Order.objects.get(pk=fine.pk).status == "processing"
    assert "order processing failed (the sweeper re-enqueues the order)" in caplog.text


# --- the workflow's report (what the events process runs) -----------------------------------


def test_the_shipping_report_moves_the_order_and_emails_once(buyer, product, emulator_url):
    order = processing_order(buyer, product, 2)
    message = {"type": "order.shipping", "orderId": str(order.pk)}

    assert dispatch(json.dumps(message)) == 1  # routed by settings.EVENT_HANDLERS
    dispatch(json.dumps(message))  # redelivered

    order.refresh_from_db()
    assert order.status == "shipping"
    assert history(order)[-1] == ("processing", "shipping")
    assert len(history(order)) == 3
    [mail] = emails(emulator_url, buyer)
    assert mail["subject"] == "Gucci bag now shipping"
    assert "Gucci bag now shipping" in mail["body"]
    assert str(order.pk) in mail["body"]


@pytest.mark.parametrize("end", ["cancelled", "failed"])
def test_a_late_shipping_report_leaves_a_finished_order_alone(buyer, product, emulator_url, end):
    order = processing_order(buyer, product, 2)
    if end == "cancelled":
        services.order_cancel(user=buyer, order_id=order.pk)
    else:
        services.order_fail(order_id=order.pk, reason="test")

    services.order_shipping_reported({"type": "order.shipping", "orderId": str(order.pk)})

    order.refresh_from_db()
    assert order.status == end
    assert emails(emulator_url, buyer, "Gucci bag now shipping") == []
    assert stock(product) == 40  # released once, by the cancel or the failure


def test_a_report_for_an_unknown_order_is_dropped():
    services.order_shipping_reported({"type": "order.shipping", "orderId": str(uuid.uuid4())})


@pytest.mark.parametrize(
    "message",
    [{"type": "order.shipping"}, {"type": "order.shipping", "orderId": "not-a-uuid"}],
    ids=["no-order-id", "bad-order-id"],
)
def test_a_malformed_report_raises_so_it_ends_in_the_dead_letter_queue(message):
    with pytest.raises(services.MalformedMessage):
        services.order_shipping_reported(message)


# --- emails at most once -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_send_one_email(product, emulator_url):
    buyer = buyer_make()
    order = processing_order(buyer, product)
    sent: list = []
    start = threading.Barrier(5)

    def send() -> None:
        start.wait()
        try:
            sent.append(services.order_email_send(order_id=order.pk, kind=EmailKind.CONFIRMATION))
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [message_id] = [s for s in sent if s]
    assert sent.count(None) == 4
    assert [m["id"] for m in emails(emulator_url, buyer)] == [message_id]


def claim_insert(order, *, age_seconds: float, sent: bool = False) -> OrderEmail:
    """The confirmation claim a sender left behind `age_seconds` ago (`sent`: its request
    went out, outcome unknown)."""
    at = timezone.now() - timedelta(seconds=age_seconds)
    return OrderEmail.objects.create(
        order=order, kind=EmailKind.CONFIRMATION, created_at=at, sent_at=at if sent else None
    )


def test_a_claim_whose_sender_died_before_sending_is_taken_over_and_sent_once(
    buyer, product, emulator_url, settings
):
    order = processing_order(buyer, product)
    claim_insert(order, age_seconds=settings.ORDER_EMAIL_CLAIM_SECONDS + 1)

    message_id = services.order_email_send(order_id=order.pk, kind=EmailKind.CONFIRMATION)

    assert message_id
    assert [m["id"] for m in emails(emulator_url, buyer)] == [message_id]
    email = OrderEmail.objects.get(order=order)
    assert email.ses_message_id == message_id and email.sent_at is not None
    assert services.order_email_send(order_id=order.pk, kind=EmailKind.CONFIRMATION) is None
    assert len(emails(emulator_url, buyer)) == 1


def test_a_fresh_claim_is_left_to_its_sender(buyer, product, emulator_url):
    order = processing_order(buyer, product)
    claim_insert(order, age_seconds=0)

    assert services.order_email_send(order_id=order.pk, kind=EmailKind.CONFIRMATION) is None
    assert emails(emulator_url, buyer) == []


def test_an_email_whose_request_went_out_is_never_sent_again(buyer, product, emulator_url):
    order = processing_order(buyer, product)
    claim_insert(order, age_seconds=3600, sent=True)  # the outcome is unknown

    assert services.order_email_send(order_id=order.pk, kind=EmailKind.CONFIRMATION) is None
    assert emails(emulator_url, buyer) == []


def test_a_sender_whose_claim_was_taken_over_meanwhile_does_not_send(
    buyer, product, emulator_url, monkeypatch
):
    order = processing_order(buyer, product)
    render = services._email_text

    def stall_then_render(*args):
        # While this sender stalls between claim and send, another takes the claim over.
        OrderEmail.objects.filter(order=order).update(created_at=timezone.now())
        return render(*args)

    monkeypatch.setattr(services, "_email_text", stall_then_render)
    assert services.order_email_send(order_id=order.pk, kind=EmailKind.CONFIRMATION) is None
    assert emails(emulator_url, buyer) == []
    assert OrderEmail.objects.get(order=order).sent_at is None  # the taker's to send


def test_an_email_is_only_sent_in_its_status(buyer, product, emulator_url):
    order = place(buyer, product)  # pending: not yet confirmed, not shipping, not failed
    for kind in EmailKind:
        assert services.order_email_send(order_id=order.pk, kind=kind) is None
    assert emails(emulator_url, buyer) == []


# --- failure and cancellation --------------------------------------------------------------


def test_fail_releases_stock_once_and_emails_the_customer_once(
    buyer, product, emulator_url, django_capture_on_commit_callbacks
):
    order = processing_order(buyer, product, 7)
    assert stock(product) == 33
    with django_capture_on_commit_callbacks() as callbacks:
        assert services.order_fail(order_id=order.pk, reason="gave up") is True
        assert services.order_fail(order_id=order.pk, reason="gave up") is False
    assert stock(product) == 40
    assert enqueued(callbacks) == [("orders.tasks.order_email", (str(order.pk), "failure"))]
    # The worker runs that task (here twice, as if redelivered).
    tasks.order_email.apply(args=[str(order.pk), "failure"])
    tasks.order_email.apply(args=[str(order.pk), "failure"])
    [mail] = emails(emulator_url, buyer)
    assert mail["subject"] == "Your order could not be processed"
    assert str(order.pk) in mail["body"]


@pytest.mark.parametrize("status", ["pending", "processing"])
def test_cancel_releases_the_stock_and_records_the_transition(buyer, product, status):
    order = place(buyer, product, 4)
    if status == "processing":
        services.order_mark_processing(order_id=order.pk)

    cancelled = services.order_cancel(user=buyer, order_id=order.pk)

    assert cancelled.status == "cancelled"
    assert history(order)[-1] == (status, "cancelled")
    assert order.transitions.last().reason == "cancelled by the customer"
    assert stock(product) == 40


@pytest.mark.parametrize("status", ["shipping", "failed", "cancelled"])
def test_cancel_is_refused_once_the_order_has_moved_on(buyer, product, status):
    order = order_insert(user=buyer, product=product, status=status)
    with pytest.raises(services.OrderNotCancellable) as caught:
        services.order_cancel(user=buyer, order_id=order.pk)
    assert caught.value.status_code == 409
    assert caught.value.extra == {"status": status}
    assert stock(product) == 40


def test_another_users_order_cannot_be_cancelled(buyer, product):
    order = place(buyer, product, 1)
    with pytest.raises(services.OrderNotFound):
        services.order_cancel(user=buyer_make(), order_id=order.pk)
    order.refresh_from_db()
    assert order.status == "pending"


# --- the sweeper ---------------------------------------------------------------------------


@override_settings(ORDER_STUCK_AFTER_SECONDS=300, ORDER_MAX_ATTEMPTS=3)
def test_sweep_requeues_stuck_orders_and_fails_the_hopeless(
    buyer, product, django_capture_on_commit_callbacks
):
    stock_reserve(product_id=product.id, quantity=6)  # what the three orders below hold
    stuck_pending = order_insert(user=buyer, product=product, quantity=1)
    stuck_processing = order_insert(user=buyer, product=product, quantity=2, status="processing")
    hopeless = order_insert(user=buyer, product=product, quantity=3, attempts=3)
    fresh = order_insert(user=buyer, product=product)
    shipped = order_insert(user=buyer, product=product, status="shipping")
    for order in (stuck_pending, stuck_processing, hopeless, shipped):
        age(order, 301)
    age(fresh, 290)

    with django_capture_on_commit_callbacks() as callbacks:
        result = services.orders_sweep()

    assert result == services.SweepResult(requeued=2, failed=1)
    assert sorted(enqueued(callbacks)) == sorted(
        [
            ("orders.tasks.order_process", (str(stuck_pending.pk),)),
            ("orders.tasks.order_process", (str(stuck_processing.pk),)),
            ("orders.tasks.order_email", (str(hopeless.pk), "failure")),
        ]
    )
    rows = {o.pk: o for o in Order.objects.all()}
    assert rows[stuck_pending.pk].attempts == 2
    assert rows[stuck_processing.pk].attempts == 2
    assert rows[hopeless.pk].status == "failed"
    assert rows[fresh.pk].attempts == 1
    assert rows[shipped.pk].attempts == 1
    assert stock(product) == 34 + 3  # the hopeless order's 3 came back

    # Just re-enqueued: not stuck again until another ORDER_STUCK_AFTER_SECONDS passes.
    assert services.orders_sweep() == services.SweepResult(requeued=0, failed=0)
