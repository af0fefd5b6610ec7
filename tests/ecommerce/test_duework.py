"""Work the worker owes rows (ecommerce/duework.py): due rows handed over with a lease by the
relay, the events process's thread; rows whose lease ran out handed over again."""

import uuid
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from ecommerce import duework
from ecommerce.email import email_queue
from ecommerce.models import Email

pytestmark = pytest.mark.django_db


@pytest.fixture
def sent(monkeypatch) -> list[tuple[str, list]]:
    """What the relay hands to Celery: (task name, its one argument)."""
    calls: list = []
    monkeypatch.setattr(duework.app, "send_task", lambda name, args: calls.append((name, args[0])))
    return calls


def queued(n: int = 1) -> list[Email]:
    return [
        email_queue(key=f"test:{uuid.uuid4()}", to="x@example.com", subject="s", body="b")
        for _ in range(n)
    ]


def test_a_new_row_is_due_and_a_rolled_back_one_never_was():
    [email] = queued()
    assert email.due_at is not None and email.handovers == 0
    with pytest.raises(RuntimeError), transaction.atomic():
        queued()
        raise RuntimeError("the change failed")
    assert Email.objects.count() == 1


def test_the_relay_hands_due_rows_over_together_and_leases_them(sent, monkeypatch, settings):
    monkeypatch.setattr(duework, "MESSAGE_ITEMS", 2)
    emails = queued(3)
    later = queued()[0]
    Email.objects.filter(pk=later.pk).update(due_at=timezone.now() + timedelta(seconds=60))

    assert duework.relay_once(Email) == 3
    keys = [str(e.pk) for e in emails]
    assert sent == [(Email.due_task, keys[:2]), (Email.due_task, keys[2:])]
    for email in Email.objects.filter(pk__in=keys):
        assert email.handovers == 1
        lease = (email.due_at - timezone.now()).total_seconds()
        assert settings.EMAIL_LEASE_SECONDS - 5 < lease <= settings.EMAIL_LEASE_SECONDS
    assert duework.relay_once(Email) == 0  # leased, and the other not due yet


def test_a_row_whose_lease_ran_out_is_handed_over_again(sent):
    [email] = queued()
    duework.relay_once(Email)
    Email.objects.filter(pk=email.pk).update(due_at=timezone.now() - timedelta(seconds=1))
    assert duework.relay_once(Email) == 1
    assert Email.objects.get(pk=email.pk).handovers == 2


def test_done_and_later(sent):
    first, second = queued(2)
    duework.done(Email, first.pk)
    duework.later(Email, second.pk, seconds=30)
    assert duework.relay_once(Email) == 0
    assert Email.objects.get(pk=first.pk).due_at is None


def test_a_failed_send_keeps_the_rows_due(monkeypatch):
    queued()

    def sqs_down(name, args):
        raise ConnectionError("SQS unreachable")

    monkeypatch.setattr(duework.app, "send_task", sqs_down)
    with pytest.raises(ConnectionError):
        duework.relay_once(Email)
    assert Email.objects.get().handovers == 0
    assert Email.objects.filter(due_at__lte=timezone.now()).count() == 1


def test_a_round_takes_at_most_its_limit_oldest_first(sent):
    emails = queued(5)
    assert duework.relay_once(Email, limit=3) == 3
    assert sent == [(Email.due_task, [str(e.pk) for e in emails[:3]])]


def test_every_due_model_names_a_registered_task():
    from ecommerce.celery import app

    app.loader.import_default_modules()
    models = duework.due_models()
    assert {m._meta.label for m in models} == {"ecommerce.Email", "orders.Order"}
    assert all(m.due_task in app.tasks for m in models)
