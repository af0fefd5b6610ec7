"""Plain-text email through SES, for every app that mails users."""

from __future__ import annotations

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from ecommerce import aws

logger = logging.getLogger(__name__)


def send_email(*, to: str, subject: str, body: str) -> str:
    """Send one plain-text email from SES_SENDER; returns the SES MessageId.

    Raises `AwsUnavailable` when SES cannot be reached or is throttling (callers retry);
    any other SES refusal (e.g. an unverified sender) is a configuration error and is
    raised as is.
    """
    try:
        response = aws.client("ses").send_email(
            Source=settings.SES_SENDER,
            Destination={"ToAddresses": [to]},
            Message={
                "Subject": {"Data": subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": body, "Charset": "UTF-8"}},
            },
        )
    except (BotoCoreError, ClientError) as exc:
        if aws.is_unavailable(exc):
            raise aws.AwsUnavailable("ses", str(exc)) from exc
        raise
    message_id = response["MessageId"]
    logger.info("email sent", extra={"subject": subject, "message_id": message_id})
    return message_id
