"""Products: the verbs. Nothing outside `products/` writes product rows."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import NoReturn

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from ecommerce import uploads
from ecommerce.email import send_email
from ecommerce.errors import Conflict, NotFound
from ecommerce.events import S3Object
from products.cache import (
    bump_after_commit_sql as bump_after_commit_sql,  # re-exported: for orders' placing SQL
)
from products.cache import catalogue_changed
from products.models import Product, ProductImage, ProductStatus

logger = logging.getLogger(__name__)


class ProductNotFound(NotFound):
    code = "product_not_found"

    def __init__(self, message: str = "No such product.", **kwargs):
        super().__init__(message, **kwargs)


class InsufficientStock(Conflict):
    """Fewer items in stock than asked for; `available` is in the error body."""

    code = "insufficient_stock"

    def __init__(self, *, available: int, requested: int):
        super().__init__(
            f"Only {available} in stock, {requested} requested.",
            extra={"available": available},
        )
        self.available = available


# --- stock (used by orders) ------------------------------------------------------------------


# A price with the field's own decimal places (what stock_reserve hands back).
_PRICE_QUANTUM = Decimal(1).scaleb(-Product._meta.get_field("price").decimal_places)


@dataclass(frozen=True)
class Reservation:
    """What an order needs to know about the product it reserved from."""

    id: uuid.UUID
    product_name: str
    price: Decimal
    quantity: int  # left in stock after this reservation


def stock_reserve_sql(*, product_id: uuid.UUID, quantity: int) -> tuple[str, list]:
    """The conditional UPDATE that takes stock, as SQL and its parameters.

    It returns `id, product_name, price, quantity` (left) when it took the stock, and no
    row otherwise. `stock_reserve` runs it alone; orders.services runs it as the first part
    of one statement that also writes the order (a PostgreSQL data-modifying CTE). Whoever
    runs it reports the outcome: `stock_reserved(row)` or `stock_reserve_refused(...)`.
    """
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    sql = (
        f"UPDATE {Product._meta.db_table} SET quantity = quantity - %s "
        "WHERE id = %s AND status = %s AND quantity >= %s "
        "RETURNING id, product_name, price, quantity"
    )
    product_pk = Product._meta.pk.get_db_prep_value(product_id, connection)
    return sql, [quantity, product_pk, ProductStatus.APPROVED.value, quantity]


def stock_reserved(row: tuple, *, bumped: bool = False) -> Reservation:
    """The reservation a row of `stock_reserve_sql` stands for; the catalogue shows the new
    stock once the caller's transaction commits (`bumped`: the caller's statement bumped the
    catalogue version itself, with bump_after_commit_sql)."""
    if not bumped:
        catalogue_changed()
    product_id, name, price, left = row
    # SQLite hands a decimal back as a float: the field's own places, as the ORM would.
    price = Decimal(str(price)).quantize(_PRICE_QUANTUM)
    return Reservation(id=uuid.UUID(str(product_id)), product_name=name, price=price, quantity=left)


def stock_reserve_refused(*, product_id: uuid.UUID, quantity: int) -> NoReturn:
    """Why `stock_reserve_sql` returned no row: ProductNotFound or InsufficientStock."""
    available = (
        Product.objects.filter(pk=product_id, status=ProductStatus.APPROVED)
        .values_list("quantity", flat=True)
        .first()
    )
    if available is None:
        raise ProductNotFound()
    raise InsufficientStock(available=available, requested=quantity)


def stock_reserve(*, product_id: uuid.UUID, quantity: int) -> Reservation:
    """Take `quantity` items of an approved product out of stock.

    One conditional UPDATE (RETURNING what the order snapshots), so concurrent
    reservations can never sell more than the stock. Call it inside the caller's
    transaction: a rollback puts the stock back. Raises `ProductNotFound` (unknown or not
    approved) or `InsufficientStock`.
    """
    sql, params = stock_reserve_sql(product_id=product_id, quantity=quantity)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        stock_reserve_refused(product_id=product_id, quantity=quantity)
    return stock_reserved(row)


def stock_release(*, product_id: uuid.UUID, quantity: int) -> None:
    """Put `quantity` items back in stock (a cancelled or failed order), whatever the status.

    A product deleted since is not an error: there is nothing to put the items back into.
    """
    if quantity <= 0:
        raise ValueError("quantity must be positive")
    released = Product.objects.filter(pk=product_id).update(quantity=F("quantity") + quantity)
    catalogue_changed()
    if not released:
        logger.warning(
            "stock release for a missing product",
            extra={"product_id": str(product_id), "quantity": quantity},
        )


# --- submission and the image ------------------------------------------------------------------


def product_submit(
    *,
    owner: User,
    file_name: str,
    content_type: str,
    product_name: str,
    price: Decimal,
    description: str,
    quantity: int,
    category: str,
) -> tuple[Product, str]:
    """Store a pending product owned by `owner`; returns it and the PUT URL for its image."""
    with transaction.atomic():
        image = ProductImage()
        url = uploads.upload_start(image, file_name=file_name, content_type=content_type)
        product = Product.objects.create(
            owner=owner,
            seller_email=owner.email,
            product_name=product_name,
            price=price,
            description=description,
            quantity=quantity,
            category=category,
            file_name=image.upload_key.split("/", 1)[1],
            image=image,
        )
    logger.info("product submitted", extra={"product_id": str(product.id)})
    return product, url


def product_image_landed(obj: S3Object) -> uploads.Outcome:
    """The events process's handler for the products bucket (settings.EVENT_HANDLERS)."""
    outcome = uploads.image_landed(ProductImage, obj)
    catalogue_changed()  # a live image may have been replaced or taken down
    return outcome


def product_delete(product: Product) -> None:
    """Delete a product and its image objects in S3."""
    if product.image_id:
        uploads.record_delete(product.image)  # the product goes with its image
    else:
        product.delete()
    catalogue_changed()


def products_cleanup() -> uploads.CleanupResult:
    """Delete unapproved products whose image never landed (approved ones are never touched)."""
    return uploads.cleanup_stale_uploads(
        ProductImage.objects.exclude(product__status=ProductStatus.APPROVED),
        subject="Product cleanup Notification",
        message="Cleanup completed. Deleted {count} outdated products",
    )


# --- review --------------------------------------------------------------------------------------


class ReviewRefused(Conflict):
    """The product's state does not allow this decision."""


class ImageMissing(ReviewRefused):
    code = "image_missing"


class AlreadyApproved(ReviewRefused):
    code = "already_approved"


def product_approve(*, product_id: uuid.UUID, by: User) -> Product:
    """Approve a pending or rejected product (its image must have landed) and email the seller.

    Approving an approved product changes nothing; its email is only (re)tried if it was
    never sent. Raises ProductNotFound, ImageMissing, or AwsUnavailable when SES is down
    (the approval stands; approving again sends the email).
    """
    with transaction.atomic():
        product = _product_for_review(product_id)
        if product.status != ProductStatus.APPROVED:
            if not product.has_image:
                raise ImageMissing("The product's image has not landed; it cannot be approved.")
            product.status = ProductStatus.APPROVED
            product.rejection_reason = ""
            _record_review(product, by)
            catalogue_changed()
            logger.info("product approved", extra={"product_id": str(product.id)})
    _send_decision_email(product, ProductStatus.APPROVED)
    return product


def product_reject(*, product_id: uuid.UUID, by: User, reason: str) -> Product:
    """Reject a pending product with a reason and email the seller.

    Rejecting a rejected product changes nothing (the first reason stands); an approved
    product cannot be rejected (409). Raises ProductNotFound, AlreadyApproved, or
    AwsUnavailable when SES is down (the rejection stands; rejecting again sends the email).
    """
    with transaction.atomic():
        product = _product_for_review(product_id)
        if product.status == ProductStatus.APPROVED:
            raise AlreadyApproved("The product is approved; it can no longer be rejected.")
        if product.status == ProductStatus.PENDING:
            product.status = ProductStatus.REJECTED
            product.rejection_reason = reason
            _record_review(product, by)
            logger.info("product rejected", extra={"product_id": str(product.id)})
    _send_decision_email(product, ProductStatus.REJECTED)
    return product


def _product_for_review(product_id: uuid.UUID) -> Product:
    product = (
        Product.objects.select_for_update(of=("self",))  # PostgreSQL: not the outer-joined image
        .select_related("image")
        .filter(pk=product_id)
        .first()
    )
    if product is None:
        raise ProductNotFound()
    return product


def _record_review(product: Product, by: User) -> None:
    product.reviewed_by = by
    product.reviewed_at = timezone.now()
    product.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])


# The decision emails: which field records each one's SES message id.
_EMAIL_FIELD = {
    ProductStatus.APPROVED: "approval_email_message_id",
    ProductStatus.REJECTED: "rejection_email_message_id",
}
_SENDING = "sending"  # claimed by a sender, message id not known yet


def _send_decision_email(product: Product, decision: ProductStatus) -> None:
    """Email the seller about `decision`, at most once per product and decision.

    The send is claimed with a conditional update first, so concurrent calls cannot both
    send; a failed send gives the claim back so that the next call retries it.
    """
    field = _EMAIL_FIELD[decision]
    rows = Product.objects.filter(pk=product.pk, status=decision)
    if not rows.filter(**{field: ""}).update(**{field: _SENDING}):
        return
    subject, body = _decision_email(product, decision)
    try:
        message_id = send_email(to=product.seller_email, subject=subject, body=body)
    except Exception:
        rows.filter(**{field: _SENDING}).update(**{field: ""})
        raise
    rows.filter(**{field: _SENDING}).update(**{field: message_id})
    setattr(product, field, message_id)


def _decision_email(product: Product, decision: ProductStatus) -> tuple[str, str]:
    if decision == ProductStatus.APPROVED:
        return (
            "Your product has been approved",
            f'Your product "{product.product_name}" ({product.id}) has been approved and is '
            "now listed in the catalogue.",
        )
    return (
        "Your product was not approved",
        f'Your product "{product.product_name}" ({product.id}) was not approved.\n\n'
        f"Reason: {product.rejection_reason}",
    )
