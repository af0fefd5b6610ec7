"""Input validation, and the output shapes (each defined once, here; the schema is theirs)."""

from decimal import Decimal

from rest_framework import serializers

from ecommerce.fields import (
    StrictCharField,
    StrictDecimalField,
    StrictIntegerField,
    StrictUUIDField,
)
from ecommerce.images import ImageUploadInput
from products import selectors
from products.models import MAX_STOCK

MAX_PRICE = Decimal("1000000.00")


def _price(**kwargs) -> StrictDecimalField:
    return StrictDecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        max_value=MAX_PRICE,
        coerce_to_string=False,  # documents it as the JSON number it must be
        **kwargs,
    )


# A product's texts, as submitted and as edited.
NAME = {"max_length": 200}
DESCRIPTION = {"max_length": 5000, "allow_blank": True, "required": False}
CATEGORY = {"max_length": 200}


class ProductSubmitInput(ImageUploadInput):
    # camelCase: the old API's keys (fileName and fileType come from ImageUploadInput).
    productName = StrictCharField(**NAME)  # noqa: N815
    productPrice = _price()  # noqa: N815
    description = StrictCharField(**DESCRIPTION, default="")
    quantity = StrictIntegerField(min_value=1, max_value=MAX_STOCK)
    category = StrictCharField(**CATEGORY)


class ProductSubmitOutput(serializers.Serializer):
    uploadUrl = serializers.URLField()  # noqa: N815
    productId = serializers.UUIDField()  # noqa: N815


class ProductPageQuery(serializers.Serializer):
    pageSize = serializers.IntegerField(  # noqa: N815
        min_value=1, max_value=selectors.MAX_PAGE_SIZE, default=selectors.DEFAULT_PAGE_SIZE
    )
    cursor = serializers.CharField(
        max_length=500, required=False, allow_blank=True, help_text="The previous page's `next`."
    )


class ProductMineQuery(ProductPageQuery):
    status = serializers.ChoiceField(
        choices=list(selectors.OWNER_FILTERS),
        required=False,
        allow_blank=True,
        help_text="Only these: a review status, or `delisted` (taken off sale by you).",
    )


class ProductListQuery(ProductPageQuery):
    category = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Exact, case-insensitive."
    )
    search = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="In name and description."
    )
    ordering = serializers.ChoiceField(
        choices=selectors.ORDERING_CHOICES, default=selectors.DEFAULT_ORDERING
    )


class StockChangeInput(serializers.Serializer):
    """Units to add to the stock, or to remove from it, relative to what it is now."""

    # Documented as the schema's anyOf, each form excluding the other.
    required_any = ("add", "remove")
    forms_exclusive = True

    add = StrictIntegerField(min_value=1, max_value=MAX_STOCK, required=False)
    remove = StrictIntegerField(min_value=1, max_value=MAX_STOCK, required=False)

    def validate(self, attrs):
        if ("add" in attrs) == ("remove" in attrs):
            raise serializers.ValidationError({"add": ["Give either add or remove."]})
        return {"change": attrs["add"] if "add" in attrs else -attrs["remove"]}


class ProductEditInput(serializers.Serializer):
    """What the owner changes: the price at once; name, description and category at once
    until the product is approved, then as a revision staff review."""

    required_any = ("productPrice", "productName", "description", "category")

    productPrice = _price(required=False)  # noqa: N815
    productName = StrictCharField(**NAME, required=False)  # noqa: N815
    description = StrictCharField(**DESCRIPTION)
    category = StrictCharField(**CATEGORY, required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(
                {"productPrice": ["Give at least one of " + ", ".join(self.required_any) + "."]}
            )
        return attrs


class ProductRejectInput(serializers.Serializer):
    reason = StrictCharField(max_length=500)


class RevisionDecisionInput(serializers.Serializer):
    revisionId = StrictUUIDField(  # noqa: N815
        required=False,
        help_text="The revision you reviewed (its `id`): if the seller has replaced it "
        "since, the answer is 409 `revision_changed` and nothing is decided.",
    )


class RevisionRejectInput(RevisionDecisionInput, ProductRejectInput):
    pass


class ProductOutput(serializers.Serializer):
    """A product as anyone may see it (no seller email, no review details), from the
    rows of products/selectors.py."""

    id = serializers.UUIDField()
    fileName = serializers.CharField(source="file_name")  # noqa: N815
    productName = serializers.CharField(source="product_name")  # noqa: N815
    productPrice = serializers.DecimalField(  # noqa: N815
        source="price", max_digits=10, decimal_places=2, coerce_to_string=False
    )
    description = serializers.CharField()
    quantity = serializers.IntegerField()
    category = serializers.CharField()
    imageUrl = serializers.CharField(  # noqa: N815
        source="image_url", help_text="Empty until the image has landed."
    )
    isApproved = serializers.BooleanField(source="is_approved")  # noqa: N815
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815


class ProductRevisionOutput(serializers.Serializer):
    """Changes the seller asked for to an approved product, and their review."""

    id = serializers.UUIDField(help_text="A new one for every edit.")
    productName = serializers.CharField(source="product_name")  # noqa: N815
    description = serializers.CharField()
    category = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["pending", "approved", "rejected"],
        help_text="pending: the approved version stays listed until staff decide.",
    )
    rejectionReason = serializers.CharField(source="rejection_reason")  # noqa: N815
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815
    reviewedAt = serializers.DateTimeField(source="reviewed_at", allow_null=True)  # noqa: N815


class ProductPrivateOutput(ProductOutput):
    """What the owner and staff see: with its review and its image's state."""

    status = serializers.ChoiceField(choices=["pending", "approved", "rejected"])
    listed = serializers.BooleanField(
        help_text="false: taken off sale by its seller (it keeps its review status)."
    )
    unitsSold = serializers.IntegerField(  # noqa: N815
        source="units_sold", help_text="Units in orders not cancelled or failed."
    )
    rejectionReason = serializers.CharField(source="rejection_reason")  # noqa: N815
    sellerEmail = serializers.EmailField(source="seller_email")  # noqa: N815
    reviewedAt = serializers.DateTimeField(source="reviewed_at", allow_null=True)  # noqa: N815
    imageStatus = serializers.ChoiceField(  # noqa: N815
        source="image_status",
        choices=["pending", "ready", "rejected"],
        help_text="The image upload's state.",
    )
    imageRejectionReason = serializers.CharField(source="image_rejection_reason")  # noqa: N815
    revision = ProductRevisionOutput(
        allow_null=True, help_text="The last edit that needed a review; null: none."
    )


# Not a oneOf of the public and private shapes: a private answer matches both.
class ProductDetailOutput(ProductPrivateOutput):
    """One product; the review fields only for its owner and staff."""

    def get_fields(self):
        fields = super().get_fields()
        for name in fields.keys() - ProductOutput._declared_fields.keys():
            fields[name].required = False
            fields[name].help_text = " ".join(
                filter(None, ["The owner and staff only.", fields[name].help_text])
            )
        return fields


class ProductPageOutput(serializers.Serializer):
    products = ProductOutput(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null at the end.")


class ProductPrivatePageOutput(serializers.Serializer):
    products = ProductPrivateOutput(many=True)
    next = serializers.URLField(allow_null=True, help_text="The next page, or null at the end.")
