"""Products: the reads. Rows are `.values()` dicts holding what the output shapes
(products/serializers.py) read; every page is one query."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    BooleanField,
    ExpressionWrapper,
    Q,
    QuerySet,
    Value,
)
from django.db.models.functions import Lower

from accounts.models import User
from ecommerce.pagination import Page, aware_datetime, keyset_page
from products.errors import ProductNotFound
from products.models import FOR_SALE, ORDER_REASONS, Product, ProductStatus, StockMovement

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200

# API name → (model field, how a cursor's value is read back from its text).
ORDERINGS = {
    "createdAt": ("created_at", aware_datetime),
    "productPrice": ("price", Decimal),
    "productName": ("product_name", str),
}
DEFAULT_ORDERING = "-createdAt"
ORDERING_CHOICES = [f"{sign}{name}" for name in ORDERINGS for sign in ("", "-")]

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
    "image__image_url",
]
_PRIVATE = [
    *_PUBLIC,
    "listed",
    "rejection_reason",
    "seller_email",
    "reviewed_at",
    "owner_id",
    "image__status",
    "image__rejection_reason",
    *(f"revision__{name}" for name in _REVISION),
]


# Built once and derived for each request (a queryset is cloned by every filter, never
# changed): the query is resolved once, not on every page (docs/performance.md).
_CATALOGUE = Product.objects.filter(FOR_SALE).values(*_PUBLIC)
# Whether a row is for sale, by the one rule (products.models.FOR_SALE).
_FOR_SALE = ExpressionWrapper(FOR_SALE, output_field=BooleanField())
_PRIVATE_ROWS = Product.objects.annotate(
    for_sale=_FOR_SALE,
    # Units in live orders: minus the sum of the order movements of the stock ledger.
    units_sold=-StockMovement.total(reason__in=ORDER_REASONS),
).values(*_PRIVATE, "for_sale", "units_sold")

# GET /products/mine?status=: a review status, or "delisted" (approved, taken off sale).
OWNER_FILTERS = {
    "pending": Q(status=ProductStatus.PENDING),
    "approved": FOR_SALE,
    "rejected": Q(status=ProductStatus.REJECTED),
    "delisted": Q(listed=False),
}


def _rows(rows: list[dict]) -> list[dict]:
    """Rows with the values the shapes read beside the columns: whether the product is
    approved, and its image's URL and state ("" and "pending" until an image landed)."""
    for row in rows:
        row["is_approved"] = row["status"] == ProductStatus.APPROVED
        row["image_url"] = row.pop("image__image_url") or ""
        if "image__status" in row:
            row["image_status"] = row.pop("image__status") or "pending"
            row["image_rejection_reason"] = row.pop("image__rejection_reason") or ""
            revision = {name: row.pop(f"revision__{name}") for name in _REVISION}
            row["revision"] = revision if revision["id"] is not None else None
    return rows


def _page(queryset: QuerySet, *, ordering: str, page_size: int, cursor: str | None) -> Page:
    field, parse = ORDERINGS[ordering.lstrip("-")]
    sign = "-" if ordering.startswith("-") else ""
    page = keyset_page(
        queryset, order_by=f"{sign}{field}", parse=parse, page_size=page_size, cursor=cursor
    )
    return Page(_rows(page.items), page.next_cursor)


def products_approved_page(
    *,
    page_size: int = DEFAULT_PAGE_SIZE,
    cursor: str | None = None,
    ordering: str = DEFAULT_ORDERING,
    category: str | None = None,
    search: str | None = None,
) -> Page:
    """The public catalogue: approved products only, one query per page.

    `category` is exact but case-insensitive (the Lower(category) index); `search` looks
    in name and description (a scan within the approved rows). The filters and the keyset
    match the partial indexes on approved rows (products/models.py).
    """
    queryset = _CATALOGUE
    if category:
        queryset = queryset.alias(category_lower=Lower("category")).filter(
            category_lower=Lower(Value(category))
        )
    if search:
        queryset = queryset.filter(
            Q(product_name__icontains=search) | Q(description__icontains=search)
        )
    return _page(queryset, ordering=ordering, page_size=page_size, cursor=cursor)


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
    return _page(queryset, ordering=DEFAULT_ORDERING, page_size=page_size, cursor=cursor)


def product_for_viewer(*, product_id: uuid.UUID, user: User | None) -> tuple[dict, bool]:
    """One product and whether the viewer sees its private shape: those for sale for
    anyone, every one for its owner and staff; anything else is ProductNotFound."""
    row = _PRIVATE_ROWS.filter(pk=product_id).first()
    if row is None:
        raise ProductNotFound()
    _rows([row])
    if user is not None and (user.is_staff or user.pk == row["owner_id"]):
        return row, True
    if row["for_sale"]:
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
