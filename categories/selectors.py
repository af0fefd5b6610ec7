from django.db.models import QuerySet, Value
from django.db.models.functions import Lower

from categories.models import Category
from ecommerce.uploads import ImageStatus


def categories_by_name(name: str) -> QuerySet[Category]:
    """The category called `name`, whatever its case (uses the unique index on LOWER(name))."""
    # Both sides lowered by the database, so its idea of case is the one that applies.
    return Category.objects.alias(lower_name=Lower("name")).filter(lower_name=Lower(Value(name)))


def categories_with_image() -> QuerySet[Category]:
    """Categories whose image has landed, by name."""
    return Category.objects.filter(status=ImageStatus.READY).order_by(Lower("name"), "name")
