"""Category services: case-insensitive names and the two-minute cleanup with its SNS notice."""

from datetime import timedelta

import pytest
from django.db import IntegrityError
from django.utils import timezone

from categories import services
from categories.models import Category
from ecommerce import aws, storage, uploads
from ecommerce.uploads import CleanupResult, ImageStatus
from tests.support.uploads import png_bytes

pytestmark = pytest.mark.django_db


def pending(name: str, *, age_seconds: int = 0) -> Category:
    category, _ = services.category_upload_start(
        name=name, file_name="c.png", content_type="image/png"
    )
    Category.objects.filter(pk=category.pk).update(
        upload_requested_at=timezone.now() - timedelta(seconds=age_seconds)
    )
    category.refresh_from_db()
    return category


def put_image(category: Category) -> None:
    aws.client("s3").put_object(
        Bucket=Category.bucket(), Key=category.upload_key, Body=png_bytes(), ContentType="image/png"
    )


def test_names_are_unique_whatever_their_case(quiet_storage):
    pending("Kitchen")
    with pytest.raises(IntegrityError):
        Category.objects.create(name="KITCHEN")


def test_cleanup_deletes_stale_imageless_categories_and_announces_the_count(
    quiet_storage, subscribe_inbox, settings
):
    settings.CLEANUP_MAX_AGE_SECONDS = 3600
    inbox = subscribe_inbox()
    pending("old-1", age_seconds=3601)
    pending("old-2", age_seconds=86400)
    pending("recent", age_seconds=3500)
    landed = pending("landed-long-ago", age_seconds=86400)
    put_image(landed)
    uploads.image_landed(Category, uploads.S3Object(Category.bucket(), landed.upload_key, 0, "t"))

    assert uploads.cleanup_stale_uploads(Category) == CleanupResult(deleted=2, completed=0)

    assert sorted(Category.objects.values_list("name", flat=True)) == ["landed-long-ago", "recent"]
    assert inbox.notifications() == [
        ("Category cleanup Notification", "Cleanup completed. Deleted 2 outdated categories")
    ]


def test_a_stale_category_whose_object_is_in_s3_is_completed_not_deleted(
    quiet_storage, subscribe_inbox
):
    inbox = subscribe_inbox()
    lost_event = pending("lost-event", age_seconds=7200)
    put_image(lost_event)  # the bucket sends no events here: as if the event were lost

    assert uploads.cleanup_stale_uploads(Category) == CleanupResult(deleted=0, completed=1)

    lost_event.refresh_from_db()
    assert lost_event.status == ImageStatus.READY
    assert lost_event.image_url == storage.public_url(Category.bucket(), lost_event.image_key)
    assert inbox.notifications() == []  # nothing deleted, nothing published
