"""The events process: raw AWS event messages on SQS, dispatched to their handlers.

These messages are not Celery messages (S3 ObjectCreated notifications, and the order
workflow's reports from Step Functions), so they get their own small consumer:
- an ObjectCreated record goes to `uploads.image_landed` for the upload model whose bucket
  it names (ecommerce/uploads.py: every upload purpose is declared by its model);
- any other message has a ``type``, and settings.EVENT_HANDLERS names its handler, which
  receives the decoded JSON body.
A message is deleted only after its handling succeeded; otherwise it becomes visible again
after a backoff and, after SQS_MAX_RECEIVE_COUNT tries, lands in the dead-letter queue.
Handlers must therefore be idempotent.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from urllib.parse import unquote_plus

from django.conf import settings
from django.db import close_old_connections
from django.utils.module_loading import import_string

from ecommerce import aws, uploads
from ecommerce.uploads import S3Object

logger = logging.getLogger(__name__)


class UnknownMessage(Exception):
    """No handler is declared for this message (it goes back, then to the DLQ)."""


def handler_for(kind: str) -> Callable:
    path = settings.EVENT_HANDLERS.get(kind)
    if path is None:
        raise UnknownMessage(f"no handler for {kind!r}")
    return import_string(path)


def dispatch(body: str) -> int:
    """Run the handlers for one SQS message body; returns how many handlers ran."""
    message = json.loads(body)
    if message.get("Type") == "Notification" and "Message" in message:
        message = json.loads(message["Message"])  # S3 → SNS → SQS wraps the event once more
    if message.get("Event") == "s3:TestEvent":
        return 0  # S3 sends one when notifications are configured
    if "Records" in message:
        ran = 0
        for record in message["Records"]:
            event = record.get("eventName", "")
            # ObjectCreated:Copy is the landing check's own content-type fix (storage.py).
            created = event.startswith("ObjectCreated") and event != "ObjectCreated:Copy"
            if record.get("eventSource") != "aws:s3" or not created:
                continue
            bucket = record["s3"]["bucket"]["name"]
            model = uploads.model_for_bucket(bucket)
            if model is None:
                raise UnknownMessage(f"event for unknown bucket {bucket!r}")
            uploads.image_landed(
                model,
                S3Object(
                    bucket=bucket,
                    key=unquote_plus(record["s3"]["object"]["key"]),
                    size=int(record["s3"]["object"].get("size", 0)),
                    event_name=record["eventName"],
                ),
            )
            ran += 1
        return ran
    kind = message.get("type")
    if not kind:
        raise UnknownMessage("message has neither Records nor type")
    handler_for(kind)(message)
    return 1


class EventConsumer:
    """Long-polls one SQS queue and dispatches each message."""

    def __init__(self, queue_url: str, *, wait_seconds: int = 10, batch_size: int = 10):
        self.queue_url = queue_url
        self.wait_seconds = wait_seconds
        self.batch_size = batch_size
        self.stopping = threading.Event()
        self.handling = False  # True while a received batch is being handled

    def poll_once(self, wait_seconds: int | None = None) -> int:
        """Receive one batch and handle it; returns the number of messages received."""
        sqs = aws.client("sqs")
        response = aws.client("sqs", long_poll=True).receive_message(
            QueueUrl=self.queue_url,
            MaxNumberOfMessages=self.batch_size,
            WaitTimeSeconds=self.wait_seconds if wait_seconds is None else wait_seconds,
            MessageSystemAttributeNames=["ApproximateReceiveCount"],
        )
        messages = response.get("Messages", [])
        self.handling = True
        try:
            for message in messages:
                self._handle(sqs, message)
        finally:
            self.handling = False
        return len(messages)

    def _handle(self, sqs, message: dict) -> None:
        close_old_connections()
        try:
            dispatch(message["Body"])
        except Exception:
            tries = int(message.get("Attributes", {}).get("ApproximateReceiveCount", "1"))
            logger.exception(
                "event handler failed; message left for redelivery",
                extra={"message_id": message["MessageId"], "tries": tries},
            )
            # Back off before the next try; after SQS_MAX_RECEIVE_COUNT it goes to the DLQ.
            try:
                sqs.change_message_visibility(
                    QueueUrl=self.queue_url,
                    ReceiptHandle=message["ReceiptHandle"],
                    VisibilityTimeout=min(2**tries, 300),
                )
            except Exception:
                logger.exception("could not set the retry backoff")
            return
        sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def run(self) -> None:
        logger.info("events consumer started", extra={"queue": self.queue_url})
        while not self.stopping.is_set():
            try:
                self.poll_once()
            except Exception:
                # The queue itself is unreachable: wait and try again, never crash-loop.
                logger.exception("polling the events queue failed")
                self.stopping.wait(2)
        logger.info("events consumer stopped")

    def stop(self) -> None:
        self.stopping.set()
