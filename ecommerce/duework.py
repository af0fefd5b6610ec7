"""Work the worker owes a row, recorded on the row itself, and the relay that hands it over.

A model whose rows need the worker (an order to process, an email to send) subclasses
`DueWork`: `due_at` says when the worker should next look at the row (null: nothing to
do), and `due_task` names the Celery task that does it (it takes a list of primary keys).
A row that needs work is written with `due_at` set, in the same transaction as everything
else about it, so the work commits with the change or not at all, and nothing waits in any
process's memory.

The relay (`Relay`, a thread of the events process) hands due rows to the worker: it sends
their keys as plain Celery messages (up to MESSAGE_ITEMS to a message) and, in the same
transaction, leases them: `due_at` moves `lease_seconds()` ahead and `handovers` counts one
more. The worker clears `due_at` when the work is done, or sets it to when it should try
again (`later`, after an outage). A row whose lease runs out before that (a lost message, a
dead worker) is due again and handed over again: no separate sweeper is needed. The tasks
are idempotent, so a row handed over twice does no harm.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import ClassVar

from celery.utils.time import get_exponential_backoff_interval
from django.apps import apps
from django.conf import settings
from django.db import close_old_connections, models, transaction
from django.db.models import F
from django.utils import timezone

from ecommerce.celery import app

logger = logging.getLogger(__name__)

RELAY_ROWS = 500  # rows of one model taken per round
MESSAGE_ITEMS = 100  # keys carried by one Celery message
POLL_SECONDS = 0.5  # the relay's wait after a round that was not full
ERROR_WAIT_SECONDS = 2.0


class DueWork(models.Model):
    """A row the worker owes work (abstract). Subclasses set `due_task` and `lease_setting`
    (the name of the setting: how long a hand-over lasts before the row is due again)."""

    due_task: ClassVar[str]
    lease_setting: ClassVar[str]

    # When the worker should next look at the row; null: nothing to do. A new row is due.
    due_at = models.DateTimeField(null=True, blank=True, default=timezone.now)
    handovers = models.PositiveSmallIntegerField(default=0)  # times the relay handed it over

    class Meta:
        abstract = True
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(due_at__isnull=False),
                name="%(app_label)s_%(class)s_due_idx",
            )
        ]

    @classmethod
    def lease_seconds(cls) -> int:
        return getattr(settings, cls.lease_setting)


def due_models() -> list[type[DueWork]]:
    return [model for model in apps.get_models() if issubclass(model, DueWork)]


def backoff(attempt: int) -> float:
    """Seconds before try number `attempt` + 1 after an outage: exponential with full
    jitter, capped (RETRY_BACKOFF_SECONDS, RETRY_BACKOFF_MAX_SECONDS)."""
    return get_exponential_backoff_interval(
        factor=settings.RETRY_BACKOFF_SECONDS,
        retries=max(attempt, 1) - 1,
        maximum=settings.RETRY_BACKOFF_MAX_SECONDS,
        full_jitter=True,
    )


def later(model: type[DueWork], pk, *, seconds: float) -> None:
    """The row is due again in `seconds` (a retry after an outage)."""
    model.objects.filter(pk=pk).update(due_at=timezone.now() + timedelta(seconds=seconds))


def done(model: type[DueWork], pk) -> None:
    """The worker owes the row nothing more."""
    model.objects.filter(pk=pk).update(due_at=None)


def relay_once(model: type[DueWork], limit: int = RELAY_ROWS) -> int:
    """Hand `model`'s due rows to the worker (at most `limit`); returns how many."""
    now = timezone.now()
    due = model.objects.filter(due_at__lte=now)
    if not due.exists():  # outside a transaction: an idle relay takes no lock
        return 0
    with transaction.atomic():
        # Rows another relay holds are skipped (PostgreSQL); SQLite serializes writers.
        keys = [
            str(pk)
            for pk in due.select_for_update(skip_locked=True)
            .order_by("due_at")
            .values_list("pk", flat=True)[:limit]
        ]
        for start in range(0, len(keys), MESSAGE_ITEMS):
            app.send_task(model.due_task, args=[keys[start : start + MESSAGE_ITEMS]])
        model.objects.filter(pk__in=keys).update(
            due_at=now + timedelta(seconds=model.lease_seconds()), handovers=F("handovers") + 1
        )
    return len(keys)


class Relay:
    """Hands every DueWork model's due rows over until stopped (a thread of the events
    process)."""

    def __init__(self) -> None:
        self.stopping = threading.Event()

    def run(self) -> None:
        logger.info("due-work relay started")
        models = due_models()
        while not self.stopping.is_set():
            close_old_connections()  # a database restart must not end the relay
            try:
                full = any([relay_once(model) == RELAY_ROWS for model in models])
            except Exception:
                logger.exception("due-work relay failed; trying again")
                self.stopping.wait(ERROR_WAIT_SECONDS)
                continue
            if not full:
                self.stopping.wait(POLL_SECONDS)
        logger.info("due-work relay stopped")

    def stop(self) -> None:
        self.stopping.set()
