"""Emails to users (ecommerce/email.py) against the emulated SES: queued with the change,
sent at most once by the worker, retried after outages, taken over from a dead sender."""

import signal
import subprocess
import sys
import time
import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from ecommerce import aws, duework
from ecommerce.email import email_queue, email_send, ses_send
from ecommerce.models import Email
from tests.conftest import ROOT, Process, concurrently, sent_emails, wait_for

pytestmark = pytest.mark.django_db


def queued(**fields) -> Email:
    to = f"someone-{uuid.uuid4().hex[:8]}@example.com"
    values = {"key": f"test:{uuid.uuid4()}", "to": to, "subject": "Hello", "body": "Line one."}
    values.update(fields)
    return email_queue(**values)


def unreachable_aws():
    from ecommerce.emulator import free_port

    return override_settings(AWS_ENDPOINT_URL=f"http://127.0.0.1:{free_port()}", AWS_MAX_ATTEMPTS=1)


def test_ses_send_delivers_and_returns_the_message_id(emulator_url):
    to = f"buyer-{uuid.uuid4().hex[:8]}@example.com"
    message_id = ses_send(to=to, subject="Hello", body="Line one.\nLine two.")
    [mail] = sent_emails(emulator_url, to=to)
    assert mail["id"] == message_id
    assert (mail["subject"], mail["body"]) == ("Hello", "Line one.\nLine two.")
    assert mail["source"] == "no-reply@shop.example.com"


def test_an_email_is_queued_once_per_key_due_for_the_worker():
    email = queued(key="test:once")
    assert queued(key="test:once", subject="Another") is None
    stored = Email.objects.get(key="test:once")
    assert (stored.pk, stored.subject, stored.due_at is not None) == (email.pk, "Hello", True)


def test_a_rolled_back_change_queues_no_email():
    with pytest.raises(RuntimeError), transaction.atomic():
        queued(key="test:rolled-back")
        raise RuntimeError("the change failed")
    assert not Email.objects.exists()


def test_no_address_no_email():
    assert queued(to="") is None
    assert not Email.objects.exists()


def test_send_delivers_once_and_records_the_message_id(emulator_url):
    email = queued()
    message_id = email_send(email.pk)
    assert message_id
    assert email_send(email.pk) is None  # redelivered: nothing more
    [mail] = sent_emails(emulator_url, to=email.to)
    assert mail["id"] == message_id
    email.refresh_from_db()
    assert (email.ses_message_id, email.state, email.due_at) == (message_id, "sent", None)


@pytest.mark.django_db(transaction=True)
def test_concurrent_senders_send_one_email(emulator_url):
    with transaction.atomic():  # not due: no relay of another test's running stack takes it
        email = queued()
        duework.later(Email, email.pk, seconds=3600)
    sent = concurrently(lambda: email_send(email.pk), 5)
    [message_id] = [s for s in sent if s]
    assert sent.count(None) == 4
    assert [m["id"] for m in sent_emails(emulator_url, to=email.to)] == [message_id]


def claimed(email: Email, *, age_seconds: float, sent: bool = False) -> None:
    """The claim a sender left behind `age_seconds` ago (`sent`: its request went out, the
    outcome is unknown)."""
    at = timezone.now() - timedelta(seconds=age_seconds)
    Email.objects.filter(pk=email.pk).update(claimed_at=at, sent_at=at if sent else None)


def test_a_claim_whose_sender_died_before_sending_is_taken_over_and_sent_once(
    emulator_url, settings
):
    email = queued()
    claimed(email, age_seconds=settings.EMAIL_CLAIM_SECONDS + 1)

    message_id = email_send(email.pk)

    assert message_id
    assert [m["id"] for m in sent_emails(emulator_url, to=email.to)] == [message_id]
    assert email_send(email.pk) is None
    assert len(sent_emails(emulator_url, to=email.to)) == 1


def test_a_fresh_claim_is_left_to_its_sender(emulator_url):
    email = queued()
    claimed(email, age_seconds=0)
    assert email_send(email.pk) is None
    assert sent_emails(emulator_url, to=email.to) == []


def test_an_email_whose_request_went_out_is_never_sent_again(emulator_url):
    email = queued()
    claimed(email, age_seconds=3600, sent=True)  # the outcome is unknown
    assert email_send(email.pk) is None
    assert sent_emails(emulator_url, to=email.to) == []


def test_a_sender_whose_claim_was_taken_over_meanwhile_does_not_send(emulator_url, monkeypatch):
    from ecommerce import email as mechanism

    email = queued()
    claim = mechanism.email_claim

    def claim_then_stall(email_id):
        mine = claim(email_id)
        # While this sender stalls between claim and send, another takes the claim over.
        Email.objects.filter(pk=email_id).update(claimed_at=timezone.now() + timedelta(seconds=1))
        return mine

    monkeypatch.setattr(mechanism, "email_claim", claim_then_stall)
    assert email_send(email.pk) is None
    assert sent_emails(emulator_url, to=email.to) == []
    assert Email.objects.get(pk=email.pk).sent_at is None  # the taker's to send


def test_an_ses_outage_releases_the_claim_and_makes_the_email_due_later(emulator_url, monkeypatch):
    monkeypatch.setattr(duework, "backoff", lambda attempt: 30.0)
    email = queued()
    with unreachable_aws():
        aws.reset_clients()
        try:
            assert email_send(email.pk) is None
        finally:
            aws.reset_clients()
    email.refresh_from_db()
    assert (email.claimed_at, email.sent_at, email.failed_reason) == (None, None, "")
    assert 25 < (email.due_at - timezone.now()).total_seconds() <= 30

    assert email_send(email.pk)  # the next try, with SES back
    assert len(sent_emails(emulator_url, to=email.to)) == 1


@override_settings(EMAIL_MAX_ATTEMPTS=3)
def test_an_email_handed_over_too_often_is_given_up(emulator_url):
    email = queued()
    Email.objects.filter(pk=email.pk).update(handovers=4)
    assert email_send(email.pk) is None
    email.refresh_from_db()
    assert (email.failed_reason, email.due_at) == ("not sent in 3 tries", None)
    assert sent_emails(emulator_url, to=email.to) == []


def test_an_email_ses_refuses_is_recorded_and_not_retried(emulator_url):
    email = queued(to="not-an-address")
    assert email_send(email.pk) is None
    email.refresh_from_db()
    assert email.failed_reason.startswith("refused by SES")
    assert (email.sent_at, email.due_at) == (None, None)


# --- a process killed after claiming, before sending ----------------------------------------

CLAIM_AND_DIE = """
import os, signal, sys
import django
django.setup()
from ecommerce.email import email_claim
assert email_claim(int(sys.argv[1])) is not None
os.kill(os.getpid(), signal.SIGKILL)  # dies holding the claim, before marking or sending
"""


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_sender_killed_after_claiming_leaves_an_email_that_still_goes_out_once(
    celery_worker, events_consumer, emulator_url, settings
):
    # Not due yet: the process below takes it, as the worker would have.
    with transaction.atomic():
        email = queued()
        duework.later(Email, email.pk, seconds=3600)
    killed = subprocess.run(
        [sys.executable, "-c", CLAIM_AND_DIE, str(email.pk)],
        cwd=ROOT,
        env={**Process("claim", []).env, "DJANGO_SETTINGS_MODULE": "ecommerce.settings"},
    )
    assert killed.returncode == -signal.SIGKILL
    email.refresh_from_db()
    assert (email.claimed_at is not None, email.sent_at) == (True, None)
    assert sent_emails(emulator_url, to=email.to) == []

    # Its lease runs out (here: once the claim is older than EMAIL_CLAIM_SECONDS); the
    # real relay hands it to the real worker, which takes the claim over and sends it.
    time.sleep(settings.EMAIL_CLAIM_SECONDS + 0.5)
    Email.objects.filter(pk=email.pk).update(due_at=timezone.now())
    [mail] = wait_for(
        lambda: sent_emails(emulator_url, to=email.to), timeout=settings.EMAIL_CLAIM_SECONDS + 30
    )
    email.refresh_from_db()
    assert email.ses_message_id == mail["id"]


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
def test_a_committed_email_reaches_ses_through_the_relay_and_the_worker(
    celery_worker, events_consumer, emulator_url
):
    with transaction.atomic():
        email = queued()
    [mail] = wait_for(lambda: sent_emails(emulator_url, to=email.to), timeout=30)
    wait_for(lambda: Email.objects.get(pk=email.pk).ses_message_id == mail["id"], timeout=10)
    email.refresh_from_db()
    assert (email.handovers, email.due_at) == (1, None)
