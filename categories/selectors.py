from django.db.models import QuerySet

from categories.models import Category
from ecommerce.fields import fold
from ecommerce.uploads import ImageStatus


def categories_by_name(name: str) -> QuerySet[Category]:
    """The category called `name`, whatever its case (the unique `name_key`)."""
    return Category.objects.filter(name_key=fold(name))


def categories_with_image() -> QuerySet[Category]:
    """Categories whose image has landed, by name."""
    return Category.objects.filter(status=ImageStatus.READY).order_by("name_key", "name")
