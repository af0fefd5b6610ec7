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
from products.models import MAX_IMAGES, MAX_STOCK

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


class CatalogueFilterQuery(serializers.Serializer):
    category = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text="Exact, case-insensitive."
    )
    search = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        help_text="Full-text in name, category and description: every word must match, "
        "the last one also as the start of a word (`snea` finds sneakers).",
    )


class ProductListQuery(CatalogueFilterQuery, ProductPageQuery):
    ordering = serializers.ChoiceField(
        choices=selectors.ORDERING_CHOICES,
        required=False,
        help_text="`relevance` (best match first) is the default with `search`; "
        "`-createdAt` without (where `relevance` means it too).",
    )


class FacetCategoryOutput(serializers.Serializer):
    category = serializers.CharField()
    count = serializers.IntegerField()


class FacetPriceBandOutput(serializers.Serializer):
    min = serializers.IntegerField(help_text="Prices from this (included).")
    max = serializers.IntegerField(
        allow_null=True, help_text="Up to this (excluded); null: no limit."
    )
    count = serializers.IntegerField()


class FacetsOutput(serializers.Serializer):
    total = serializers.IntegerField(
        help_text="Products for sale matching the search (and the category, when given)."
    )
    categories = FacetCategoryOutput(
        many=True, help_text="Matches per category (whatever `category` is), most first."
    )
    priceBands = FacetPriceBandOutput(  # noqa: N815
        source="price_bands", many=True, help_text="Matches per price band, in the category."
    )


class ImageOrderInput(serializers.Serializer):
    imageIds = serializers.ListField(  # noqa: N815
        child=StrictUUIDField(),
        min_length=1,
        max_length=MAX_IMAGES,
        help_text="Every image of the product, once each, in the new order.",
    )


class ImageUploadOutput(serializers.Serializer):
    uploadUrl = serializers.URLField()  # noqa: N815
    imageId = serializers.UUIDField()  # noqa: N815
    productId = serializers.UUIDField()  # noqa: N815


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
        source="image_url", help_text="The main image as uploaded; empty until one has landed."
    )
    thumbnailUrl = serializers.CharField(  # noqa: N815
        source="thumbnail_url",
        help_text="The main image's 256-pixel WebP rendition; empty until one has landed.",
    )
    isApproved = serializers.BooleanField(source="is_approved")  # noqa: N815
    createdAt = serializers.DateTimeField(source="created_at")  # noqa: N815


class RenditionOutput(serializers.Serializer):
    size = serializers.IntegerField(help_text="The preset: the long side is at most this.")
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.URLField(help_text="A WebP image (`image/webp`).")


class ProductImageOutput(serializers.Serializer):
    """One of a product's images, in order: the first landed one is the main image."""

    id = serializers.UUIDField()
    position = serializers.IntegerField()
    imageUrl = serializers.CharField(  # noqa: N815
        source="image_url", help_text="As uploaded; empty until it has landed."
    )
    renditions = RenditionOutput(many=True, help_text="Smallest first; empty until landed.")


class ProductImagePrivateOutput(ProductImageOutput):
    status = serializers.ChoiceField(
        choices=["pending", "ready", "rejected"], help_text="The upload's state."
    )
    rejectionReason = serializers.CharField(source="rejection_reason")  # noqa: N815


class ProductImageDetailOutput(ProductImagePrivateOutput):
    """An image in the detail: its upload's state for the owner and staff only."""

    def get_fields(self):
        fields = super().get_fields()
        for name in fields.keys() - ProductImageOutput._declared_fields.keys():
            fields[name].required = False
        return fields


class ProductPublicOutput(ProductOutput):
    """One product for sale as anyone sees it: with its landed images."""

    images = ProductImageOutput(many=True)


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
    """What the owner and staff see: with its review and every image with its state."""

    images = ProductImagePrivateOutput(many=True)

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
        help_text="ready once an image has landed; else the first image's upload state.",
    )
    imageRejectionReason = serializers.CharField(source="image_rejection_reason")  # noqa: N815
    revision = ProductRevisionOutput(
        allow_null=True, help_text="The last edit that needed a review; null: none."
    )


# Not a oneOf of the public and private shapes: a private answer matches both.
class ProductDetailOutput(ProductPrivateOutput):
    """One product; the review fields only for its owner and staff."""

    images = ProductImageDetailOutput(many=True, help_text="Anyone else sees the landed ones.")

    def get_fields(self):
        fields = super().get_fields()
        for name in fields.keys() - ProductPublicOutput._declared_fields.keys():
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
