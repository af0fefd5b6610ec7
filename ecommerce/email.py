"""Email to users through SES, one mechanism for every app.

`email_queue` records an email inside the transaction of the change that causes it (once
per key: the same key again does nothing), due for the worker (ecommerce/duework.py), so
the request that made the change answers for the change alone. The worker's `email_send`
then sends it at most once:
1. it claims the email (`claimed_at`, also its fencing token);
2. it marks it as going out (`sent_at`) just before the request to SES; from then on the
   email is never sent again, even if the process dies before recording the message id;
3. it records SES's message id.
A sender that died between 1 and 2 never sent: when the email's lease runs out the relay
hands it over again, and the next sender takes the claim over (it is older than
EMAIL_CLAIM_SECONDS). An SES outage that surely sent nothing releases the claim and makes
the email due again after a backoff; after EMAIL_MAX_ATTEMPTS hand-overs it is given up. SES
refusing the message is recorded and not retried.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError
from django.conf import settings
from django.utils import timezone

from ecommerce import aws, duework
from ecommerce.models import Email

logger = logging.getLogger(__name__)


def email_queue(*, key: str, to: str, subject: str, body: str) -> Email | None:
    """Record the email `key`, due for the worker; call it inside the change's transaction.
    Returns None (and records nothing) when `key` was queued before or `to` is empty."""
    if not to:
        logger.warning("email skipped: no address", extra={"key": key})
        return None
    email, created = Email.objects.get_or_create(
        key=key, defaults={"to": to, "subject": subject[:300], "body": body}
    )
    return email if created else None


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
    log = {"key": email.key}
    if email.handovers > settings.EMAIL_MAX_ATTEMPTS:
        mine.update(failed_reason=f"not sent in {email.handovers - 1} tries", due_at=None)
        logger.error("email given up", extra=log)
        return None
    if not mine.filter(sent_at=None).update(sent_at=timezone.now()):
        return None  # taken over while this call stalled
    try:
        message_id = ses_send(to=email.to, subject=email.subject, body=email.body)
    except aws.AwsUnavailable as exc:
        if not _surely_not_sent(exc):
            mine.update(due_at=None)
            logger.error("email outcome unknown; it is not sent again", extra=log)
            return None
        delay = duework.backoff(email.handovers)
        mine.update(sent_at=None, claimed_at=None, due_at=timezone.now() + timedelta(seconds=delay))
        logger.warning("email will be retried", extra={**log, "error": str(exc)})
        return None
    except ClientError as exc:
        mine.update(sent_at=None, failed_reason=f"refused by SES: {exc}"[:500], due_at=None)
        logger.exception("SES refused the email", extra=log)
        return None
    mine.update(ses_message_id=message_id, due_at=None)
    logger.info("email sent", extra={**log, "message_id": message_id})
    return message_id


def _surely_not_sent(exc: aws.AwsUnavailable) -> bool:
    """SES answered with an error, or was never reached: sending again cannot duplicate.
    A timeout after the request went out is unknown, and is not resent."""
    return isinstance(exc.__cause__, ClientError | EndpointConnectionError | ConnectTimeoutError)
