"""Processing a placed order (the worker) and the order workflow's report (the events process).

The worker moves the order pending → processing, queuing the confirmation email in the same
transaction, then starts the order's Step Functions execution, named by the order id so that
a repeat cannot start a second one. The workflow reports back over the events queue; the
events process moves the order to shipping and queues the shipping email. Every step is safe
to run twice.
"""

from __future__ import annotations

import json
import logging
import uuid

from django.conf import settings
from django.db import transaction

from ecommerce import aws, duework
from orders import emails
from orders.errors import MalformedMessage, OrderNotFound
from orders.lifecycle import order_fail, transition
from orders.models import IN_FLIGHT, EmailKind, Order, OrderStatus

logger = logging.getLogger(__name__)


def order_process(*, order_id: uuid.UUID | str) -> None:
    """The worker's step for a due order: pending → processing (with the confirmation email
    queued), then the order workflow. An order still in flight after ORDER_MAX_ATTEMPTS
    hand-overs (lost messages, dead workers, outages, a workflow that never reported) fails.

    Safe to repeat, and a repeat resumes where an interrupted run stopped. Raises
    AwsUnavailable when Step Functions cannot be reached (see `order_retry_later`).
    """
    order = Order.objects.filter(pk=order_id).only("status", "handovers").first()
    if order is None:
        logger.warning("order to process does not exist", extra={"order_id": str(order_id)})
        return
    if order.status not in IN_FLIGHT:
        duework.done(Order, order_id)
        return
    if order.handovers > settings.ORDER_MAX_ATTEMPTS:
        order_fail(order_id=order_id, reason=f"not processed in {order.handovers - 1} attempts")
        return
    with transaction.atomic():
        left = transition(
            order_id, allowed=[OrderStatus.PENDING], to=OrderStatus.PROCESSING, reason="processing"
        )
        if left is not None:
            emails.order_email_queue(order_id, EmailKind.CONFIRMATION)
    order = Order.objects.get(pk=order_id)
    if order.status == OrderStatus.PROCESSING:
        _workflow_start(order)


def order_retry_later(*, order_id: uuid.UUID | str, error: str) -> None:
    """Processing met an AWS outage: the order is due again after a backoff."""
    handovers = Order.objects.filter(pk=order_id).values_list("handovers", flat=True).first()
    if handovers is None:
        return
    duework.later(Order, order_id, seconds=duework.backoff(handovers))
    logger.warning(
        "order processing will be retried",
        extra={"order_id": str(order_id), "attempt": handovers, "error": error},
    )


def _workflow_start(order: Order) -> None:
    name = str(order.id)
    try:
        aws.call(
            "stepfunctions",
            "start_execution",
            stateMachineArn=aws.state_machine_arn(),
            name=name,
            input=json.dumps({"orderId": name}),
        )
    except aws.ClientError as exc:
        if aws.error_code(exc) != "ExecutionAlreadyExists":
            raise
        # Started by an earlier run (names are unique): see how it went.
        _workflow_reconcile(order)
        return
    logger.info("order workflow started", extra={"order_id": name})


def _workflow_reconcile(order: Order) -> None:
    """An earlier run started the execution: apply its outcome if its report was lost."""
    status = aws.call(
        "stepfunctions", "describe_execution", executionArn=aws.execution_arn(str(order.id))
    )["status"]
    logger.info("order workflow already started", extra={"order_id": str(order.id), "sfn": status})
    if status == "SUCCEEDED":
        order_mark_shipping(order_id=order.id, reason="the order workflow succeeded")
    elif status in {"FAILED", "TIMED_OUT", "ABORTED"}:
        order_fail(order_id=order.id, reason=f"the order workflow ended {status}")


# --- the workflow's report (the events process) ---------------------------------------------


def order_mark_shipping(*, order_id: uuid.UUID | str, reason: str) -> bool:
    """processing → shipping, with the shipping email queued. A cancelled or failed order
    stays as it is. Returns whether this call moved the order."""
    with transaction.atomic():
        try:
            left = transition(
                order_id, allowed=[OrderStatus.PROCESSING], to=OrderStatus.SHIPPING, reason=reason
            )
        except OrderNotFound:
            logger.warning(
                "shipping report for an unknown order", extra={"order_id": str(order_id)}
            )
            return False
        if left is None:
            return False
        emails.order_email_queue(order_id, EmailKind.SHIPPING)
    return True


def order_shipping_reported(message: dict) -> None:
    """settings.EVENT_HANDLERS["order.shipping"]: the workflow's `sqs:sendMessage` report."""
    try:
        order_id = uuid.UUID(str(message["orderId"]))
    except (KeyError, ValueError) as exc:
        raise MalformedMessage(f"order.shipping without a valid orderId: {message!r}") from exc
    order_mark_shipping(order_id=order_id, reason="the order workflow reported shipping")
