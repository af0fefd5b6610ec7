"""Banners end to end: API → presigned PUT over HTTP → S3 event → the real events process."""

import json
from urllib.parse import unquote, urlsplit

import pytest
import requests
from django.conf import settings

from banners.models import Banner
from ecommerce import aws, images, storage
from ecommerce.uploads import ImageStatus
from tests.conftest import wait_for
from tests.support.uploads import png_bytes

LIMIT = settings.UPLOAD_MAX_BYTES  # the events process has the same environment (5 MiB)

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("events_consumer", "transactional_db")]


def upload_url(staff_api, file_name: str = "hero.png", file_type: str = "image/png") -> dict:
    response = staff_api.post(
        "/banners/upload-url", {"fileName": file_name, "fileType": file_type}, format="json"
    )
    assert response.status_code == 201
    return response.json()


def listed(api, banner_id: str) -> dict | None:
    return next((b for b in api.get("/banners").json()["banners"] if b["id"] == banner_id), None)


def settled(banner_id: str) -> Banner | None:
    banner = Banner.objects.get(pk=banner_id)
    return banner if banner.status != ImageStatus.PENDING else None


def test_a_png_put_to_the_upload_url_is_listed_and_served(staff_api, api):
    created = upload_url(staff_api)
    image = png_bytes()

    put = requests.put(
        created["uploadURL"], data=image, headers={"Content-Type": "image/png"}, timeout=10
    )
    assert put.status_code == 200

    shown = wait_for(lambda: listed(api, created["bannerId"]), message="the banner listed")
    banner = Banner.objects.get(pk=created["bannerId"])
    assert shown["imageUrl"] == storage.public_url(Banner.bucket(), banner.image_key)
    served = requests.get(shown["imageUrl"], timeout=10)
    assert (served.status_code, served.content) == (200, image)
    assert served.headers["Content-Type"] == "image/png"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        pytest.param(
            b"#!/bin/sh\necho not an image\n",
            "content is not a valid image/png image",
            id="text-as-png",
        ),
        pytest.param(
            png_bytes() + b"\x00" * LIMIT,
            f"file is {len(png_bytes()) + LIMIT} bytes; the limit is {LIMIT}",
            id="over-the-limit",
        ),
    ],
)
def test_a_bad_upload_is_deleted_and_the_banner_rejected(staff_api, api, body, reason):
    created = upload_url(staff_api)
    put = requests.put(
        created["uploadURL"], data=body, headers={"Content-Type": "image/png"}, timeout=30
    )
    assert put.status_code == 200

    banner = wait_for(lambda: settled(created["bannerId"]), message="the upload checked")

    assert (banner.status, banner.rejection_reason) == (ImageStatus.REJECTED, reason)
    key = unquote(urlsplit(created["uploadURL"]).path).split("/", 2)[2]  # /<bucket>/<key>
    assert not storage.exists(Banner.bucket(), key)
    assert listed(api, created["bannerId"]) is None


def test_an_object_nobody_asked_for_is_deleted():
    key = images.new_key("stray.png", "image/png")
    aws.client("s3").put_object(
        Bucket=Banner.bucket(), Key=key, Body=png_bytes(), ContentType="image/png"
    )
    wait_for(lambda: not storage.exists(Banner.bucket(), key), message="stray deleted")


def test_a_duplicate_event_is_harmless(staff_api, api):
    created = upload_url(staff_api)
    requests.put(
        created["uploadURL"], data=png_bytes(), headers={"Content-Type": "image/png"}, timeout=10
    )
    before = wait_for(lambda: listed(api, created["bannerId"]), message="the banner listed")
    banner = Banner.objects.get(pk=created["bannerId"])

    # S3 delivers at least once: send the same ObjectCreated record again.
    queue = aws.queue_url(aws.names().events_queue)
    record = {
        "eventSource": "aws:s3",
        "eventName": "ObjectCreated:Put",
        "s3": {"bucket": {"name": Banner.bucket()}, "object": {"key": banner.image_key}},
    }
    aws.client("sqs").send_message(QueueUrl=queue, MessageBody=json.dumps({"Records": [record]}))
    wait_for(lambda: queue_drained(queue), message="the duplicate handled and deleted")

    assert listed(api, created["bannerId"]) == before
    banner_after = Banner.objects.get(pk=created["bannerId"])
    assert (banner_after.image_key, banner_after.uploaded_at) == (
        banner.image_key,
        banner.uploaded_at,
    )
    assert storage.exists(Banner.bucket(), banner.image_key)


def queue_drained(queue: str) -> bool:
    attributes = aws.client("sqs").get_queue_attributes(
        QueueUrl=queue,
        AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
    )["Attributes"]
    return attributes == {
        "ApproximateNumberOfMessages": "0",
        "ApproximateNumberOfMessagesNotVisible": "0",
    }
