"""Celery tasks of the shared plumbing: queued emails, and the cleanup of stale uploads."""

import logging

from celery import shared_task

from ecommerce import email, uploads
from ecommerce.logging import bound

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def emails_send(email_ids: list[str]) -> None:
    """Outbox task (ecommerce/email.py SEND_TASK): send each queued email at most once.
    One email failing unexpectedly is logged and left to the sweeper; the rest go on."""
    for email_id in email_ids:
        with bound(email_id=email_id):
            try:
                email.email_send(int(email_id))
            except Exception:  # noqa: BLE001 - the sweeper hands it over again
                logger.exception("email sending failed")


@shared_task
def emails_sweep() -> int:
    """Beat (CELERY_BEAT_SCHEDULE["emails-sweep"]): hand stuck emails to the worker again."""
    return email.emails_sweep()


@shared_task
def uploads_cleanup() -> dict[str, int]:
    """Beat (CELERY_BEAT_SCHEDULE["uploads-cleanup"]): delete stale records of every upload
    purpose; returns how many each lost."""
    return {purpose: result.deleted for purpose, result in uploads.uploads_cleanup().items()}
