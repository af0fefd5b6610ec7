import uuid

from django.db import models

from ecommerce.uploads import ImageUpload


class Banner(ImageUpload):
    """A storefront banner: nothing but its image (uploaded straight to S3)."""

    upload_purpose = "banners"
    cleanup_notice = (
        "Banner cleanup Notification",
        "Cleanup completed. Deleted {count} outdated banners",
    )

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    def __str__(self) -> str:
        return f"banner {self.id}"
