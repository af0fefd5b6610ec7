"""The outbox (ecommerce/outbox.py): tasks recorded with the change, relayed as plain Celery
messages once committed; the relay runs in the events process."""

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ecommerce import aws, outbox
from ecommerce.models import OutboxMessage
from tests.conftest import wait_for

pytestmark = pytest.mark.django_db

ECHO = "tests.support.tasks.echo_items"


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, list]]:
    """What the relay hands to Celery: (task name, its one argument)."""
    calls: list = []
    monkeypatch.setattr(outbox.app, "send_task", lambda name, args: calls.append((name, args[0])))
    return calls


def test_a_task_is_recorded_in_the_transaction_and_gone_with_its_rollback():
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue("a.task", "1")
        assert OutboxMessage.objects.count() == 1
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()


def test_the_relay_sends_due_items_of_a_task_together_and_deletes_them(sent, monkeypatch):
    monkeypatch.setattr(outbox, "MESSAGE_ITEMS", 2)
    for item in ("1", "2", "3"):
        outbox.enqueue("a.task", item)
    outbox.enqueue("b.task", "x")
    outbox.enqueue("a.task", "later", delay=60)

    assert outbox.relay_once() == 4
    assert sent == [("a.task", ["1", "2"]), ("a.task", ["3"]), ("b.task", ["x"])]
    assert list(OutboxMessage.objects.values_list("item", flat=True)) == ["later"]
    assert outbox.relay_once() == 0  # not due yet

    OutboxMessage.objects.update(due_at=timezone.now() - timedelta(seconds=1))
    assert outbox.relay_once() == 1
    assert sent[-1] == ("a.task", ["later"])


def test_a_failed_send_keeps_the_rows_for_the_next_round(monkeypatch):
    outbox.enqueue("a.task", "1")

    def sqs_down(name, args):
        raise ConnectionError("SQS unreachable")

    monkeypatch.setattr(outbox.app, "send_task", sqs_down)
    with pytest.raises(ConnectionError):
        outbox.relay_once()
    assert OutboxMessage.objects.count() == 1


def test_a_round_takes_at_most_its_limit_oldest_first(sent):
    for item in range(5):
        outbox.enqueue("a.task", str(item))
    assert outbox.relay_once(limit=3) == 3
    assert sent == [("a.task", ["0", "1", "2"])]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_committed_task_reaches_a_real_worker_through_the_events_process_relay(
    celery_worker, events_consumer, fresh_queue
):
    name = fresh_queue.rsplit("/", 1)[1]
    tokens = [uuid.uuid4().hex for _ in range(3)]
    with transaction.atomic():
        for token in tokens:
            outbox.enqueue(ECHO, f"{name} {token}")

    sqs = aws.client("sqs")
    received: list[str] = []

    def all_arrived() -> bool:
        for message in sqs.receive_message(
            QueueUrl=fresh_queue, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", []):
            received.append(message["Body"])
            sqs.delete_message(QueueUrl=fresh_queue, ReceiptHandle=message["ReceiptHandle"])
        return len(received) == len(tokens)

    wait_for(all_arrived, timeout=30, message="the echoed items")
    assert sorted(received) == sorted(tokens)
    assert not OutboxMessage.objects.exists()
