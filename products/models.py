import uuid

from django.conf import settings
from django.db import models, transaction
from django.db.models import Exists, F, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from ecommerce.uploads import STALE_CANDIDATE, ImageUpload
from products.cache import catalogue_changed
from products.search import SearchDocument, SearchDocumentField


class ProductStatus(models.TextChoices):
    PENDING = "pending", "pending review"
    APPROVED = "approved", "approved"
    REJECTED = "rejected", "rejected"


# A product's stock is at most this (submitted, and after restocks).
MAX_STOCK = 1_000_000

# The public catalogue is exactly these rows: approved, and not taken off sale by the seller.
FOR_SALE = models.Q(status=ProductStatus.APPROVED, listed=True)


# A product has at most this many images.
MAX_IMAGES = 8


class ProductImage(ImageUpload):
    """One of a product's images (up to MAX_IMAGES, in `position` order; the first ready one
    is the product's main image), uploaded straight to S3 through the shared mechanism, with
    WebP renditions written at landing.

    Its own row because the mechanism's `status` and `rejection_reason` describe the image
    (pending / ready / rejected upload) while the product's describe the staff review.
    """

    upload_purpose = "products"
    cleanup_notice = (
        "Product cleanup Notification",
        "Cleanup completed. Deleted {count} outdated products",
    )
    # The long side of each rendition: a grid's thumbnail, and a product page's picture.
    rendition_sizes = (256, 1024)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.ForeignKey("Product", on_delete=models.CASCADE, related_name="images")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta(ImageUpload.Meta):
        # The inherited index, renamed: "products_productimage_stale_idx" exceeds 30 chars.
        indexes = [
            models.Index(
                fields=["upload_requested_at"],
                condition=STALE_CANDIDATE,
                name="products_image_stale_idx",
            ),
            # A product's images in order (the catalogue's main image, the gallery).
            models.Index(fields=["product", "position", "id"], name="products_image_order_idx"),
        ]

    def __str__(self) -> str:
        return f"product image {self.id}"

    @classmethod
    def image_changed(cls) -> None:
        catalogue_changed()  # the catalogue shows the image

    @classmethod
    def cleanup_deleted(cls, records: list[ImageUpload]) -> int:
        """The stale images are gone; their products go too when they are not approved and
        have no image left (a submission whose upload never came). Approved products are
        never cleaned up (a lost image is for staff to see). Returns the products deleted."""
        ids = sorted({record.product_id for record in records})
        with transaction.atomic():
            # Locked first, as adding an image locks it: no image is added meanwhile.
            list(Product.objects.select_for_update().filter(pk__in=ids).values_list("pk"))
            imageless = (
                Product.objects.filter(pk__in=ids)
                .exclude(status=ProductStatus.APPROVED)
                .exclude(Exists(cls.objects.filter(product=OuterRef("pk"))))
            )
            return imageless.delete()[1].get(Product._meta.label, 0)


class Product(models.Model):
    """A seller's product. `quantity` is the stock; only `products.stock` changes it, with
    a movement in the stock ledger for every change.

    A product is submitted `pending`; staff approve or reject it (who and when are
    recorded); only approved products are listed and can be ordered, while their seller
    keeps them listed (`listed`: delisting takes a product off sale and keeps its review).
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # SET_NULL: a deleted account must not take other people's order history with it.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="products",
    )
    seller_email = models.EmailField(max_length=254)
    product_name = models.CharField(max_length=200)
    description = models.TextField(max_length=5000, blank=True)
    category = models.CharField(max_length=200)
    price = models.DecimalField(max_digits=10, decimal_places=2)
    quantity = models.IntegerField()
    file_name = models.CharField(max_length=255, blank=True)
    status = models.CharField(
        max_length=10, choices=ProductStatus.choices, default=ProductStatus.PENDING
    )
    listed = models.BooleanField(default=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    rejection_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # The full-text search document, computed by the database from the texts in the same
    # statement that changes them (products/search.py).
    search_document = models.GeneratedField(
        expression=SearchDocument(), output_field=SearchDocumentField(), db_persist=True
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="products_product_quantity_gte_0"
            ),
            models.CheckConstraint(
                condition=models.Q(price__gt=0), name="products_product_price_gt_0"
            ),
        ]
        indexes = [
            # Keyset pagination of the catalogue: (status, value, id) for each ordering. The
            # status leads, rather than a partial index on approved rows, so that a
            # prepared statement's generic plan (status a parameter) can use them.
            models.Index(fields=["status", "created_at", "id"], name="products_new_idx"),
            models.Index(fields=["status", "price", "id"], name="products_price_idx"),
            models.Index(fields=["status", "product_name", "id"], name="products_name_idx"),
            # A category's page, newest first, straight from the index (no sort step).
            models.Index(
                F("status"),
                Lower("category"),
                F("created_at"),
                F("id"),
                name="products_category_idx",
            ),
            # A seller's own submissions, newest first (GET /products/mine).
            models.Index(fields=["owner", "created_at", "id"], name="products_owner_idx"),
        ]

    def __str__(self) -> str:
        return self.product_name

    @property
    def is_approved(self) -> bool:
        return self.status == ProductStatus.APPROVED


class RevisionStatus(models.TextChoices):
    PENDING = "pending", "pending review"
    APPROVED = "approved", "approved"
    REJECTED = "rejected", "rejected"


# The fields a seller's edit of an approved product puts under review (a revision).
REVISED_FIELDS = ["product_name", "description", "category"]


class ProductRevision(models.Model):
    """Changes a seller asked for to an approved product's name, description or category
    (products/revisions.py): the approved version stays listed unchanged until staff approve
    them. One per product: a new edit replaces it (a new id, so each decision's email is
    its own); after the decision it stays, with its status, for the seller to see."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    product = models.OneToOneField(Product, on_delete=models.CASCADE, related_name="revision")
    # The values proposed, all three (those not edited are the live ones).
    product_name = models.CharField(max_length=200)
    description = models.TextField(max_length=5000, blank=True)
    category = models.CharField(max_length=200)
    status = models.CharField(
        max_length=10, choices=RevisionStatus.choices, default=RevisionStatus.PENDING
    )
    rejection_reason = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"changes to {self.product_id} ({self.status})"


class MovementReason(models.TextChoices):
    INITIAL = "initial", "initial stock"
    PLACED = "placed", "order placed"
    CANCELLED = "cancelled", "order cancelled"
    FAILED = "failed", "order failed"
    RESTOCKED = "restocked", "restocked"
    REMOVED = "removed", "removed"


# The movements of orders: the units in live orders are minus their sum.
ORDER_REASONS = [MovementReason.PLACED, MovementReason.CANCELLED, MovementReason.FAILED]


class StockMovement(models.Model):
    """One change of a product's stock, written in the transaction of the change
    (products/stock.py) and never changed after: a product's stock is the sum of its
    movements (`manage.py stock_check` verifies it)."""

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="movements")
    change = models.IntegerField(help_text="Units added (positive) or taken (negative).")
    reason = models.CharField(max_length=10, choices=MovementReason.choices)
    # The order behind it (placed, cancelled, failed), by value: orders are another app's.
    order_id = models.UUIDField(null=True, blank=True)
    # Who did it (initial, restocked, removed).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["product", "at"], name="products_movement_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(change=0), name="products_movement_change_not_0"
            )
        ]

    def __str__(self) -> str:
        return f"{self.change:+d} {self.reason}"

    @classmethod
    def total(cls, **filters) -> Coalesce:
        """The sum of a product's movements (those matching `filters`), 0 without any: an
        expression to annotate Product rows with."""
        per_product = (
            cls.objects.filter(product=OuterRef("pk"), **filters)
            .values("product")
            .annotate(total=Sum("change"))
            .values("total")
        )
        return Coalesce(Subquery(per_product, output_field=models.IntegerField()), Value(0))
