"""The events consumer against real S3 notifications from the emulator.

These tests consume in-process (the landing handler is replaced by a function of this
module) from their own set of resources under a separate prefix, away from the suite's
events process.
"""

import uuid

import pytest
from django.test import override_settings

from banners.models import Banner
from ecommerce import aws, uploads
from ecommerce.bootstrap import bootstrap
from ecommerce.events import EventConsumer, dispatch
from ecommerce.uploads import S3Object

pytestmark = pytest.mark.django_db

received: list[S3Object] = []
failures_left = {"count": 0}


def record(model, obj: S3Object) -> None:
    assert model is Banner  # the model whose bucket the event names
    if failures_left["count"] > 0:
        failures_left["count"] -= 1
        raise RuntimeError("handler failed on purpose")
    received.append(obj)


@pytest.fixture
def own_stack(monkeypatch):
    prefix = f"ev-{uuid.uuid4().hex[:8]}"
    created = bootstrap(prefix)
    received.clear()
    failures_left["count"] = 0
    monkeypatch.setattr(uploads, "image_landed", record)
    with override_settings(AWS_RESOURCE_PREFIX=prefix):
        yield created


def drain(consumer: EventConsumer, rounds: int = 3) -> None:
    for _ in range(rounds):
        consumer.poll_once(wait_seconds=1)


def test_upload_is_dispatched_to_its_handler_exactly_once(own_stack):
    consumer = EventConsumer(own_stack["events_queue"], wait_seconds=1)
    key = f"{uuid.uuid4()}/my photo+1.png"
    aws.client("s3").put_object(Bucket=own_stack["bucket:banners"], Key=key, Body=b"x" * 10)

    drain(consumer)

    assert received == [
        S3Object(
            bucket=own_stack["bucket:banners"], key=key, size=10, event_name="ObjectCreated:Put"
        )
    ]
    attrs = aws.client("sqs").get_queue_attributes(
        QueueUrl=own_stack["events_queue"],
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    assert attrs == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }


def test_a_failing_handler_leaves_the_message_for_redelivery(own_stack):
    consumer = EventConsumer(own_stack["events_queue"], wait_seconds=1)
    failures_left["count"] = 1
    key = f"{uuid.uuid4()}/a.png"
    aws.client("s3").put_object(Bucket=own_stack["bucket:banners"], Key=key, Body=b"x")

    drain(consumer, rounds=2)
    assert received == []
    in_flight = aws.client("sqs").get_queue_attributes(
        QueueUrl=own_stack["events_queue"], AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]["ApproximateNumberOfMessagesNotVisible"]
    assert in_flight == "1"  # not deleted: it comes back after the backoff

    import time

    time.sleep(2.2)  # the first retry's backoff is 2 s
    drain(consumer)
    assert [obj.key for obj in received] == [key]


def test_messages_with_no_handler_are_not_deleted(own_stack):
    consumer = EventConsumer(own_stack["events_queue"], wait_seconds=1)
    sqs = aws.client("sqs")
    sqs.send_message(QueueUrl=own_stack["events_queue"], MessageBody='{"type": "nobody.listens"}')
    drain(consumer, rounds=1)
    attrs = sqs.get_queue_attributes(
        QueueUrl=own_stack["events_queue"], AttributeNames=["ApproximateNumberOfMessagesNotVisible"]
    )["Attributes"]
    assert attrs["ApproximateNumberOfMessagesNotVisible"] == "1"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            '{"Service":"Amazon S3","Event":"s3:TestEvent","Bucket":"b"}', id="test-event"
        ),
        pytest.param(
            '{"Records":[{"eventSource":"aws:s3","eventName":"ObjectRemoved:Delete",'
            '"s3":{"bucket":{"name":"b"},"object":{"key":"k"}}}]}',
            id="not-object-created",
        ),
    ],
)
def test_events_that_need_no_handler_are_skipped(body):
    assert dispatch(body) == 0


def test_consume_events_stops_cleanly_on_sigterm(django_db_setup):
    import signal
    import time

    from tests.conftest import LOG_DIR, Process, events_process, wait_for

    log = LOG_DIR / "events-sigterm.log"
    log.unlink(missing_ok=True)
    process = Process("events-sigterm", events_process().argv).start()
    wait_for(lambda: b"events consumer started" in log.read_bytes(), message="start-up")
    time.sleep(1)  # into the long poll
    assert process.popen.poll() is None
    process.popen.send_signal(signal.SIGTERM)
    assert process.popen.wait(5) == 0


def test_an_idle_long_poll_longer_than_the_read_timeout_is_not_an_error(fresh_queue, settings):
    # The events process long-polls for 10 s by default, as long as AWS_READ_TIMEOUT.
    settings.AWS_READ_TIMEOUT = 1
    settings.AWS_MAX_ATTEMPTS = 1
    aws.reset_clients()
    try:
        assert EventConsumer(fresh_queue, wait_seconds=2).poll_once() == 0
    finally:
        aws.reset_clients()
