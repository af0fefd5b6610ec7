"""The customer's order emails: what each says, queued with the transition it is about
(ecommerce/email.py sends it, at most once per order and kind)."""

from __future__ import annotations

import uuid

from ecommerce.email import email_queue
from orders.models import EmailKind, Order


def email_key(order_id: uuid.UUID | str, kind: str) -> str:
    return f"order:{order_id}:{kind}"


def order_email_queue(order_id: uuid.UUID | str, kind: str) -> None:
    """Queue the order's `kind` email; call it in the transaction of the transition."""
    order = Order.objects.select_related("user").get(pk=order_id)
    subject, body = email_text(order, kind)
    email_queue(key=email_key(order.id, kind), to=order.user.email, subject=subject, body=body)


def email_text(order: Order, kind: str) -> tuple[str, str]:
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
