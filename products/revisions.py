"""A seller's edits, and the review of the changes that need one.

The price of a product changes at once (orders keep the price they copied). Its name,
description and category change at once while it is not approved; once approved, what the
public sees has been reviewed, so an edit of those becomes a pending revision
(`ProductRevision`) and the approved version stays listed until staff approve it (the
product takes its values) or reject it with a reason (the product stays as it is). The
seller's email about each decision is queued with it, once.
"""

from __future__ import annotations

import logging
import uuid
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from ecommerce.email import email_queue
from products.cache import catalogue_changed
from products.errors import NoRevisionPending, ProductNotFound, RevisionChanged, RevisionDecided
from products.models import REVISED_FIELDS, Product, ProductRevision, ProductStatus, RevisionStatus

logger = logging.getLogger(__name__)


def product_edit(
    *, product_id: uuid.UUID, user: User, price: Decimal | None = None, **changes: str
) -> None:
    """The owner's edit: `price` and any of REVISED_FIELDS (as keyword arguments). Raises
    ProductNotFound for anyone but the owner (staff review, they do not edit)."""
    unknown = changes.keys() - set(REVISED_FIELDS)
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    with transaction.atomic():
        product = Product.objects.select_for_update().filter(pk=product_id).first()
        if product is None or product.owner_id != user.pk:
            raise ProductNotFound()
        if price is not None and price != product.price:
            product.price = price
            product.save(update_fields=["price"])
            catalogue_changed()
        if not changes:
            return
        if product.status != ProductStatus.APPROVED:
            for field, value in changes.items():
                setattr(product, field, value)
            product.save(update_fields=list(changes))
            return
        _revise(product, changes)
    logger.info("product edited", extra={"product_id": str(product_id), "fields": sorted(changes)})


def _revise(product: Product, changes: dict[str, str]) -> None:
    """Replace the product's revision by one proposing `changes` on top of what is pending
    (or of the live values); none when that is the live version itself."""
    pending = ProductRevision.objects.filter(product=product, status=RevisionStatus.PENDING)
    base = pending.values(*REVISED_FIELDS).first() or {
        field: getattr(product, field) for field in REVISED_FIELDS
    }
    proposed = {**base, **changes}
    ProductRevision.objects.filter(product=product).delete()
    if proposed != {field: getattr(product, field) for field in REVISED_FIELDS}:
        ProductRevision.objects.create(product=product, **proposed)


def _revision_for_review(product_id: uuid.UUID, revision_id: uuid.UUID | None) -> ProductRevision:
    """The product's revision, the product's row locked first: the lock every change of a
    product takes first (edits, deletion, stock), so a decision never deadlocks with them.
    With `revision_id` (the one staff reviewed), RevisionChanged when it was replaced."""
    product = Product.objects.select_for_update().filter(pk=product_id).first()
    if product is None:
        raise ProductNotFound()
    revision = ProductRevision.objects.filter(product=product).first()
    if revision is None:
        raise NoRevisionPending("The product has no changes waiting for review.")
    if revision_id is not None and revision.id != revision_id:
        raise RevisionChanged("The seller has edited the product since; review it again.")
    revision.product = product
    return revision


def revision_approve(
    *, product_id: uuid.UUID, by: User, revision_id: uuid.UUID | None = None
) -> None:
    """Staff approve the product's pending changes: the product takes them (listed at once)
    and the seller's email is queued. Approving approved changes changes nothing. Raises
    ProductNotFound, NoRevisionPending, RevisionChanged or RevisionDecided (rejected)."""
    with transaction.atomic():
        revision = _revision_for_review(product_id, revision_id)
        if revision.status == RevisionStatus.APPROVED:
            return
        if revision.status == RevisionStatus.REJECTED:
            raise RevisionDecided("These changes were rejected; the seller may edit again.")
        product = revision.product
        for field in REVISED_FIELDS:
            setattr(product, field, getattr(revision, field))
        product.save(update_fields=REVISED_FIELDS)
        _decide(revision, RevisionStatus.APPROVED, by=by)
        catalogue_changed()


def revision_reject(
    *, product_id: uuid.UUID, by: User, reason: str, revision_id: uuid.UUID | None = None
) -> None:
    """Staff reject the product's pending changes with a reason: the product stays as it is
    and the seller's email is queued. Rejecting rejected changes changes nothing (the first
    reason stands). Raises ProductNotFound, NoRevisionPending, RevisionChanged or
    RevisionDecided."""
    with transaction.atomic():
        revision = _revision_for_review(product_id, revision_id)
        if revision.status == RevisionStatus.REJECTED:
            return
        if revision.status == RevisionStatus.APPROVED:
            raise RevisionDecided("These changes were approved and are live.")
        revision.rejection_reason = reason
        _decide(revision, RevisionStatus.REJECTED, by=by)


def _decide(revision: ProductRevision, status: str, *, by: User) -> None:
    revision.status = status
    revision.reviewed_by = by
    revision.reviewed_at = timezone.now()
    revision.save(update_fields=["status", "rejection_reason", "reviewed_by", "reviewed_at"])
    product = revision.product
    if status == RevisionStatus.APPROVED:
        subject = "Your product changes have been approved"
        body = f'Your changes to "{product.product_name}" ({product.id}) are now listed.'
    else:
        subject = "Your product changes were not approved"
        body = (
            f'Your changes to "{product.product_name}" ({product.id}) were not approved; the '
            f"product stays listed as it was.\n\nReason: {revision.rejection_reason}"
        )
    email_queue(
        key=f"revision:{revision.id}:{status}", to=product.seller_email, subject=subject, body=body
    )
    logger.info(
        "product revision decided", extra={"product_id": str(product.id), "decision": status}
    )
