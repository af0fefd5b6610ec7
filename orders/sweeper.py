"""Recovery of orders nobody moved on: a lost hand-over, a worker that died, a lost report."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.lifecycle import order_fail
from orders.models import IN_FLIGHT, Order
from orders.processing import order_process_later

logger = logging.getLogger(__name__)

# Orders handled per sweep; the rest wait for the next one (oldest first).
SWEEP_BATCH = 500


@dataclass(frozen=True)
class SweepResult:
    requeued: int
    failed: int


def orders_sweep() -> SweepResult:
    """Hand orders stuck in pending/processing for ORDER_STUCK_AFTER_SECONDS to the worker
    again; fail those already handed over ORDER_MAX_ATTEMPTS times."""
    now = timezone.now()
    stale_before = now - timedelta(seconds=settings.ORDER_STUCK_AFTER_SECONDS)
    stuck = list(
        Order.objects.filter(status__in=IN_FLIGHT, updated_at__lt=stale_before)
        .order_by("updated_at")
        .values_list("id", "attempts")[:SWEEP_BATCH]
    )
    requeued = failed = 0
    for order_id, attempts in stuck:
        if attempts >= settings.ORDER_MAX_ATTEMPTS:
            failed += order_fail(
                order_id=order_id, reason=f"not processed after {attempts} attempts"
            )
            continue
        with transaction.atomic():
            # Conditional: a sweep running alongside, or the worker, may have moved it.
            bumped = Order.objects.filter(
                pk=order_id, status__in=IN_FLIGHT, updated_at__lt=stale_before
            ).update(attempts=F("attempts") + 1, updated_at=now)
            if bumped:
                order_process_later(order_id)
        if bumped:
            requeued += 1
            logger.warning(
                "stuck order re-enqueued",
                extra={"order_id": str(order_id), "attempt": attempts + 1},
            )
    return SweepResult(requeued=requeued, failed=failed)
