from django.db import models

from ecommerce.fields import fold
from ecommerce.uploads import ImageUpload


class Category(ImageUpload):
    """A product category with its image; names are unique regardless of case."""

    upload_purpose = "categories"
    cleanup_notice = (
        "Category cleanup Notification",
        "Cleanup completed. Deleted {count} outdated categories",
    )

    name = models.CharField(max_length=100)
    name_key = models.CharField(max_length=100, unique=True, editable=False)  # fold(name)

    class Meta(ImageUpload.Meta):
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs):
        self.name_key = fold(self.name)
        super().save(*args, **kwargs)
