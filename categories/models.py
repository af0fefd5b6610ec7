from django.db import models
from django.db.models.functions import Lower

from ecommerce.uploads import ImageUpload


class Category(ImageUpload):
    """A product category with its image; names are unique regardless of case."""

    upload_purpose = "categories"
    cleanup_notice = (
        "Category cleanup Notification",
        "Cleanup completed. Deleted {count} outdated categories",
    )

    name = models.CharField(max_length=100)

    class Meta(ImageUpload.Meta):
        verbose_name_plural = "categories"
        constraints = [
            models.UniqueConstraint(Lower("name"), name="categories_category_name_ci_unique")
        ]

    def __str__(self) -> str:
        return self.name
