"""The Celery SQS transport (kombu's), with two additions: the worker survives SQS errors,
and a thread can send what it publishes in batches.

1. kombu 5.7.0 turns a ReceiveMessage that timed out, could not connect (curl's 599) or
   was answered 500/502/503 into an empty *list* (kombu.asynchronous.aws.connection
   `_on_list_ready`, "so the worker does not hang"), but the SQS channel then reads it as a
   dict (`messages.get("Messages")`): AttributeError, "Unrecoverable error", and the worker
   process exits. Any SQS hiccup or outage killed every worker. Here such a poll is an
   empty poll: the channel waits `polling_interval` and polls again.
2. `batched()`: inside it, the messages this thread publishes (`task.apply_async`) are
   built by kombu exactly as usual, but its SendMessage calls are held back; when the block
   ends they go out as SendMessageBatch calls of up to ten. One request per ten messages
   instead of one each: what the order sender (ecommerce/task_sender.py) uses.

Selected in settings (`CELERY_BROKER_TRANSPORT`) when the broker is SQS.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from kombu.transport import SQS

BATCH_SIZE = 10  # SendMessageBatch's limit
BATCH_BYTES = 256 * 1024  # the payload limit of one SendMessageBatch

_held = threading.local()  # .sends: the list a `batched()` block collects into


@dataclass
class BatchResult:
    """What a `batched()` block sent, by position: the n-th message published in it is n."""

    sent: set[int] = field(default_factory=set)
    failed: dict[int, str] = field(default_factory=dict)  # position → SQS's error code


class _HoldingClient:
    """The channel's SQS client inside `batched()`: SendMessage is held, the rest passes."""

    def __init__(self, client, sends: list):
        self._client = client
        self._sends = sends

    def send_message(self, **kwargs):
        self._sends.append((self._client, kwargs))
        return {}

    def __getattr__(self, name):
        return getattr(self._client, name)


class Channel(SQS.Channel):
    def _on_messages_ready(self, queue, qname, messages):
        if not isinstance(messages, dict):  # the transport's "failed poll, no messages"
            return 0
        return super()._on_messages_ready(queue, qname, messages)

    def sqs(self, queue=None):
        client = super().sqs(queue=queue)
        sends = getattr(_held, "sends", None)
        return client if sends is None else _HoldingClient(client, sends)


class Transport(SQS.Transport):
    Channel = Channel


@contextmanager
def batched() -> Iterator[BatchResult]:
    """Send what this thread publishes inside the block in SendMessageBatch calls.

    The result (the positions sent, and those SQS refused with its error code) is filled
    in when the block ends. An error reaching SQS raises from the block's end; messages
    already sent stay sent. Outside the SQS transport (another broker) publishing simply
    happens inside the block.
    """
    if getattr(_held, "sends", None) is not None:
        raise RuntimeError("batched() blocks do not nest")
    _held.sends = sends = []
    result = BatchResult()
    try:
        yield result
    finally:
        _held.sends = None
    _send_batches(sends, result)


def _entry(position: int, kwargs: dict) -> dict:
    entry = {"Id": str(position), "MessageBody": kwargs["MessageBody"]}
    for key in ("DelaySeconds", "MessageAttributes", "MessageGroupId", "MessageDeduplicationId"):
        if key in kwargs:
            entry[key] = kwargs[key]
    return entry


def _send_batches(sends: list, result: BatchResult) -> None:
    by_queue: dict[tuple[int, str], tuple[object, list[tuple[int, dict]]]] = {}
    for position, (client, kwargs) in enumerate(sends):
        _, messages = by_queue.setdefault((id(client), kwargs["QueueUrl"]), (client, []))
        messages.append((position, kwargs))
    for (_, queue_url), (client, messages) in by_queue.items():
        batch: list[dict] = []
        size = 0
        for position, kwargs in messages:
            length = len(kwargs["MessageBody"].encode())
            if batch and (len(batch) == BATCH_SIZE or size + length > BATCH_BYTES):
                _send_one_batch(client, queue_url, batch, result)
                batch, size = [], 0
            batch.append(_entry(position, kwargs))
            size += length
        if batch:
            _send_one_batch(client, queue_url, batch, result)


def _send_one_batch(client, queue_url: str, entries: list[dict], result: BatchResult) -> None:
    response = client.send_message_batch(QueueUrl=queue_url, Entries=entries)
    result.sent.update(int(ok["Id"]) for ok in response.get("Successful", []))
    for bad in response.get("Failed", []):
        result.failed[int(bad["Id"])] = bad.get("Code", "")
