"""Celery tasks for products."""

from __future__ import annotations

import logging

from celery import shared_task

from products.stock import stock_mismatches

logger = logging.getLogger(__name__)


@shared_task
def stock_check() -> int:
    """Beat, daily: log an error for each product whose stock differs from its ledger.
    Returns how many differ."""
    mismatches = stock_mismatches()
    for m in mismatches:
        logger.error(
            "stock differs from its ledger",
            extra={"product_id": str(m.product_id), "stock": m.stock, "ledger": m.ledger},
        )
    if not mismatches:
        logger.info("stock check: every product's stock equals its ledger")
    return len(mismatches)
