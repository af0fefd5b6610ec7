"""The shared upload mechanism (ecommerce/uploads.py), with banners as the record.

Handlers run in-process against the emulator's S3, on buckets that send no events
(`quiet_storage`), so the suite's events process never races these tests.
"""

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from django.db import connection
from django.utils import timezone

from banners.models import Banner
from ecommerce import aws, images, storage, uploads
from ecommerce.images import InvalidUpload
from ecommerce.uploads import ImageStatus, Outcome, S3Object
from tests.support.uploads import image_bytes, png_bytes

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
JPEG = image_bytes("JPEG")
GIF = image_bytes("GIF")
WEBP = image_bytes("WEBP")


# --- names, types, keys ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("file_name", "content_type", "expected"),
    [
        pytest.param("banner1.png", "image/png", "banner1.png", id="plain"),
        pytest.param("../../x.png", "image/png", "x.png", id="parent-dirs"),
        pytest.param("..\\..\\windows\\x.png", "image/png", "x.png", id="backslash-dirs"),
        pytest.param("/etc/passwd", "image/png", "passwd.png", id="absolute-no-ext"),
        pytest.param("my photo (1).PNG", "image/png", "my-photo-1.png", id="spaces-case"),
        pytest.param(".htaccess", "image/png", "htaccess.png", id="hidden"),
        pytest.param("evil.html", "image/png", "evil.png", id="wrong-extension"),
        pytest.param("x.php.png", "image/png", "x.php.png", id="double-extension"),
        pytest.param("photo.JPG", "image/jpeg", "photo.jpg", id="jpg"),
        pytest.param("photo.jpeg", "image/jpeg", "photo.jpeg", id="jpeg"),
        pytest.param("a.png", "image/gif", "a.gif", id="declared-type-wins"),
        pytest.param("фото.webp", "image/webp", "image.webp", id="non-ascii"),
        pytest.param("café.png", "image/png", "cafe.png", id="accents"),
        pytest.param("%2e%2e%2fx.png", "image/png", "2e-2e-2fx.png", id="percent-encoded"),
        pytest.param("a<script>.png", "image/png", "a-script.png", id="markup"),
        pytest.param("x" * 300 + ".png", "image/png", "x" * 100 + ".png", id="long"),
    ],
)
def test_file_names_are_reduced_to_a_safe_basename(file_name, content_type, expected):
    assert images.safe_file_name(file_name, content_type) == expected


@pytest.mark.parametrize("file_name", ["", "..", "../", "a/", "/", " . ", "..\\"], ids=repr)
def test_names_with_no_file_part_are_refused(file_name):
    with pytest.raises(InvalidUpload, match="no file name part"):
        images.safe_file_name(file_name, "image/png")


@pytest.mark.parametrize(
    "content_type",
    ["image/svg+xml", "text/html", "application/pdf", "IMAGE/PNG", "image/png; x=y", ""],
)
def test_only_allowlisted_types_are_accepted(content_type):
    with pytest.raises(InvalidUpload, match="fileType must be one of"):
        images.new_key("x.png", content_type)


def test_keys_are_server_chosen_and_never_repeat():
    keys = {images.new_key("../../x.png", "image/png") for _ in range(50)}
    assert len(keys) == 50
    assert all(re.fullmatch(f"{UUID}/x.png", key) for key in keys)


@pytest.mark.django_db
def test_upload_start_presigns_a_put_for_the_key_and_type(quiet_storage, settings):
    settings.UPLOAD_URL_EXPIRES_SECONDS = 123
    banner = Banner()

    url = uploads.upload_start(banner, file_name="b.png", content_type="image/png")

    banner.refresh_from_db()
    assert banner.status == ImageStatus.PENDING
    assert banner.image_key is None
    assert re.fullmatch(f"{UUID}/b.png", banner.upload_key)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.path == f"/{quiet_storage}-banners/{banner.upload_key}"
    assert query["X-Amz-Expires"] == ["123"]
    # Not the content type: on real S3 a URL that signs it refuses a PUT without it.
    assert query["X-Amz-SignedHeaders"] == ["host"]

    # As `curl -X PUT -T file URL` does it: no Content-Type at all.
    body = png_bytes()
    assert requests.put(url, data=body, headers={"Content-Type": None}).status_code == 200
    landed = S3Object(f"{quiet_storage}-banners", banner.upload_key, len(body), "ObjectCreated:Put")
    assert uploads.image_landed(Banner, landed) == Outcome.READY
    stored = aws.client("s3").get_object(Bucket=f"{quiet_storage}-banners", Key=banner.upload_key)
    # Stored as the declared type once the content checked out: its URL serves an image.
    assert (stored["ContentType"], stored["Body"].read()) == ("image/png", body)


# --- the image lands ---------------------------------------------------------------------------


def put(key: str, body: bytes, content_type: str) -> S3Object:
    bucket = Banner.bucket()
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
    return S3Object(bucket=bucket, key=key, size=len(body), event_name="ObjectCreated:Put")


def pending_banner(file_name: str = "b.png", content_type: str = "image/png") -> Banner:
    banner = Banner()
    uploads.upload_start(banner, file_name=file_name, content_type=content_type)
    return banner


def exists(key: str) -> bool:
    return storage.exists(Banner.bucket(), key)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("file_name", "content_type", "body"),
    [
        pytest.param("a.png", "image/png", png_bytes(), id="png"),
        pytest.param("a.jpg", "image/jpeg", JPEG, id="jpeg"),
        pytest.param("a.gif", "image/gif", GIF, id="gif"),
        pytest.param("a.webp", "image/webp", WEBP, id="webp"),
    ],
)
def test_a_good_image_becomes_the_records_public_image(
    quiet_storage, file_name, content_type, body
):
    banner = pending_banner(file_name, content_type)
    key = banner.upload_key

    assert uploads.image_landed(Banner, put(key, body, content_type)) == Outcome.READY

    banner.refresh_from_db()
    assert banner.status == ImageStatus.READY
    assert (banner.image_key, banner.upload_key) == (key, None)
    assert banner.image_url == storage.public_url(Banner.bucket(), key)
    assert banner.uploaded_at is not None
    served = requests.get(banner.image_url, timeout=10)
    assert (served.status_code, served.content) == (200, body)


NOT_A_PNG = "content is not a valid image/png image"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "stored_type", "reason"),
    [
        pytest.param(b"<html>not an image</html>", "image/png", NOT_A_PNG, id="text-as-png"),
        pytest.param(JPEG, "image/png", "content is JPEG, declared image/png", id="jpeg-as-png"),
        pytest.param(b"\x89PNG", "image/png", NOT_A_PNG, id="truncated-signature"),
        pytest.param(
            b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>",
            "image/png",
            NOT_A_PNG,
            id="png-magic-then-html",
        ),
        pytest.param(
            image_bytes("PNG", (64, 64))[:-40], "image/png", NOT_A_PNG, id="truncated-image"
        ),
        pytest.param(b"", "image/png", "file is empty", id="empty"),
    ],
)
def test_a_bad_object_is_deleted_and_the_record_rejected(quiet_storage, body, stored_type, reason):
    banner = pending_banner()
    key = banner.upload_key

    assert uploads.image_landed(Banner, put(key, body, stored_type)) == Outcome.REJECTED

    assert not exists(key)
    banner.refresh_from_db()
    assert (banner.status, banner.rejection_reason) == (ImageStatus.REJECTED, reason)
    assert (banner.image_key, banner.upload_key, banner.image_url) == (None, None, "")


@pytest.mark.django_db
@pytest.mark.parametrize("stored_type", ["text/html", "application/octet-stream", None])
def test_a_good_image_stored_under_another_type_is_stored_as_its_declared_type(
    quiet_storage, stored_type
):
    banner = pending_banner()
    key, body = banner.upload_key, png_bytes()
    bucket = Banner.bucket()
    extra = {"ContentType": stored_type} if stored_type else {}
    aws.client("s3").put_object(Bucket=bucket, Key=key, Body=body, **extra)

    landed = S3Object(bucket=bucket, key=key, size=len(body), event_name="ObjectCreated:Put")
    assert uploads.image_landed(Banner, landed) == Outcome.READY
    banner.refresh_from_db()
    served = requests.get(banner.image_url, timeout=10)
    assert (served.headers["Content-Type"], served.content) == ("image/png", body)


@pytest.mark.django_db
def test_an_image_over_the_pixel_limit_is_refused_before_it_is_decoded(quiet_storage, settings):
    settings.UPLOAD_MAX_PIXELS = 100 * 100
    at_limit, over_limit = pending_banner(), pending_banner()
    assert (
        uploads.image_landed(
            Banner, put(at_limit.upload_key, image_bytes("PNG", (100, 100)), "image/png")
        )
        == Outcome.READY
    )
    landed = put(over_limit.upload_key, image_bytes("PNG", (101, 100)), "image/png")
    assert uploads.image_landed(Banner, landed) == Outcome.REJECTED
    over_limit.refresh_from_db()
    assert over_limit.rejection_reason == "image is 101x100 pixels; the limit is 10000 pixels"
    assert not exists(landed.key)


@pytest.mark.django_db
def test_the_size_limit_is_checked(quiet_storage, settings):
    body = png_bytes()
    settings.UPLOAD_MAX_BYTES = len(body)
    at_limit, over_limit = pending_banner(), pending_banner()

    assert (
        uploads.image_landed(Banner, put(at_limit.upload_key, body, "image/png")) == Outcome.READY
    )
    landed = put(over_limit.upload_key, body + b"\x00", "image/png")
    assert uploads.image_landed(Banner, landed) == Outcome.REJECTED

    over_limit.refresh_from_db()
    assert over_limit.status == ImageStatus.REJECTED
    assert over_limit.rejection_reason == f"file is {len(body) + 1} bytes; the limit is {len(body)}"
    assert not exists(landed.key)


@pytest.mark.django_db
def test_an_object_no_record_asked_for_is_deleted(quiet_storage):
    key = images.new_key("stray.png", "image/png")
    assert uploads.image_landed(Banner, put(key, png_bytes(), "image/png")) == Outcome.ORPHAN
    assert not exists(key)


@pytest.mark.django_db
def test_redelivered_events_change_nothing(quiet_storage):
    banner = pending_banner()
    landed = put(banner.upload_key, png_bytes(), "image/png")
    assert uploads.image_landed(Banner, landed) == Outcome.READY
    banner.refresh_from_db()
    before = (banner.status, banner.image_key, banner.image_url, banner.uploaded_at)

    assert uploads.image_landed(Banner, landed) == Outcome.UNCHANGED
    assert uploads.image_landed(Banner, landed) == Outcome.UNCHANGED

    banner.refresh_from_db()
    assert (banner.status, banner.image_key, banner.image_url, banner.uploaded_at) == before
    assert exists(landed.key)


@pytest.mark.django_db
def test_a_redelivered_rejection_changes_nothing(quiet_storage):
    banner = pending_banner()
    landed = put(banner.upload_key, b"not an image", "image/png")
    assert uploads.image_landed(Banner, landed) == Outcome.REJECTED
    banner.refresh_from_db()
    before = (banner.status, banner.rejection_reason, banner.upload_key)

    # The record no longer points at the key: the (already deleted) object is an orphan.
    assert uploads.image_landed(Banner, landed) == Outcome.ORPHAN
    banner.refresh_from_db()
    assert (banner.status, banner.rejection_reason, banner.upload_key) == before


@pytest.mark.django_db
def test_a_replacement_keeps_the_live_image_until_it_lands_then_deletes_it(quiet_storage):
    banner = pending_banner()
    first = put(banner.upload_key, png_bytes(), "image/png")
    uploads.image_landed(Banner, first)
    banner.refresh_from_db()

    uploads.upload_start(banner, file_name="second.png", content_type="image/png")
    banner.refresh_from_db()
    assert (banner.status, banner.image_key) == (ImageStatus.READY, first.key)

    second = put(banner.upload_key, png_bytes(), "image/png")
    assert uploads.image_landed(Banner, second) == Outcome.READY
    banner.refresh_from_db()
    assert (banner.image_key, banner.upload_key) == (second.key, None)
    assert banner.image_url == storage.public_url(Banner.bucket(), second.key)
    assert exists(second.key)
    assert not exists(first.key)


@pytest.mark.django_db
def test_a_rejected_replacement_leaves_the_live_image(quiet_storage):
    banner = pending_banner()
    first = put(banner.upload_key, png_bytes(), "image/png")
    uploads.image_landed(Banner, first)
    uploads.upload_start(banner, file_name="second.png", content_type="image/png")
    banner.refresh_from_db()

    second = put(banner.upload_key, b"GIF89a but declared png", "image/png")
    assert uploads.image_landed(Banner, second) == Outcome.REJECTED

    banner.refresh_from_db()
    assert (banner.status, banner.image_key, banner.upload_key) == (
        ImageStatus.READY,
        first.key,
        None,
    )
    assert banner.rejection_reason == "content is not a valid image/png image"
    assert exists(first.key)
    assert not exists(second.key)


@pytest.mark.django_db
def test_an_abandoned_upload_url_no_longer_belongs_to_the_record(quiet_storage):
    banner = pending_banner()
    abandoned = banner.upload_key
    uploads.upload_start(banner, file_name="again.png", content_type="image/png")

    landed = put(abandoned, png_bytes(), "image/png")
    assert uploads.image_landed(Banner, landed) == Outcome.ORPHAN
    assert not exists(abandoned)
    banner.refresh_from_db()
    assert banner.status == ImageStatus.PENDING


@pytest.mark.django_db
def test_a_live_image_overwritten_with_junk_through_its_url_is_taken_down(quiet_storage):
    banner = pending_banner()
    key = banner.upload_key
    uploads.image_landed(Banner, put(key, png_bytes(), "image/png"))

    # The presigned URL still works for a while: a second PUT replaces the checked object.
    assert uploads.image_landed(Banner, put(key, b"<script>", "image/png")) == Outcome.REJECTED

    banner.refresh_from_db()
    assert (banner.status, banner.image_key, banner.image_url) == (ImageStatus.REJECTED, None, "")
    assert not exists(key)


@pytest.mark.django_db
def test_record_delete_removes_the_objects(quiet_storage):
    banner = pending_banner()
    live = put(banner.upload_key, png_bytes(), "image/png")
    uploads.image_landed(Banner, live)
    uploads.upload_start(banner, file_name="next.png", content_type="image/png")
    in_progress = put(banner.upload_key, png_bytes(), "image/png")  # its event not handled yet

    uploads.record_delete(banner)

    assert not Banner.objects.filter(pk=banner.pk).exists()
    assert not exists(live.key)
    assert not exists(in_progress.key)


# --- cleanup -----------------------------------------------------------------------------------


def aged(banner: Banner, seconds: int) -> Banner:
    Banner.objects.filter(pk=banner.pk).update(
        upload_requested_at=timezone.now() - timedelta(seconds=seconds)
    )
    banner.refresh_from_db()
    return banner


def cleanup() -> uploads.CleanupResult:
    return uploads.cleanup_stale_uploads(Banner)


@pytest.mark.django_db
def test_cleanup_deletes_only_stale_records_without_an_image(quiet_storage, settings):
    settings.CLEANUP_MAX_AGE_SECONDS = 3600
    aged(pending_banner(), 3601)
    fresh = aged(pending_banner(), 3500)
    stale_rejected = pending_banner()
    uploads.image_landed(Banner, put(stale_rejected.upload_key, b"junk", "image/png"))
    stale_rejected = aged(stale_rejected, 7200)
    live = pending_banner()
    uploads.image_landed(Banner, put(live.upload_key, png_bytes(), "image/png"))
    live = aged(live, 7200)

    assert cleanup() == uploads.CleanupResult(deleted=2, completed=0)

    assert set(Banner.objects.values_list("pk", flat=True)) == {fresh.pk, live.pk}


@pytest.mark.django_db
def test_cleanup_completes_a_record_whose_object_is_there(quiet_storage):
    # The object landed but its event was lost: the upload must not be lost with it.
    banner = aged(pending_banner(), 7200)
    put(banner.upload_key, png_bytes(), "image/png")

    assert cleanup() == uploads.CleanupResult(deleted=0, completed=1)

    banner.refresh_from_db()
    assert banner.status == ImageStatus.READY
    assert banner.image_url == storage.public_url(Banner.bucket(), banner.image_key)


@pytest.mark.django_db
def test_cleanup_drops_a_stale_replacement_but_keeps_the_record(quiet_storage):
    banner = pending_banner()
    live = put(banner.upload_key, png_bytes(), "image/png")
    uploads.image_landed(Banner, live)
    uploads.upload_start(banner, file_name="never-sent.png", content_type="image/png")
    banner = aged(banner, 7200)

    assert cleanup() == uploads.CleanupResult(deleted=0, completed=0)

    banner.refresh_from_db()
    assert (banner.status, banner.image_key, banner.upload_key) == (
        ImageStatus.READY,
        live.key,
        None,
    )


@pytest.mark.django_db
def test_cleanup_publishes_the_count_only_when_it_deleted_something(quiet_storage, subscribe_inbox):
    inbox = subscribe_inbox()
    pending_banner()  # fresh: not a candidate

    assert cleanup().deleted == 0
    assert inbox.notifications() == []

    aged(pending_banner(), 7200)
    aged(pending_banner(), 7200)
    assert cleanup().deleted == 2
    assert inbox.notifications() == [
        ("Banner cleanup Notification", "Cleanup completed. Deleted 2 outdated banners")
    ]


@pytest.mark.django_db
def test_the_cleanup_query_reads_only_candidates_through_the_partial_index():
    query = uploads.stale_uploads(Banner.objects.all(), older_than=timedelta(hours=1))
    if connection.vendor == "postgresql":
        # With a handful of rows the planner rightly prefers a scan; forbid it to see that
        # the index matches the query (its predicate is implied by the WHERE clause).
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
    assert "banners_banner_stale_idx" in query.explain()
