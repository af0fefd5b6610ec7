"""Celery tasks of the shared plumbing: due emails, and the cleanup of stale uploads."""

import logging

from celery import shared_task

from ecommerce import email, uploads
from ecommerce.logging import bound

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def emails_send(email_ids: list[str]) -> None:
    """Due work (ecommerce.models.Email): send each email at most once. One failing
    unexpectedly is logged and handed over again when its lease runs out; the rest go on."""
    for email_id in email_ids:
        with bound(email_id=email_id):
            try:
                email.email_send(int(email_id))
            except Exception:  # noqa: BLE001 - handed over again when its lease runs out
                logger.exception("email sending failed")


@shared_task
def uploads_cleanup() -> dict[str, int]:
    """Beat (CELERY_BEAT_SCHEDULE["uploads-cleanup"]): delete stale records of every upload
    purpose; returns how many each lost."""
    return {purpose: result.deleted for purpose, result in uploads.uploads_cleanup().items()}
