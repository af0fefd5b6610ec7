"""Banners: upload URL, image landing (events process), deletion and cleanup."""

from __future__ import annotations

import uuid

from banners.models import Banner
from ecommerce import uploads
from ecommerce.errors import NotFound
from ecommerce.events import S3Object


def banner_upload_start(*, file_name: str, content_type: str) -> tuple[Banner, str]:
    """Create a pending banner; returns it and the presigned PUT URL for its image."""
    banner = Banner()
    url = uploads.upload_start(banner, file_name=file_name, content_type=content_type)
    return banner, url


def banner_image_landed(obj: S3Object) -> uploads.Outcome:
    """The events process's handler for the banners bucket (settings.EVENT_HANDLERS)."""
    return uploads.image_landed(Banner, obj)


def banner_delete(*, banner_id: uuid.UUID) -> None:
    banner = Banner.objects.filter(pk=banner_id).first()
    if banner is None:
        raise NotFound("No such banner.")
    uploads.record_delete(banner)


def banners_cleanup() -> uploads.CleanupResult:
    return uploads.cleanup_stale_uploads(
        Banner.objects.all(),
        subject="Banner cleanup Notification",
        message="Cleanup completed. Deleted {count} outdated banners",
    )
