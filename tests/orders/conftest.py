"""Buyers, products and AWS look-ups for the orders tests."""

from __future__ import annotations

import uuid
from decimal import Decimal

import pytest
from botocore.exceptions import ClientError
from django.utils import timezone

from accounts.models import User
from ecommerce import aws
from ecommerce.models import Email
from orders.emails import email_key
from orders.lifecycle import transition
from orders.models import EmailKind, Order, OrderLine, OrderStatus
from products.models import Product
from tests.products.factories import product_make


def buyer_make() -> User:
    """A local user with an email address (no Cognito identity: services take a user)."""
    tag = uuid.uuid4().hex[:10]
    return User.objects.create(username=f"buyer-{tag}", email=f"buyer-{tag}@example.com")


@pytest.fixture
def buyer(db) -> User:
    return buyer_make()


@pytest.fixture
def product(db) -> Product:
    return product_make(quantity=40, price=Decimal("12.50"), product_name="Gucci bag")


def stock(product: Product) -> int:
    return Product.objects.values_list("quantity", flat=True).get(pk=product.pk)


def order_insert(*, user: User, product: Product, quantity: int = 1, **fields) -> Order:
    """An order of one line written directly, as if placed (due for processing unless `due_at` says
    otherwise). The stock is not touched: callers take it with products.services when it
    matters."""
    now = timezone.now()
    values = {
        "user": user,
        "total": product.price * quantity,
        "created_at": now,
        "updated_at": now,
    }
    values.update(fields)
    order = Order.objects.create(**values)
    OrderLine.objects.create(
        order=order,
        product=product,
        product_name=product.product_name,
        unit_price=product.price,
        quantity=quantity,
        line_total=product.price * quantity,
    )
    return order


def history(order: Order) -> list[tuple[str, str]]:
    """(from, to) of the order's history as stored: its placement, then its transitions."""
    stored = Order.objects.get(pk=order.pk)
    return [(entry.from_status, entry.to_status) for entry in stored.history]


def execution_status(order: Order) -> str | None:
    """The status of the order's Step Functions execution on the emulator, or None."""
    try:
        return aws.client("stepfunctions").describe_execution(
            executionArn=aws.execution_arn(str(order.pk))
        )["status"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ExecutionDoesNotExist":
            return None
        raise


def mark_processing(order: Order) -> None:
    """Move a placed order to processing, as the worker's first step does."""
    transition(
        order.pk, allowed=[OrderStatus.PENDING], to=OrderStatus.PROCESSING, reason="processing"
    )


def order_emails(order_id, *, sent: bool = False) -> dict[str, Email]:
    """The order's emails in the shared table, by kind (`sent`: only those SES took)."""
    keys = {email_key(order_id, kind): kind for kind in EmailKind}
    found = Email.objects.filter(key__in=keys)
    if sent:
        found = found.exclude(ses_message_id="")
    return {keys[email.key]: email for email in found}


def orders_settled(order_ids) -> bool:
    """Every order shipped with both emails sent: the worker and the events process are done
    with them. Transactional tests that enqueue real orders wait for this before ending,
    or the database flush after the test races the worker's writes (a deadlock on
    PostgreSQL)."""
    ids = list(order_ids)
    shipped = Order.objects.filter(pk__in=ids, status=OrderStatus.SHIPPING).count()
    emailed = sum(len(order_emails(order_id, sent=True)) for order_id in ids)
    return shipped == len(ids) and emailed == 2 * len(ids)
