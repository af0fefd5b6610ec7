"""Email to users through SES, one mechanism for every app.

`email_queue` records an email inside the transaction of the change that causes it (once
per key: the same key again does nothing) together with its send task (ecommerce/outbox.py),
so the request that made the change answers for the change alone. The worker's `email_send`
then sends it at most once:
1. it claims the email (`claimed_at`, also its fencing token);
2. it marks it as going out (`sent_at`) just before the request to SES; from then on the
   email is never sent again, even if the process dies before recording the message id;
3. it records SES's message id.
A sender that died between 1 and 2 never sent: its claim is taken over once it is older
than EMAIL_CLAIM_SECONDS, by the message's redelivery or by the sweeper. An SES outage that
surely sent nothing releases the claim and tries again later through the outbox, up to
EMAIL_MAX_ATTEMPTS; SES refusing the message is recorded and not retried.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ecommerce import aws, outbox
from ecommerce.models import Email

logger = logging.getLogger(__name__)

SEND_TASK = "ecommerce.tasks.emails_send"
SWEEP_BATCH = 500


def email_queue(*, key: str, to: str, subject: str, body: str) -> Email | None:
    """Record the email `key` and its sending; call it inside the change's transaction.
    Returns None (and records nothing) when `key` was queued before or `to` is empty."""
    if not to:
        logger.warning("email skipped: no address", extra={"key": key})
        return None
    email, created = Email.objects.get_or_create(
        key=key, defaults={"to": to, "subject": subject[:300], "body": body}
    )
    if not created:
        return None
    outbox.enqueue(SEND_TASK, email.pk)
    return email


def ses_send(*, to: str, subject: str, body: str) -> str:
    """One plain-text email from SES_SENDER, now; returns the SES MessageId. Raises
    AwsUnavailable (SES unreachable or throttling) or ClientError (SES refused it)."""
    response = aws.call(
        "ses",
        "send_email",
        Source=settings.SES_SENDER,
        Destination={"ToAddresses": [to]},
        Message={
            "Subject": {"Data": subject, "Charset": "UTF-8"},
            "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
        },
    )
    return response["MessageId"]


def email_claim(email_id: int) -> Email | None:
    """This call's claim on an unsent email: a free one, or one whose sender died before
    sending (claimed more than EMAIL_CLAIM_SECONDS ago). None when it went out (or its
    outcome is unknown), failed, or a live sender holds it."""
    email = Email.objects.filter(pk=email_id, sent_at=None, failed_reason="").first()
    if email is None:
        return None
    now = timezone.now()
    if email.claimed_at and email.claimed_at >= now - timedelta(
        seconds=settings.EMAIL_CLAIM_SECONDS
    ):
        return None
    # Conditional on the claim just read: of two senders, one wins.
    taken = Email.objects.filter(pk=email.pk, sent_at=None, claimed_at=email.claimed_at).update(
        claimed_at=now
    )
    if not taken:
        return None
    if email.claimed_at:
        logger.warning(
            "email claim taken over: its sender stopped before sending", extra={"key": email.key}
        )
    email.claimed_at = now
    return email


def email_send(email_id: int) -> str | None:
    """Send one queued email at most once (what the worker runs); returns the SES message
    id, or None when this call sent nothing."""
    aws.client("ses")  # a process's first client is slow to build: not between claim and send
    email = email_claim(email_id)
    if email is None:
        return None
    mine = Email.objects.filter(pk=email.pk, claimed_at=email.claimed_at)
    if not mine.filter(sent_at=None).update(sent_at=timezone.now()):
        return None  # taken over while this call stalled
    log = {"key": email.key}
    try:
        message_id = ses_send(to=email.to, subject=email.subject, body=email.body)
    except aws.AwsUnavailable as exc:
        if not _surely_not_sent(exc):
            logger.error("email outcome unknown; it is not sent again", extra=log)
            return None
        _retry_later(email, mine, str(exc))
        return None
    except ClientError as exc:
        mine.update(sent_at=None, failed_reason=f"refused by SES: {exc}"[:500])
        logger.exception("SES refused the email", extra=log)
        return None
    mine.update(ses_message_id=message_id)
    logger.info("email sent", extra={**log, "message_id": message_id})
    return message_id


def _surely_not_sent(exc: aws.AwsUnavailable) -> bool:
    """SES answered with an error, or was never reached: sending again cannot duplicate.
    A timeout after the request went out is unknown, and is not resent."""
    return isinstance(exc.__cause__, ClientError | EndpointConnectionError | ConnectTimeoutError)


def _retry_later(email: Email, mine, error: str) -> None:
    attempts = email.attempts + 1
    with transaction.atomic():
        if attempts >= settings.EMAIL_MAX_ATTEMPTS:
            mine.update(sent_at=None, claimed_at=None, attempts=attempts, failed_reason=error[:500])
            logger.error("email given up", extra={"key": email.key, "error": error})
            return
        mine.update(sent_at=None, claimed_at=None, attempts=attempts, queued_at=timezone.now())
        outbox.enqueue(SEND_TASK, email.pk, delay=outbox.backoff(attempts))
    logger.warning("email will be retried", extra={"key": email.key, "attempt": attempts})


def emails_sweep() -> int:
    """Hand the worker again the emails neither sent nor failed whose last hand-over is
    older than EMAIL_STUCK_AFTER_SECONDS (a lost message, or a sender that died holding
    the claim); returns how many."""
    now = timezone.now()
    stale = now - timedelta(seconds=settings.EMAIL_STUCK_AFTER_SECONDS)
    stuck = Email.objects.filter(sent_at=None, failed_reason="", queued_at__lt=stale).filter(
        Q(claimed_at=None) | Q(claimed_at__lt=now - timedelta(seconds=settings.EMAIL_CLAIM_SECONDS))
    )
    swept = 0
    for email_id in stuck.order_by("queued_at").values_list("id", flat=True)[:SWEEP_BATCH]:
        with transaction.atomic():
            if Email.objects.filter(pk=email_id, queued_at__lt=stale).update(queued_at=now):
                outbox.enqueue(SEND_TASK, email_id)
                swept += 1
    if swept:
        logger.warning("stuck emails handed to the worker again", extra={"count": swept})
    return swept
