"""Input validation and output shapes (camelCase, as the rest of the API)."""

from rest_framework import serializers

from ecommerce.fields import StrictIntegerField
from orders.models import MAX_QUANTITY


class CartLineInput(serializers.Serializer):
    quantity = StrictIntegerField(
        min_value=1, max_value=MAX_QUANTITY, help_text="The quantity wanted (not added to)."
    )


def _money(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=14, decimal_places=2, coerce_to_string=False, **kwargs
    )


class CartLineOutput(serializers.Serializer):
    productId = serializers.UUIDField(source="product_id")  # noqa: N815
    productName = serializers.CharField(source="product_name")  # noqa: N815
    unitPrice = _money(source="unit_price", help_text="The product's current price.")  # noqa: N815
    quantity = serializers.IntegerField()
    lineTotal = _money(source="line_total")  # noqa: N815
    available = serializers.IntegerField(
        help_text="In stock now (0 when the product is no longer for sale); nothing is "
        "reserved before checkout."
    )


class CartOutput(serializers.Serializer):
    lines = CartLineOutput(many=True, help_text="In the order they were added.")
    total = _money()
    updatedAt = serializers.DateTimeField(  # noqa: N815
        source="updated_at", allow_null=True, help_text="null: never used."
    )
