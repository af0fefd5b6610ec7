"""The shared SES helper (ecommerce/email.py), against the emulated SES."""

import uuid

import pytest
from django.test import override_settings

from ecommerce import aws
from ecommerce.email import send_email
from tests.conftest import sent_emails


def test_send_email_delivers_through_ses_and_returns_the_message_id(emulator_url):
    to = f"buyer-{uuid.uuid4().hex[:8]}@example.com"
    message_id = send_email(to=to, subject="Hello", body="Line one.\nLine two.")
    [mail] = sent_emails(emulator_url, to=to)
    assert mail["id"] == message_id
    assert mail["subject"] == "Hello"
    assert mail["body"] == "Line one.\nLine two."
    assert mail["source"] == "no-reply@shop.example.com"


def test_send_email_raises_aws_unavailable_when_ses_is_unreachable():
    from ecommerce.emulator import free_port

    with override_settings(AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}", AWS_MAX_ATTEMPTS=1):
        aws.reset_clients()
        try:
            with pytest.raises(aws.AwsUnavailable) as caught:
                send_email(to="x@example.com", subject="s", body="b")
        finally:
            aws.reset_clients()
    assert caught.value.service == "ses"
