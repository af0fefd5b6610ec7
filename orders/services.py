"""Orders: the verbs. Every status change goes through `_transition`, the guard.

The order moves pending → processing (the worker) → shipping (the order workflow's
report, applied by the events process); it can end failed (processing kept failing) or
cancelled (by its owner while pending or processing). Each step is safe to run twice:
transitions are conditional updates on the current status, emails are claimed once per
order and kind, and the workflow execution is named by the order id.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
)
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from ecommerce import aws
from ecommerce.email import send_email
from ecommerce.errors import Conflict, NotFound
from ecommerce.task_sender import send_after_commit
from orders import tasks
from orders.models import (
    IN_FLIGHT,
    EmailKind,
    IdempotencyRecord,
    Order,
    OrderEmail,
    OrderStatus,
    OrderTransition,
)
from products import services as products

logger = logging.getLogger(__name__)

# Orders handled per sweep; the rest wait for the next one (oldest first).
SWEEP_BATCH = 500


class OrderNotFound(NotFound):
    code = "order_not_found"

    def __init__(self, message: str = "No such order.", **kwargs):
        super().__init__(message, **kwargs)


class OrderNotCancellable(Conflict):
    code = "order_not_cancellable"

    def __init__(self, *, status: str):
        super().__init__(
            f"The order is {status}: only pending or processing orders can be cancelled.",
            extra={"status": status},
        )
        self.status = status


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"

    def __init__(self):
        super().__init__("This Idempotency-Key was already used with a different request body.")


class MalformedMessage(ValueError):
    """An order workflow message without a valid orderId (it ends in the dead-letter queue)."""


@dataclass(frozen=True)
class Placement:
    order: Order
    replayed: bool  # True: an earlier request with the same Idempotency-Key placed it


@dataclass(frozen=True)
class SweepResult:
    requeued: int
    failed: int


# --- the guard ----------------------------------------------------------------------------


def _transition(
    order_id: uuid.UUID | str, *, allowed: Iterable[str], to: str, reason: str
) -> str | None:
    """Move the order to `to` if its status is one of `allowed`, and record the transition.

    Returns the status it left, or None when nothing changed (the order is elsewhere, e.g.
    a redelivered message or a cancelled order). Raises OrderNotFound.
    """
    allowed = set(allowed)
    with transaction.atomic():
        # A status only moves forward, so this loop ends: when the conditional update
        # misses, another process moved the order since the read; look again.
        while True:
            current = Order.objects.filter(pk=order_id).values_list("status", flat=True).first()
            if current is None:
                raise OrderNotFound()
            if current not in allowed:
                return None
            now = timezone.now()
            moved = Order.objects.filter(pk=order_id, status=current).update(
                status=to, updated_at=now
            )
            if moved:
                OrderTransition.objects.create(
                    order_id=order_id, from_status=current, to_status=to, at=now, reason=reason
                )
                logger.info(
                    "order status changed",
                    extra={"order_id": str(order_id), "from": current, "to": to, "reason": reason},
                )
                return current


def _release_stock(order_id: uuid.UUID | str) -> None:
    row = Order.objects.filter(pk=order_id).values("product_id", "quantity").first()
    if row and row["product_id"]:
        products.stock_release(product_id=row["product_id"], quantity=row["quantity"])


def _enqueue(task, *args, background: bool = False) -> None:
    """Send a task once the current transaction commits. An enqueue that fails (SQS down)
    is logged, not raised: the order is committed and the sweeper finds it. Placement hands
    its task (`order_process_many`, whose calls share messages) to the background sender
    (ecommerce/task_sender.py): the sweeper re-sends one lost with its process."""
    send_after_commit(task, *args, background=background)


# --- placing ------------------------------------------------------------------------------


def request_fingerprint(*, product_id: uuid.UUID, quantity: int) -> str:
    """sha256 of the canonical JSON of a create-order body (what Idempotency-Key guards)."""
    canonical = json.dumps(
        {"id": str(product_id), "quantity": quantity}, sort_keys=True, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def _replay(*, user: User, key: str, fingerprint: str) -> Placement | None:
    record = IdempotencyRecord.objects.select_related("order").filter(user=user, key=key).first()
    if record is None:
        return None
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused()
    return Placement(order=record.order, replayed=True)


def order_place(
    *,
    user: User,
    product_id: uuid.UUID,
    quantity: int,
    idempotency_key: str | None = None,
) -> Placement:
    """Reserve stock and create a pending order in one transaction; processing is
    enqueued when it commits.

    Raises ProductNotFound (unknown or unapproved), InsufficientStock, and
    IdempotencyKeyReused (the key placed an order for another body). The same key with
    the same body returns the first placement and changes nothing.
    """
    if idempotency_key is None:
        order = _reserve_and_record(user=user, product_id=product_id, quantity=quantity)
        _enqueue(tasks.order_process_many, [str(order.id)], background=True)
    else:
        fingerprint = request_fingerprint(product_id=product_id, quantity=quantity)
        with transaction.atomic():
            replay = _replay(user=user, key=idempotency_key, fingerprint=fingerprint)
            if replay is not None:
                return replay
            try:
                # The unique (user, key) claim: a concurrent request with the same key
                # waits here until this transaction ends, then replays its order.
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        user=user, key=idempotency_key, fingerprint=fingerprint
                    )
            except IntegrityError:
                replay = _replay(user=user, key=idempotency_key, fingerprint=fingerprint)
                if replay is None:
                    raise
                return replay
            order = _reserve_and_record(user=user, product_id=product_id, quantity=quantity)
            record.order = order
            record.save(update_fields=["order"])
            _enqueue(tasks.order_process_many, [str(order.id)], background=True)
    logger.info(
        "order placed",
        extra={"order_id": str(order.id), "product_id": str(product_id), "quantity": quantity},
    )
    return Placement(order=order, replayed=False)


# The stock, the order and its first history row in one statement (PostgreSQL): outside a
# transaction it commits by itself, one round trip to the database instead of six (BEGIN,
# three statements, COMMIT, the catalogue bump), and the product's row lock is held only
# while it runs.
_PLACE_SQL = """
WITH reserved AS ({reserve}),
placed AS (
    INSERT INTO {order} (id, user_id, product_id, product_name, unit_price, quantity, total,
                         status, attempts, created_at, updated_at)
    SELECT %s, %s, id, product_name, price, %s, price * %s, %s, %s, %s, %s FROM reserved
    RETURNING id
),
recorded AS (
    INSERT INTO {transition} (order_id, from_status, to_status, at, reason)
    SELECT id, '', %s, %s, %s FROM placed
)
SELECT * FROM reserved
""".strip()

PLACED_REASON = "placed"


def _reserve_and_record(*, user: User, product_id: uuid.UUID, quantity: int) -> Order:
    """Take the stock, create the pending order and its first history row: all or nothing.

    On PostgreSQL one statement (_PLACE_SQL); elsewhere three in a transaction. Raises
    ProductNotFound or InsufficientStock (and then has changed nothing).
    """
    now = timezone.now()
    order = Order(user=user, quantity=quantity, created_at=now, updated_at=now)
    if connection.vendor != "postgresql":
        with transaction.atomic():
            _snapshot(order, products.stock_reserve(product_id=product_id, quantity=quantity))
            order.save(force_insert=True)
            OrderTransition.objects.create(
                order=order,
                from_status="",
                to_status=OrderStatus.PENDING,
                at=now,
                reason=PLACED_REASON,
            )
        return order
    reserve, params = products.stock_reserve_sql(product_id=product_id, quantity=quantity)
    sql = _PLACE_SQL.format(
        reserve=reserve,
        order=Order._meta.db_table,
        transition=OrderTransition._meta.db_table,
    )
    params += [order.id, user.pk, quantity, quantity, order.status, order.attempts, now, now]
    params += [order.status, now, PLACED_REASON]
    # Outside a transaction the statement commits by itself, and the catalogue's version
    # bump rides in its round trip (once the order is committed), rather than taking one
    # more after it. Inside one (an Idempotency-Key's), the bump waits for that commit.
    bumped = connection.get_autocommit() and not connection.in_atomic_block
    if bumped:
        sql += products.bump_after_commit_sql(
            f"EXISTS (SELECT 1 FROM {Order._meta.db_table} WHERE id = %s)"
        )
        params.append(order.id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        products.stock_reserve_refused(product_id=product_id, quantity=quantity)
    _snapshot(order, products.stock_reserved(row, bumped=bumped))
    order._state.adding, order._state.db = False, connection.alias
    return order


def _snapshot(order: Order, product: products.Reservation) -> None:
    """What the order keeps of the product it was placed for."""
    order.product_id = product.id
    order.product_name = product.product_name
    order.unit_price = product.price
    order.total = product.price * order.quantity


# --- processing (the worker) -----------------------------------------------------------------


def order_mark_processing(*, order_id: uuid.UUID | str) -> bool:
    """pending → processing; returns whether this call moved the order. Raises OrderNotFound."""
    left = _transition(
        order_id, allowed=[OrderStatus.PENDING], to=OrderStatus.PROCESSING, reason="processing"
    )
    return left is not None


def order_process(*, order_id: uuid.UUID | str) -> None:
    """pending → processing, the confirmation email, then the order workflow.

    Safe to repeat, and a repeat resumes where an interrupted run stopped: the transition
    is guarded, the email is sent at most once and the execution is named by the order
    id. Raises AwsUnavailable when SES or Step Functions cannot be reached (retry).
    """
    try:
        order_mark_processing(order_id=order_id)
    except OrderNotFound:
        logger.warning("order to process does not exist", extra={"order_id": str(order_id)})
        return
    order = Order.objects.filter(pk=order_id).first()
    if order is None:
        return
    if order.status == OrderStatus.SHIPPING:
        # An earlier run applied the workflow's result but could not email.
        order_email_send(order_id=order.id, kind=EmailKind.SHIPPING)
        return
    if order.status != OrderStatus.PROCESSING:
        logger.info("order needs no processing", extra={"order_id": str(order.id)})
        return
    order_email_send(order_id=order.id, kind=EmailKind.CONFIRMATION)
    _workflow_start(order)


def _stepfunctions_error(exc: BotoCoreError | ClientError) -> Exception:
    if aws.is_unavailable(exc):
        return aws.AwsUnavailable("stepfunctions", str(exc))
    return exc


def _workflow_start(order: Order) -> None:
    name = str(order.id)
    try:
        aws.client("stepfunctions").start_execution(
            stateMachineArn=aws.state_machine_arn(),
            name=name,
            input=json.dumps({"orderId": name}),
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
            raise _stepfunctions_error(exc) from exc
        # Started by an earlier run (names are unique): see how it went.
        _workflow_reconcile(order)
        return
    except BotoCoreError as exc:
        raise _stepfunctions_error(exc) from exc
    logger.info("order workflow started", extra={"order_id": name})


def _workflow_reconcile(order: Order) -> None:
    """An earlier run started the execution: apply its outcome if its report was lost."""
    try:
        status = aws.client("stepfunctions").describe_execution(
            executionArn=aws.execution_arn(str(order.id))
        )["status"]
    except (BotoCoreError, ClientError) as exc:
        raise _stepfunctions_error(exc) from exc
    logger.info("order workflow already started", extra={"order_id": str(order.id), "sfn": status})
    if status == "SUCCEEDED":
        order_mark_shipping(order_id=order.id, reason="the order workflow succeeded")
    elif status in {"FAILED", "TIMED_OUT", "ABORTED"}:
        order_fail(order_id=order.id, reason=f"the order workflow ended {status}")


# --- the workflow's report (the events process) ---------------------------------------------


def order_mark_shipping(*, order_id: uuid.UUID, reason: str) -> bool:
    """processing → shipping and the shipping email (once). A cancelled or failed order
    stays as it is. Returns whether this call moved the order."""
    try:
        left = _transition(
            order_id, allowed=[OrderStatus.PROCESSING], to=OrderStatus.SHIPPING, reason=reason
        )
    except OrderNotFound:
        logger.warning("shipping report for an unknown order", extra={"order_id": str(order_id)})
        return False
    # Also on a redelivered report: the first delivery may have failed to email.
    order_email_send(order_id=order_id, kind=EmailKind.SHIPPING)
    return left is not None


def order_shipping_reported(message: dict) -> None:
    """settings.EVENT_HANDLERS["order.shipping"]: the workflow's `sqs:sendMessage` report."""
    try:
        order_id = uuid.UUID(str(message["orderId"]))
    except (KeyError, ValueError) as exc:
        raise MalformedMessage(f"order.shipping without a valid orderId: {message!r}") from exc
    order_mark_shipping(order_id=order_id, reason="the order workflow reported shipping")


# --- failure, cancellation -----------------------------------------------------------------


def order_fail(*, order_id: uuid.UUID | str, reason: str) -> bool:
    """pending/processing → failed: the stock goes back and the customer is emailed once.
    Returns whether this call failed the order."""
    with transaction.atomic():
        try:
            left = _transition(order_id, allowed=IN_FLIGHT, to=OrderStatus.FAILED, reason=reason)
        except OrderNotFound:
            logger.warning("order to fail does not exist", extra={"order_id": str(order_id)})
            return False
        if left is None:
            return False
        _release_stock(order_id)
        _enqueue(tasks.order_email, str(order_id), EmailKind.FAILURE)
    return True


def order_cancel(*, user: User, order_id: uuid.UUID) -> Order:
    """The owner cancels a pending or processing order; its stock goes back.

    Another user's order is OrderNotFound; a later status is OrderNotCancellable. A
    workflow report arriving afterwards leaves the order cancelled.
    """
    with transaction.atomic():
        if not Order.objects.filter(pk=order_id, user=user).exists():
            raise OrderNotFound()
        left = _transition(
            order_id,
            allowed=IN_FLIGHT,
            to=OrderStatus.CANCELLED,
            reason="cancelled by the customer",
        )
        if left is None:
            raise OrderNotCancellable(
                status=Order.objects.values_list("status", flat=True).get(pk=order_id)
            )
        _release_stock(order_id)
    return Order.objects.get(pk=order_id)


# --- emails --------------------------------------------------------------------------------

# Each email is about one status; it is not sent once the order has left it (a cancelled
# order gets no confirmation).
_EMAIL_STATUS = {
    EmailKind.CONFIRMATION: OrderStatus.PROCESSING,
    EmailKind.SHIPPING: OrderStatus.SHIPPING,
    EmailKind.FAILURE: OrderStatus.FAILED,
}


def _email_text(order: Order, kind: str) -> tuple[str, str]:
    details = (
        f"Order: {order.id}\n"
        f"Product: {order.product_name}\n"
        f"Quantity: {order.quantity}\n"
        f"Total: {order.total}\n"
    )
    if kind == EmailKind.CONFIRMATION:
        return (
            "Your Order Confirmation",
            f"Thank you for your order.\n\n{details}\nWe will notify you when it is shipped.\n",
        )
    if kind == EmailKind.SHIPPING:
        return (
            f"{order.product_name} now shipping",
            f"Good news: {order.product_name} now shipping.\n\n{details}",
        )
    return (
        "Your order could not be processed",
        f"We are sorry: we could not process your order, so it has been cancelled and the "
        f"items reserved for it released.\n\n{details}",
    )


def _surely_not_sent(exc: aws.AwsUnavailable) -> bool:
    """SES answered with an error, or was never reached: sending again cannot duplicate.
    A timeout after the request went out is unknown, and is not resent."""
    return isinstance(exc.__cause__, ClientError | EndpointConnectionError | ConnectTimeoutError)


def _email_claim(order: Order, kind: str) -> OrderEmail | None:
    """This call's claim on the (order, kind) email: a new one, or one whose sender died
    before its request went out (still unsent ORDER_EMAIL_CLAIM_SECONDS later). None when
    the email went out (or its outcome is unknown) or a live sender holds the claim.

    The claim's `created_at` is its token: taking a claim over changes it, and a sender
    only marks its request as going out while the token is still its own, so two senders
    can never both send.
    """
    try:
        with transaction.atomic():
            return OrderEmail.objects.create(order=order, kind=kind)
    except IntegrityError:
        pass
    now = timezone.now()
    stale = (
        OrderEmail.objects.filter(order=order, kind=kind, ses_message_id="", sent_at=None)
        .filter(created_at__lt=now - timedelta(seconds=settings.ORDER_EMAIL_CLAIM_SECONDS))
        .first()
    )
    if stale is None:
        return None
    taken = OrderEmail.objects.filter(
        pk=stale.pk, sent_at=None, created_at=stale.created_at
    ).update(created_at=now)
    if not taken:
        return None
    logger.warning(
        "order email claim taken over: its sender stopped before sending",
        extra={"order_id": str(order.id), "kind": kind},
    )
    stale.created_at = now
    return stale


def order_email_send(*, order_id: uuid.UUID | str, kind: str) -> str | None:
    """Send the order's `kind` email at most once; returns the SES message id, or None when
    this call sent nothing (already sent or being sent, or the order is not in its status).

    The (order, kind) row is claimed in its own transaction before sending, and marked
    (`sent_at`) just before the request goes out. A sender that died between the two never
    sent: a later delivery takes its claim over (`_email_claim`). From the mark on, the
    email is not sent again, even if the process dies before recording the SES message id.
    An SES outage releases the claim and raises AwsUnavailable (retry); a refusal (e.g. an
    address SES will not mail) is logged and not retried: the order goes on without it.
    """
    order = Order.objects.select_related("user").filter(pk=order_id).first()
    if order is None or order.status != _EMAIL_STATUS[kind]:
        return None
    if not order.user.email:
        logger.warning("order email skipped: no address", extra={"order_id": str(order.id)})
        return None
    # A process's first SES client takes about 100 ms to build: not between claim and send.
    aws.client("ses")
    claim = _email_claim(order, kind)
    if claim is None:
        return None
    mine = OrderEmail.objects.filter(pk=claim.pk, created_at=claim.created_at)
    subject, body = _email_text(order, kind)
    log = {"order_id": str(order.id), "kind": kind}
    if not mine.filter(sent_at=None).update(sent_at=timezone.now()):
        return None  # taken over while this call stalled
    try:
        message_id = send_email(to=order.user.email, subject=subject, body=body)
    except aws.AwsUnavailable as exc:
        if not _surely_not_sent(exc):
            logger.error("order email outcome unknown; it is not sent again", extra=log)
            return None
        mine.delete()
        raise
    except ClientError:
        mine.delete()
        logger.exception("SES refused the order email", extra=log)
        return None
    mine.update(ses_message_id=message_id)
    return message_id


# --- recovery ------------------------------------------------------------------------------


def orders_sweep() -> SweepResult:
    """Re-enqueue orders stuck in pending/processing for ORDER_STUCK_AFTER_SECONDS (a lost
    enqueue, a dead worker, a lost workflow report); fail those already tried
    ORDER_MAX_ATTEMPTS times."""
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
                _enqueue(tasks.order_process, str(order_id))
        if bumped:
            requeued += 1
            logger.warning(
                "stuck order re-enqueued",
                extra={"order_id": str(order_id), "attempt": attempts + 1},
            )
    return SweepResult(requeued=requeued, failed=failed)
