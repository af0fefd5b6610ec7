"""Products: the verbs. Nothing outside `products/` writes product rows."""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from ecommerce import uploads
from ecommerce.email import email_queue
from ecommerce.uploads import ImageStatus
from products import stock
from products.cache import catalogue_changed
from products.errors import (
    AlreadyApproved,
    ImageMissing,
    ImageNotFound,
    ImagesMismatch,
    LastImage,
    ProductNotFound,
    TooManyImages,
)
from products.models import MAX_IMAGES, Product, ProductImage, ProductStatus

logger = logging.getLogger(__name__)

APPROVED_STATUS = ProductStatus.APPROVED.value
_PRICE = Product._meta.get_field("price")


# --- submission and the images -----------------------------------------------------------------


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
    """Store a pending product owned by `owner`; returns it and the PUT URL for its first
    image."""
    with transaction.atomic():
        product = Product.objects.create(
            owner=owner,
            seller_email=owner.email,
            product_name=product_name,
            price=price,
            description=description,
            quantity=quantity,
            category=category,
        )
        image = ProductImage(product=product, position=0)
        url = uploads.upload_start(image, file_name=file_name, content_type=content_type)
        product.file_name = _file_name(image)
        product.save(update_fields=["file_name"])
        stock.stock_initial(product, by=owner)
    logger.info("product submitted", extra={"product_id": str(product.id)})
    return product, url


def product_image_upload_start(
    *, product_id: uuid.UUID, user: User, file_name: str, content_type: str
) -> tuple[Product, str]:
    """A new upload URL for the first image of a product not approved yet (its image was
    refused, or never arrived): for its owner, or staff. The image's current picture, if
    any, stays until the new one lands; a late upload through an older URL is deleted, as
    any upload no record awaits. Raises ProductNotFound (unknown, or someone else's) or
    AlreadyApproved."""
    with transaction.atomic():
        product = product_of_owner(product_id, user, lock=True)
        if product.status == ProductStatus.APPROVED:
            raise AlreadyApproved("The product is approved; its image cannot be replaced here.")
        image = product.images.order_by("position", "id").first() or ProductImage(
            product=product, position=0
        )
        url = uploads.upload_start(image, file_name=file_name, content_type=content_type)
        product.file_name = _file_name(image)
        product.save(update_fields=["file_name"])
    logger.info("product image upload restarted", extra={"product_id": str(product.id)})
    return product, url


def product_image_add(
    *, product_id: uuid.UUID, user: User, file_name: str, content_type: str
) -> tuple[ProductImage, str]:
    """One more image for the product (its owner, or staff), after the others; returns it
    and its PUT URL. It is listed once it has landed, with its renditions (no review: the
    README says why). Raises ProductNotFound or TooManyImages."""
    with transaction.atomic():
        product = product_of_owner(product_id, user, lock=True)
        positions = list(product.images.values_list("position", flat=True))
        if len(positions) >= MAX_IMAGES:
            raise TooManyImages(f"A product has at most {MAX_IMAGES} images; delete one first.")
        image = ProductImage(product=product, position=max(positions, default=-1) + 1)
        url = uploads.upload_start(image, file_name=file_name, content_type=content_type)
    logger.info(
        "product image added", extra={"product_id": str(product_id), "image_id": str(image.id)}
    )
    return image, url


def product_image_delete(*, product_id: uuid.UUID, image_id: uuid.UUID, user: User) -> None:
    """Delete one of the product's images with its objects (its owner, or staff). Raises
    ProductNotFound, ImageNotFound, or LastImage (the only landed image of an approved
    product: the catalogue shows it; add another first)."""
    with transaction.atomic():
        product = product_of_owner(product_id, user, lock=True)
        image = product.images.filter(pk=image_id).first()
        if image is None:
            raise ImageNotFound()
        ready = product.images.filter(status=ImageStatus.READY)
        if (
            product.status == ProductStatus.APPROVED
            and image.status == ImageStatus.READY
            and not ready.exclude(pk=image.pk).exists()
        ):
            raise LastImage("This is the product's only image; add another before deleting it.")
        uploads.record_delete(image)
    logger.info(
        "product image deleted", extra={"product_id": str(product_id), "image_id": str(image_id)}
    )


def product_images_order(*, product_id: uuid.UUID, user: User, image_ids: list[uuid.UUID]) -> None:
    """Put the product's images in the order of `image_ids`, which names each of them once
    (its owner, or staff); the first landed one is the main image. Raises ProductNotFound
    or ImagesMismatch."""
    with transaction.atomic():
        product = product_of_owner(product_id, user, lock=True)
        images = {image.pk: image for image in product.images.all()}
        if len(set(image_ids)) != len(image_ids) or set(image_ids) != images.keys():
            raise ImagesMismatch(
                f"Give each of the product's {len(images)} image ids once, in the new order."
            )
        for position, image_id in enumerate(image_ids):
            images[image_id].position = position
        ProductImage.objects.bulk_update(images.values(), ["position"])
        catalogue_changed()


def _file_name(image: ProductImage) -> str:
    """The safe name the upload got (the product's `fileName`, from the original API)."""
    return image.upload_key.split("/", 1)[1]


def product_of_owner(product_id: uuid.UUID, user: User, *, lock: bool = False) -> Product:
    """The product, for its owner or staff; ProductNotFound for anyone else (ids of other
    sellers' products are not to be probed). With `lock`, its row is locked (the lock every
    change of a product takes first)."""
    rows = Product.objects.select_for_update() if lock else Product.objects
    product = rows.filter(pk=product_id).first()
    if product is None or not (user.is_staff or product.owner_id == user.pk):
        raise ProductNotFound()
    return product


def product_stock_change(*, product_id: uuid.UUID, user: User, change: int) -> int:
    """The owner (or staff) adds or removes units relative to the stock now; no review.
    Returns the stock after. Raises ProductNotFound or InsufficientStock (removing more
    than there is)."""
    with transaction.atomic():
        product_of_owner(product_id, user)
        return stock.stock_adjust(product_id=product_id, change=change, by=user)


def product_listing_set(*, product_id: uuid.UUID, user: User, listed: bool) -> None:
    """The owner (or staff) takes the product off sale (`listed` false) or puts it back; it
    keeps its review status, and is for sale again only if approved. Raises ProductNotFound."""
    with transaction.atomic():
        product_of_owner(product_id, user)
        if Product.objects.filter(pk=product_id, listed=not listed).update(listed=listed):
            catalogue_changed()
            logger.info(
                "product listed" if listed else "product delisted",
                extra={"product_id": str(product_id)},
            )


def product_remove(*, product_id: uuid.UUID, user: User) -> None:
    """The owner (or staff) deletes the product for good, with its images; orders keep
    their copies of it. Raises ProductNotFound."""
    with transaction.atomic():
        product = product_of_owner(product_id, user)
        product_delete(product)
    logger.info("product deleted", extra={"product_id": str(product_id)})


def product_delete(product: Product) -> None:
    """Delete a product and its image objects in S3.

    The product's row is locked first, as an order taking its stock locks it, and only then
    is what refers to it collected: a placement in progress finishes first, and its order
    lines keep their copy (product id null) instead of failing the deletion."""
    with transaction.atomic():
        Product.objects.select_for_update().filter(pk=product.pk).first()
        for image in product.images.all():
            uploads.record_delete(image)
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
            if not product.images.filter(status=ImageStatus.READY).exists():
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
    product = Product.objects.select_for_update().filter(pk=product_id).first()
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
