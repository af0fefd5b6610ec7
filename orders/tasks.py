"""Celery tasks for orders: take ids, call the stage that owns the work.

Tasks acknowledge late (settings: acks late, reject on worker lost): a worker that dies
mid-task leaves the message on SQS and it is delivered again; the stages make a repeat
harmless.
"""

from __future__ import annotations

import logging

from celery import shared_task

from ecommerce.aws import AwsUnavailable
from ecommerce.logging import bound
from orders import processing

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)
def orders_process(order_ids: list[str]) -> None:
    """Due work (orders.models.Order): drive placed orders to their workflow.

    An order that meets an AWS outage is due again after a backoff, alone; one that fails
    unexpectedly is logged and handed over again when its lease runs out. Neither holds up
    the rest.
    """
    for order_id in order_ids:
        with bound(order_id=order_id):
            logger.info("order processing started")
            try:
                processing.order_process(order_id=order_id)
            except AwsUnavailable as exc:
                processing.order_retry_later(order_id=order_id, error=str(exc))
            except Exception:  # noqa: BLE001 - the rest of the message goes on
                logger.exception("order processing failed (handed over again later)")
