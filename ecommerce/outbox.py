"""The transactional outbox: Celery tasks recorded with the change that causes them.

A service that hands work to the worker calls `enqueue(task, item)` inside the transaction
that makes the change: the row commits with the change or not at all, so no task goes out
for a change that rolled back, and none is lost with a process that dies after its commit.
The relay (`Relay`, run by the events process) sends due rows as plain Celery messages, the
items of one task together (up to MESSAGE_ITEMS to a message), and deletes them in the same
transaction. A relay that dies between sending and committing sends those rows again: the
tasks are idempotent. An outbox task takes a list of items (ids) as its one argument.
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from datetime import timedelta

from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.db import close_old_connections, transaction
from django.utils import timezone

from ecommerce.celery import app
from ecommerce.models import OutboxMessage

logger = logging.getLogger(__name__)

RELAY_ROWS = 500  # rows taken per round
MESSAGE_ITEMS = 100  # items carried by one Celery message
POLL_SECONDS = 0.2  # the relay's wait when it found less than a full round
ERROR_WAIT_SECONDS = 2.0


def enqueue(task: str, item: object, *, delay: float = 0.0) -> None:
    """Record `task([item])` to be sent once the current transaction commits (at once
    outside one), or `delay` seconds later."""
    now = timezone.now()
    OutboxMessage.objects.create(
        task=task, item=str(item), due_at=now + timedelta(seconds=delay), created_at=now
    )


def backoff(attempt: int) -> float:
    """Seconds before retry number `attempt` (1, 2, ...): exponential with full jitter,
    capped (RETRY_BACKOFF_SECONDS, RETRY_BACKOFF_MAX_SECONDS)."""
    return get_exponential_backoff_interval(
        factor=settings.RETRY_BACKOFF_SECONDS,
        retries=attempt - 1,
        maximum=settings.RETRY_BACKOFF_MAX_SECONDS,
        full_jitter=True,
    )


def relay_once(limit: int = RELAY_ROWS) -> int:
    """Send the due rows (at most `limit`) and delete them; returns how many were sent."""
    due = OutboxMessage.objects.filter(due_at__lte=timezone.now())
    if not due.exists():  # outside a transaction: an idle relay takes no lock
        return 0
    with transaction.atomic():
        # Rows another relay holds are skipped (PostgreSQL); SQLite serializes writers.
        rows = list(
            due.select_for_update(skip_locked=True)
            .order_by("due_at", "id")
            .values_list("id", "task", "item")[:limit]
        )
        items: dict[str, list[str]] = defaultdict(list)
        for _, task, item in rows:
            items[task].append(item)
        for task, task_items in items.items():
            for start in range(0, len(task_items), MESSAGE_ITEMS):
                app.send_task(task, args=[task_items[start : start + MESSAGE_ITEMS]])
        OutboxMessage.objects.filter(id__in=[row[0] for row in rows]).delete()
    return len(rows)


class Relay:
    """Relays the outbox until stopped; run in a thread of the events process."""

    def __init__(self) -> None:
        self.stopping = threading.Event()

    def run(self) -> None:
        logger.info("outbox relay started")
        while not self.stopping.is_set():
            close_old_connections()  # a database restart must not end the relay
            try:
                sent = relay_once()
            except Exception:
                logger.exception("outbox relay failed; trying again")
                self.stopping.wait(ERROR_WAIT_SECONDS)
                continue
            if sent < RELAY_ROWS:
                self.stopping.wait(POLL_SECONDS)
        logger.info("outbox relay stopped")

    def stop(self) -> None:
        self.stopping.set()
