"""Products: the verbs. Nothing outside `products/` writes product rows."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from ecommerce import uploads
from ecommerce.email import email_queue
from products.cache import catalogue_changed
from products.errors import (
    AlreadyApproved,
    ImageMissing,
    InsufficientStock,
    ProductNotFound,
    ProductUnavailable,
    Shortfall,
)
from products.models import APPROVED, Product, ProductImage, ProductStatus

logger = logging.getLogger(__name__)

APPROVED_STATUS = ProductStatus.APPROVED.value
_PRICE = Product._meta.get_field("price")


# --- stock (used by orders) ------------------------------------------------------------------


@dataclass(frozen=True)
class Reservation:
    """What an order line needs to know about the product it reserved from."""

    id: uuid.UUID
    product_name: str
    price: Decimal
    quantity: int  # taken by this reservation


def stock_reserve(lines: Mapping[uuid.UUID, int]) -> list[Reservation]:
    """Take each product's quantity out of stock, all or nothing; the reservations come in
    product id order.

    One conditional UPDATE per product, so concurrent reservations can never sell more than
    the stock, in product id order, so that two reservations sharing products take their row
    locks in the same order and never deadlock. Call it inside the caller's transaction:
    on an error the caller's rollback puts back what was taken. Raises `ProductUnavailable`
    (unknown or not approved) or `InsufficientStock`, naming every such product.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("stock_reserve needs the caller's transaction")
    if not lines or min(lines.values()) <= 0:
        raise ValueError("every quantity must be positive")
    ordered = sorted(lines)
    reserved = []
    for product_id in ordered:
        row = _take(product_id, lines[product_id])
        while row is None:
            _refuse_shortfalls({p: lines[p] for p in ordered[len(reserved) :]})
            # Nothing is short now: stock came back since the update missed. Take it again.
            row = _take(product_id, lines[product_id])
        name, price = row
        reserved.append(
            Reservation(
                id=product_id,
                product_name=name,
                price=_PRICE.to_python(price),  # SQLite's cursor gives a float
                quantity=lines[product_id],
            )
        )
    catalogue_changed()
    return reserved


def _take(product_id: uuid.UUID, quantity: int) -> tuple[str, Decimal] | None:
    """The conditional UPDATE of one product's stock: (name, price), or None when the
    product is not for sale or has fewer than `quantity` left."""
    # Raw SQL for RETURNING, which QuerySet.update() cannot say; the same on every database.
    # Only the model's own table name is formatted in; every value is a bound parameter.
    table, pk = Product._meta.db_table, Product._meta.pk
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET quantity = quantity - %s "  # nosec B608
            "WHERE id = %s AND status = %s AND quantity >= %s "
            "RETURNING product_name, price",
            [quantity, pk.get_db_prep_value(product_id, connection), APPROVED_STATUS, quantity],
        )
        return cursor.fetchone()


def _refuse_shortfalls(rest: Mapping[uuid.UUID, int]) -> None:
    """Raise naming every product of `rest` (the one that could not be taken and those not
    tried yet) that is not for sale or short, if any is."""
    available = dict(
        Product.objects.filter(APPROVED, pk__in=list(rest)).values_list("id", "quantity")
    )
    unavailable = [p for p in rest if p not in available]
    if unavailable:
        raise ProductUnavailable(product_ids=unavailable)
    short = [
        Shortfall(product_id=p, requested=q, available=available[p])
        for p, q in rest.items()
        if available[p] < q
    ]
    if short:
        raise InsufficientStock(lines=short)


def stock_release(lines: Mapping[uuid.UUID, int]) -> None:
    """Put each product's quantity back in stock (a cancelled or failed order), whatever
    its status, in product id order as `stock_reserve` takes it.

    A product deleted since is not an error: there is nothing to put the items back into.
    """
    if lines and min(lines.values()) <= 0:
        raise ValueError("every quantity must be positive")
    for product_id in sorted(lines):
        released = Product.objects.filter(pk=product_id).update(
            quantity=F("quantity") + lines[product_id]
        )
        if not released:
            logger.warning(
                "stock release for a missing product",
                extra={"product_id": str(product_id), "quantity": lines[product_id]},
            )
    catalogue_changed()


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


def product_image_upload_start(
    *, product_id: uuid.UUID, user: User, file_name: str, content_type: str
) -> tuple[Product, str]:
    """A new upload URL for the image of a product not approved yet (its image was refused,
    or never arrived): for its owner, or staff. The product's current image, if any, stays
    until the new one lands; a late upload through an older URL is deleted, as any upload no
    record awaits. Raises ProductNotFound (unknown, or someone else's) or AlreadyApproved."""
    with transaction.atomic():
        product = (
            Product.objects.select_for_update(of=("self",))
            .select_related("image")
            .filter(pk=product_id)
            .first()
        )
        if product is None or not (user.is_staff or product.owner_id == user.pk):
            raise ProductNotFound()
        if product.status == ProductStatus.APPROVED:
            raise AlreadyApproved("The product is approved; its image cannot be replaced here.")
        image = product.image or ProductImage()
        url = uploads.upload_start(image, file_name=file_name, content_type=content_type)
        product.image = image
        product.file_name = image.upload_key.split("/", 1)[1]
        product.save(update_fields=["image", "file_name"])
    logger.info("product image upload restarted", extra={"product_id": str(product.id)})
    return product, url


def product_delete(product: Product) -> None:
    """Delete a product and its image objects in S3."""
    if product.image_id:
        uploads.record_delete(product.image)  # the product goes with its image
    else:
        product.delete()
    catalogue_changed()


# --- review --------------------------------------------------------------------------------------


def product_approve(*, product_id: uuid.UUID, by: User) -> Product:
    """Approve a pending or rejected product (its image must have landed); the seller's
    email is queued with the decision.

    Approving an approved product changes nothing. Raises ProductNotFound or ImageMissing.
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
    return product


def product_reject(*, product_id: uuid.UUID, by: User, reason: str) -> Product:
    """Reject a pending product with a reason; the seller's email is queued with it.

    Rejecting a rejected product changes nothing (the first reason stands); an approved
    product cannot be rejected (409). Raises ProductNotFound or AlreadyApproved.
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
    """Save the decision, and queue the seller's email about it in the same transaction."""
    product.reviewed_by = by
    product.reviewed_at = timezone.now()
    product.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    subject, body = _decision_email(product)
    email_queue(
        key=f"product:{product.id}:{product.status}",
        to=product.seller_email,
        subject=subject,
        body=body,
    )


def _decision_email(product: Product) -> tuple[str, str]:
    if product.status == ProductStatus.APPROVED:
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
