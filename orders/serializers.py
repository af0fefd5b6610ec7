"""Input validation and output shapes (camelCase, as the old API)."""

from rest_framework import serializers

from ecommerce.fields import StrictIntegerField, StrictUUIDField
from ecommerce.openapi import RequestHeaders
from orders import selectors
from orders.models import MAX_LINES, MAX_QUANTITY, OrderStatus

IDEMPOTENCY_KEY_MAX_LENGTH = 255


class OrderItemInput(serializers.Serializer):
    id = StrictUUIDField(help_text="The product's id.")
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)


class OrderCreateInput(serializers.Serializer):
    """One product (`id` and `quantity`, the original body) or several (`items`), not both."""

    # Documented as the schema's anyOf, each form excluding the other's fields.
    required_any = (("id", "quantity"), ("items",))
    forms_exclusive = True

    id = StrictUUIDField(required=False, help_text="The product's id (one-product form).")
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY, required=False)
    items = serializers.ListField(
        child=OrderItemInput(),
        required=False,
        min_length=1,
        max_length=MAX_LINES,
        help_text="The products and their quantities; a product given twice is one line "
        "with the quantities summed.",
    )

    def validate(self, attrs):
        if "items" in attrs:
            if "id" in attrs or "quantity" in attrs:
                raise serializers.ValidationError(
                    {"items": ["Give either id and quantity, or items."]}
                )
            lines: dict = {}
            for item in attrs["items"]:
                lines[item["id"]] = lines.get(item["id"], 0) + item["quantity"]
            return {"lines": lines, "request": {"items": sorted(lines.items())}}
        missing = {name: ["This field is required."] for name in ("id", "quantity")}
        for name in attrs:
            missing.pop(name, None)
        if missing:
            raise serializers.ValidationError(missing)
        return {
            "lines": {attrs["id"]: attrs["quantity"]},
            "request": {"id": attrs["id"], "quantity": attrs["quantity"]},
        }


IDEMPOTENCY_KEY = "Idempotency-Key"


class OrderCreateHeaders(RequestHeaders):
    """The request headers create-order reads."""

    def get_fields(self):
        # A header's name is not a Python identifier, so the field is declared here.
        return {
            IDEMPOTENCY_KEY: serializers.RegexField(
                r"^[\x21-\x7e]+\Z",  # visible ASCII, no spaces
                max_length=IDEMPOTENCY_KEY_MAX_LENGTH,
                required=False,
                error_messages={"invalid": "Use 1 to 255 visible ASCII characters."},
                help_text="Optional, per user. A retry with the same key and body returns the "
                "first answer (with `Idempotent-Replayed: true`) and places nothing; the same "
                "key with another body is 409 `idempotency_key_reused`. Only placed orders "
                "are remembered: a refused request may be retried with its key.",
            )
        }


class OrderPlacedOutput(serializers.Serializer):
    message = serializers.CharField()
    orderId = serializers.UUIDField()  # noqa: N815 - the old API's keys


class OrderTransitionOutput(serializers.Serializer):
    def get_fields(self):
        # "from" is a Python keyword, so the fields are declared here.
        return {
            "from": serializers.ChoiceField(
                source="from_status",
                choices=OrderStatus.choices,
                allow_null=True,
                help_text="null for the placement",
            ),
            "to": serializers.ChoiceField(source="to_status", choices=OrderStatus.choices),
            "at": serializers.DateTimeField(),
            "reason": serializers.CharField(),
        }

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["from"] = data["from"] or None
        return data


class OrderLineOutput(serializers.Serializer):
    productId = serializers.UUIDField(  # noqa: N815
        source="product_id", allow_null=True, help_text="null once the product is deleted"
    )
    productName = serializers.CharField(source="product_name")  # noqa: N815
    unitPrice = serializers.DecimalField(  # noqa: N815
        source="unit_price", max_digits=10, decimal_places=2, coerce_to_string=False
    )
    quantity = serializers.IntegerField()
    lineTotal = serializers.DecimalField(  # noqa: N815
        source="line_total", max_digits=14, decimal_places=2, coerce_to_string=False
    )


SINGLE = "The original API's one-product field: its line's value when the order has one line, "


class OrderOutput(serializers.Serializer):
    orderId = serializers.UUIDField(source="id")  # noqa: N815
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    lines = OrderLineOutput(many=True, help_text="One per product, in product id order.")
    total = serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=False)
    productId = serializers.UUIDField(  # noqa: N815
        source="single_line.product_id",
        allow_null=True,
        help_text=SINGLE + "else null (also null once the product is deleted). Read `lines`.",
    )
    productName = serializers.CharField(  # noqa: N815
        source="single_line.product_name", allow_null=True, help_text=SINGLE + "else null."
    )
    unitPrice = serializers.DecimalField(  # noqa: N815
        source="single_line.unit_price",
        max_digits=10,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        help_text=SINGLE + "else null.",
    )
    quantity = serializers.IntegerField(
        source="single_line.quantity", allow_null=True, help_text=SINGLE + "else null."
    )
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815
    updatedAt = serializers.DateTimeField(source="updated_at")  # noqa: N815
    history = OrderTransitionOutput(many=True, help_text="From the placement on.")


class OrderPageQuery(serializers.Serializer):
    # `?pageSize=` reads as not given (the default), as documented (allowEmptyValue).
    pageSize = serializers.IntegerField(  # noqa: N815
        min_value=1, max_value=selectors.MAX_PAGE_SIZE, default=selectors.DEFAULT_PAGE_SIZE
    )
    cursor = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="The previous page's `next`."
    )


class OrderPageOutput(serializers.Serializer):
    orders = OrderOutput(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null at the end.")
