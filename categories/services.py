"""Categories: upload URL (create or replace the image) and deletion (landing and cleanup:
ecommerce/uploads.py)."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from categories.models import Category
from categories.selectors import categories_by_name
from ecommerce import uploads
from ecommerce.errors import NotFound


def category_upload_start(*, name: str, file_name: str, content_type: str) -> tuple[Category, str]:
    """A presigned PUT URL for the category's image, creating the category (pending) if new.

    For an existing category (same name, any case) the current image stays listed until
    the new one has landed and passed the checks; then the old object is deleted.
    """
    with transaction.atomic():
        category = categories_by_name(name).select_for_update().first()
        if category is None:
            try:
                with transaction.atomic():
                    category = Category(name=name)
                    url = uploads.upload_start(
                        category, file_name=file_name, content_type=content_type
                    )
                return category, url
            except IntegrityError:
                # Created by a concurrent request since we looked: use that one.
                category = categories_by_name(name).select_for_update().get()
        url = uploads.upload_start(category, file_name=file_name, content_type=content_type)
    return category, url


def category_delete(*, name: str) -> None:
    category = categories_by_name(name).first()
    if category is None:
        raise NotFound("No such category.")
    uploads.record_delete(category)
