"""Banners: upload URL and deletion (landing and cleanup: ecommerce/uploads.py)."""

from __future__ import annotations

import uuid

from banners.models import Banner
from ecommerce import uploads
from ecommerce.errors import NotFound


def banner_upload_start(*, file_name: str, content_type: str) -> tuple[Banner, str]:
    """Create a pending banner; returns it and the presigned PUT URL for its image."""
    banner = Banner()
    url = uploads.upload_start(banner, file_name=file_name, content_type=content_type)
    return banner, url


def banner_delete(*, banner_id: uuid.UUID) -> None:
    banner = Banner.objects.filter(pk=banner_id).first()
    if banner is None:
        raise NotFound("No such banner.")
    uploads.record_delete(banner)
