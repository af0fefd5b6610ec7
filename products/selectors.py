"""Products: the reads. Rows are `.values()` dicts holding what the output shapes
(products/serializers.py) read; every page is one query."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    Count,
    ExpressionWrapper,
    JSONField,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Lower

from accounts.models import User
from ecommerce.pagination import Page, aware_datetime, keyset_page
from ecommerce.uploads import ImageStatus
from products.errors import ProductNotFound
from products.models import (
    FOR_SALE,
    ORDER_REASONS,
    Product,
    ProductImage,
    ProductStatus,
    StockMovement,
)
from products.search import matching, search_terms

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

# API name → (model field, how a cursor's value is read back from its text).
ORDERINGS = {
    "createdAt": ("created_at", aware_datetime),
    "productPrice": ("price", Decimal),
    "productName": ("product_name", str),
}
DEFAULT_ORDERING = "-createdAt"
# Best match first (products/search.py): only with a search, where it is the default.
RELEVANCE = "relevance"
ORDERING_CHOICES = [RELEVANCE, *(f"{sign}{name}" for name in ORDERINGS for sign in ("", "-"))]

# The price bands of the facets: [low, high) in the shop's currency, the last open-ended.
PRICE_BANDS = [(0, 10), (10, 25), (25, 50), (50, 100), (100, 250), (250, 500), (500, None)]

# The thumbnail the catalogue shows: this rendition of the main image.
THUMBNAIL_SIZE = 256

# A revision's columns, nested as `revision` by `_rows` (None when there is none).
_REVISION = [
    "id",
    "product_name",
    "description",
    "category",
    "status",
    "rejection_reason",
    "created_at",
    "reviewed_at",
]

# The columns the output shapes read (products/serializers.py); `_rows` adds the rest.
_PUBLIC = [
    "id",
    "file_name",
    "product_name",
    "price",
    "description",
    "quantity",
    "category",
    "created_at",
    "status",
]
_PRIVATE = [
    *_PUBLIC,
    "listed",
    "rejection_reason",
    "seller_email",
    "reviewed_at",
    "owner_id",
    *(f"revision__{name}" for name in _REVISION),
]
# An image as the detail shows it (`images`, in order).
_IMAGE = ["id", "position", "status", "image_url", "renditions", "rejection_reason"]

# A product's main image: its first ready one. The catalogue reads its URL and renditions
# with the page, in the same query (an index seek per row: products_image_order_idx).
_MAIN_IMAGE = ProductImage.objects.filter(
    product=OuterRef("pk"), status=ImageStatus.READY
).order_by("position", "id")
MAIN_IMAGE_URL = Subquery(_MAIN_IMAGE.values("image_url")[:1])
_WITH_MAIN_IMAGE = {
    "image_url": MAIN_IMAGE_URL,
    "main_renditions": Subquery(_MAIN_IMAGE.values("renditions")[:1], output_field=JSONField()),
}

# Built once and derived for each request (a queryset is cloned by every filter, never
# changed): the query is resolved once, not on every page (docs/performance.md).
_CATALOGUE = Product.objects.filter(FOR_SALE).values(*_PUBLIC).annotate(**_WITH_MAIN_IMAGE)
_FOR_SALE_ROWS = Product.objects.filter(FOR_SALE)
# Whether a row is for sale, by the one rule (products.models.FOR_SALE).
_FOR_SALE = ExpressionWrapper(FOR_SALE, output_field=BooleanField())
_PRIVATE_ROWS = (
    Product.objects.annotate(
        for_sale=_FOR_SALE,
        # Units in live orders: minus the sum of the order movements of the stock ledger.
        units_sold=-StockMovement.total(reason__in=ORDER_REASONS),
    )
    .values(*_PRIVATE, "for_sale", "units_sold")
    .annotate(**_WITH_MAIN_IMAGE)
)

# GET /products/mine?status=: a review status, or "delisted" (approved, taken off sale).
OWNER_FILTERS = {
    "pending": Q(status=ProductStatus.PENDING),
    "approved": FOR_SALE,
    "rejected": Q(status=ProductStatus.REJECTED),
    "delisted": Q(listed=False),
}


def _thumbnail(renditions: list[dict] | None) -> str:
    found = [r["url"] for r in renditions or () if r["size"] == THUMBNAIL_SIZE]
    return found[0] if found else ""


def _rows(rows: list[dict], *, images: bool = False) -> list[dict]:
    """Rows with the values the shapes read beside the columns: whether the product is
    approved, its main image's URL and thumbnail ("" until an image has landed), and with
    `images` every image in order (one more query for all the rows), and for private rows
    the main upload's state."""
    by_product: dict[uuid.UUID, list[dict]] = {row["id"]: [] for row in rows}
    if images:
        found = ProductImage.objects.filter(product__in=list(by_product)).order_by(
            "product", "position", "id"
        )
        for image in found.values("product_id", *_IMAGE):
            by_product[image.pop("product_id")].append(image)
    for row in rows:
        row["is_approved"] = row["status"] == ProductStatus.APPROVED
        row["image_url"] = row["image_url"] or ""
        row["thumbnail_url"] = _thumbnail(row.pop("main_renditions"))
        if images:
            row["images"] = by_product[row["id"]]
        if "revision__id" in row:
            # The image upload's state: ready once one has landed, else the first one's.
            first = row["images"][0] if row["images"] else None
            row["image_status"] = (
                "ready" if row["image_url"] else first["status"] if first else "pending"
            )
            row["image_rejection_reason"] = first["rejection_reason"] if first else ""
            revision = {name: row.pop(f"revision__{name}") for name in _REVISION}
            row["revision"] = revision if revision["id"] is not None else None
    return rows


def _page(
    queryset: QuerySet, *, ordering: str, page_size: int, cursor: str | None, images: bool
) -> Page:
    if ordering == RELEVANCE:
        order_by, parse = "-relevance", float
    else:
        field, parse = ORDERINGS[ordering.lstrip("-")]
        order_by = f"{'-' if ordering.startswith('-') else ''}{field}"
    page = keyset_page(queryset, order_by=order_by, parse=parse, page_size=page_size, cursor=cursor)
    return Page(_rows(page.items, images=images), page.next_cursor)


def _catalogue_filtered(queryset: QuerySet, category: str | None, terms: list[str]) -> QuerySet:
    if category:
        queryset = queryset.alias(category_lower=Lower("category")).filter(
            category_lower=Lower(Value(category))
        )
    return matching(queryset, terms) if terms else queryset


def catalogue_ordering(ordering: str | None, search: str | None) -> str:
    """The ordering a catalogue query gets: as asked, else by relevance when searching and
    newest first when not (relevance without search words is newest first too)."""
    if not search_terms(search or ""):
        return DEFAULT_ORDERING if ordering in (None, RELEVANCE) else ordering
    return ordering or RELEVANCE


def products_approved_page(
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    ordering: str | None = None,
    category: str | None = None,
    search: str | None = None,
) -> Page:
    """The public catalogue: products for sale, one query per page, each row with its main
    image and thumbnail.

    `category` is exact but case-insensitive (the Lower(category) index); `search` is
    full-text over name, category and description (products/search.py). The filters and
    the keyset match the indexes (products/models.py).
    """
    queryset = _catalogue_filtered(_CATALOGUE, category, search_terms(search or ""))
    return _page(
        queryset,
        ordering=catalogue_ordering(ordering, search),
        page_size=page_size,
        cursor=cursor,
        images=False,
    )


def catalogue_facets(*, search: str | None = None, category: str | None = None) -> dict:
    """Counts for a filter sidebar, in one query: products for sale matching `search` per
    category (whatever `category` is, so the sidebar can switch), and per price band within
    `category` when given."""
    terms = search_terms(search or "")
    queryset = _catalogue_filtered(_FOR_SALE_ROWS, None, terms)
    bands = {
        f"band_{i}": Count(
            "pk", filter=Q(price__gte=low) & (Q() if high is None else Q(price__lt=high))
        )
        for i, (low, high) in enumerate(PRICE_BANDS)
    }
    rows = (
        queryset.values(category_lower=Lower("category"))
        .annotate(name=Min("category"), count=Count("pk"), **bands)
        .order_by("-count", "category_lower")
    )
    chosen = category.lower() if category else None
    categories, band_counts = [], [0] * len(PRICE_BANDS)
    for row in rows:
        categories.append({"category": row["name"], "count": row["count"]})
        if chosen is None or row["category_lower"] == chosen:
            for i in range(len(PRICE_BANDS)):
                band_counts[i] += row[f"band_{i}"]
    return {
        "total": sum(band_counts),
        "categories": categories,
        "price_bands": [
            {"min": low, "max": high, "count": count}
            for (low, high), count in zip(PRICE_BANDS, band_counts, strict=True)
        ],
    }


def products_of_owner_page(
    *,
    owner: User,
    page_size: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    status: str | None = None,
) -> Page:
    """A seller's own submissions, newest first (private rows, with units sold); `status`
    one of OWNER_FILTERS."""
    queryset = _PRIVATE_ROWS.filter(owner=owner)
    if status:
        queryset = queryset.filter(OWNER_FILTERS[status])
    return _page(
        queryset, ordering=DEFAULT_ORDERING, page_size=page_size, cursor=cursor, images=True
    )


def product_for_viewer(*, product_id: uuid.UUID, user: User | None) -> tuple[dict, bool]:
    """One product and whether the viewer sees its private shape: those for sale for
    anyone, every one for its owner and staff; anything else is ProductNotFound."""
    row = _PRIVATE_ROWS.filter(pk=product_id).first()
    if row is None:
        raise ProductNotFound()
    _rows([row], images=True)
    if user is not None and (user.is_staff or user.pk == row["owner_id"]):
        return row, True
    if row["for_sale"]:
        # Anyone sees the images that have landed, not the uploads in progress.
        row["images"] = [i for i in row["images"] if i["status"] == ImageStatus.READY]
        return row, False
    raise ProductNotFound()


@dataclass(frozen=True)
class Offer:
    """A product as a basket shows it: its current name and price, and how many can be
    bought now (0 when it is not for sale)."""

    id: uuid.UUID
    product_name: str
    price: Decimal
    available: int


def offers(product_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, Offer]:
    """The products of `product_ids` that exist, by id, in one query."""
    rows = (
        Product.objects.filter(pk__in=list(product_ids))
        .annotate(for_sale=_FOR_SALE)
        .values_list("id", "product_name", "price", "quantity", "for_sale")
    )
    return {
        pk: Offer(pk, name, price, quantity if for_sale else 0)
        for pk, name, price, quantity, for_sale in rows
    }


def offer_for_sale(product_id: uuid.UUID) -> Offer:
    """One approved product's offer; ProductNotFound when it is unknown or not for sale."""
    row = (
        Product.objects.filter(FOR_SALE, pk=product_id)
        .values_list("id", "product_name", "price", "quantity")
        .first()
    )
    if row is None:
        raise ProductNotFound()
    return Offer(*row)
