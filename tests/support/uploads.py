"""Helpers for tests of image uploads (ecommerce/uploads.py and the apps that use it)."""

from __future__ import annotations

import json
import struct
import uuid
import zlib

import pytest

from ecommerce import aws


def png_bytes(text: str = "") -> bytes:
    """A valid 1×1 PNG; `text` goes into a tEXt chunk so that each test's image is its own."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1×1, 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter byte + one red pixel
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"tEXt", b"Comment\x00" + (text or uuid.uuid4().hex).encode()),
            chunk(b"IDAT", pixels),
            chunk(b"IEND", b""),
        ]
    )


def image_bytes(image_format: str, size: tuple[int, int] = (2, 2), **save_options) -> bytes:
    """A real image of `size` in `image_format` (Pillow's name: JPEG, GIF, WEBP, PNG)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, image_format, **save_options)
    return out.getvalue()


def _public_read(bucket: str) -> dict:
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": "*",
                "Action": "s3:GetObject",
                "Resource": f"arn:aws:s3:::{bucket}/*",
            }
        ],
    }


@pytest.fixture
def quiet_storage(settings) -> str:
    """Public-read buckets and the topic of a fresh prefix; the buckets send no events.

    For tests that call the upload handlers in-process: the suite's events process (if it
    runs) never sees these objects, so it cannot race the test for them.
    """
    prefix = f"quiet-{uuid.uuid4().hex[:8]}"
    names = aws.names(prefix)
    s3 = aws.client("s3")
    from ecommerce.uploads import upload_models

    for bucket in map(names.bucket, upload_models()):
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(_public_read(bucket)))
    aws.client("sns").create_topic(Name=names.topic)
    # Everything else stays the session's: pin its Cognito pool (found via the prefix).
    settings.COGNITO_USER_POOL_ID, settings.COGNITO_CLIENT_ID = aws.cognito_ids()
    settings.AWS_RESOURCE_PREFIX = prefix
    return prefix


class Inbox:
    """An SQS queue subscribed to the SNS topic: what was published while it existed."""

    def __init__(self, topic_arn: str):
        sqs = aws.client("sqs")
        self.url = sqs.create_queue(QueueName=f"inbox-{uuid.uuid4().hex[:12]}")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        self.subscription = aws.client("sns").subscribe(
            TopicArn=topic_arn, Protocol="sqs", Endpoint=arn
        )["SubscriptionArn"]

    def notifications(self, wait_seconds: int = 2) -> list[tuple[str, str]]:
        """(Subject, Message) of every notification received within `wait_seconds`."""
        sqs = aws.client("sqs")
        found = []
        response = sqs.receive_message(
            QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=wait_seconds
        )
        while response.get("Messages"):
            for message in response["Messages"]:
                envelope = json.loads(message["Body"])
                found.append((envelope["Subject"], envelope["Message"]))
                sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
            response = sqs.receive_message(
                QueueUrl=self.url, MaxNumberOfMessages=10, WaitTimeSeconds=1
            )
        return found

    def close(self) -> None:
        aws.client("sns").unsubscribe(SubscriptionArn=self.subscription)
        aws.client("sqs").delete_queue(QueueUrl=self.url)


@pytest.fixture
def subscribe_inbox():
    """subscribe_inbox() → an Inbox on the current prefix's SNS topic, removed after the test."""
    inboxes: list[Inbox] = []

    def subscribe() -> Inbox:
        inboxes.append(Inbox(aws.topic_arn()))
        return inboxes[-1]

    yield subscribe
    for inbox in inboxes:
        inbox.close()
