"""Celery tasks for orders: take ids, call a service, retry AWS outages with backoff.

Tasks acknowledge late (settings: acks late, reject on worker lost): a worker that dies
mid-task leaves the message on SQS and it is delivered again; the services make a repeat
harmless.
"""

from __future__ import annotations

import logging

from celery import shared_task
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings

from ecommerce.aws import AwsUnavailable
from ecommerce.logging import bind, unbind
from orders import services

logger = logging.getLogger(__name__)


def _backoff(retries: int) -> int:
    """Exponential with full jitter, capped (ORDER_RETRY_BACKOFF_SECONDS, ..._MAX_SECONDS)."""
    return get_exponential_backoff_interval(
        factor=settings.ORDER_RETRY_BACKOFF_SECONDS,
        retries=retries,
        maximum=settings.ORDER_RETRY_BACKOFF_MAX_SECONDS,
        full_jitter=True,
    )


@shared_task(bind=True, acks_late=True)
def order_process(self, order_id: str) -> None:
    """Drive a placed order to its workflow; after ORDER_TASK_MAX_RETRIES outages, fail it."""
    token = bind(order_id=order_id)
    try:
        logger.info("order processing started", extra={"try": self.request.retries + 1})
        services.order_process(order_id=order_id)
    except AwsUnavailable as exc:
        if self.request.retries >= settings.ORDER_TASK_MAX_RETRIES:
            services.order_fail(
                order_id=order_id,
                reason=f"processing failed {self.request.retries + 1} times: {exc}"[:500],
            )
            return
        raise self.retry(
            exc=exc,
            countdown=_backoff(self.request.retries),
            max_retries=settings.ORDER_TASK_MAX_RETRIES,
        )
    finally:
        unbind(token)


@shared_task(bind=True, acks_late=True, merge_calls=True)
def order_process_many(self, order_ids: list[str]) -> None:
    """Placed orders, several to a message: the web process's sender merges placements'
    calls (`merge_calls`, ecommerce/task_sender.py). Each order is processed as
    `order_process` does; one that meets an AWS outage goes on as its own `order_process`
    task, retried with backoff. If even that cannot be sent, or processing fails in a way
    no retry would fix, the order is logged and left to the sweeper: one order never holds
    up the others of its message."""
    for order_id in order_ids:
        token = bind(order_id=order_id)
        try:
            services.order_process(order_id=order_id)
        except AwsUnavailable as exc:
            logger.warning("order processing will be retried alone", extra={"error": str(exc)})
            try:
                order_process.apply_async((order_id,), countdown=_backoff(0))
            except Exception:  # noqa: BLE001 - SQS down too: the sweeper re-enqueues it
                logger.exception("order retry not sent (the sweeper re-enqueues the order)")
        except Exception:  # noqa: BLE001 - the rest of the message goes on
            logger.exception("order processing failed (the sweeper re-enqueues the order)")
        finally:
            unbind(token)


@shared_task(bind=True, acks_late=True)
def order_email(self, order_id: str, kind: str) -> None:
    """Send one order email (at most once); SES outages are retried with backoff."""
    token = bind(order_id=order_id)
    try:
        services.order_email_send(order_id=order_id, kind=kind)
    except AwsUnavailable as exc:
        if self.request.retries >= settings.ORDER_TASK_MAX_RETRIES:
            logger.error("order email given up", extra={"kind": kind, "error": str(exc)})
            return
        raise self.retry(
            exc=exc,
            countdown=_backoff(self.request.retries),
            max_retries=settings.ORDER_TASK_MAX_RETRIES,
        )
    finally:
        unbind(token)


@shared_task
def order_sweep() -> dict[str, int]:
    """Beat (CELERY_BEAT_SCHEDULE["orders-sweep"]): recover stuck orders."""
    result = services.orders_sweep()
    return {"requeued": result.requeued, "failed": result.failed}
