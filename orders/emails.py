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
    order = Order.objects.select_related("user").prefetch_related("lines").get(pk=order_id)
    subject, body = email_text(order, kind)
    email_queue(key=email_key(order.id, kind), to=order.user.email, subject=subject, body=body)


def email_text(order: Order, kind: str) -> tuple[str, str]:
    lines = list(order.lines.all())
    details = (
        f"Order: {order.id}\n"
        + "".join(
            f"Product: {line.product_name}\nQuantity: {line.quantity}\n"
            f"Line total: {line.line_total}\n"
            for line in lines
        )
        + f"Total: {order.total}\n"
    )
    if kind == EmailKind.CONFIRMATION:
        return (
            "Your Order Confirmation",
            f"Thank you for your order.\n\n{details}\nWe will notify you when it is shipped.\n",
        )
    if kind == EmailKind.SHIPPING:
        products = _names(lines)
        return (
            f"{products} now shipping",
            f"Good news: {products} now shipping.\n\n{details}",
        )
    return (
        "Your order could not be processed",
        f"We are sorry: we could not process your order, so it has been cancelled and the "
        f"items reserved for it released.\n\n{details}",
    )


# A shipping subject names this many products at most, then "and N more".
SUBJECT_NAMES = 3


def _names(lines: list) -> str:
    """'A', 'A and B', 'A, B and C', 'A, B, C and 2 more'."""
    names = [line.product_name for line in lines]
    if len(names) > SUBJECT_NAMES:
        return f"{', '.join(names[:SUBJECT_NAMES])} and {len(names) - SUBJECT_NAMES} more"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"
