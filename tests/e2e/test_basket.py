"""A basket checked out over HTTP against the whole stack (gunicorn, the Celery worker on
SQS, Step Functions and SES on the emulator, the events process): one order with every
line goes to shipping with one confirmation, one shipping email and one execution."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from orders.models import Order
from tests.conftest import sent_emails, wait_for
from tests.orders.conftest import execution_status, order_emails, orders_settled, stock
from tests.products.factories import product_make

pytestmark = [pytest.mark.e2e]


def session_of(user) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {user.tokens['IdToken']}"
    return session


def test_a_basket_of_three_ships_as_one_order_with_one_email_of_each_kind(
    web_url, make_user, emulator_url
):
    buyer = make_user()
    http = session_of(buyer)
    hat = product_make(quantity=10, price=Decimal("2.50"), product_name="Wool hat")
    scarf = product_make(quantity=10, price=Decimal("10.00"), product_name="Silk scarf")
    pin = product_make(quantity=10, price=Decimal("0.99"), product_name="Tin pin")
    for product, quantity in ((hat, 2), (scarf, 1), (pin, 3)):
        answer = http.put(f"{web_url}/cart/lines/{product.id}", json={"quantity": quantity})
        assert answer.status_code == 200, answer.text
    assert http.get(f"{web_url}/cart").json()["total"] == 17.97

    placed = http.post(f"{web_url}/cart/checkout")
    assert placed.status_code == 201, placed.text
    order_id = placed.json()["orderId"]

    wait_for(
        lambda: Order.objects.filter(pk=order_id, status="shipping").exists(),
        timeout=60,
        message="the order to ship",
    )
    mails = wait_for(
        lambda: (
            len(order_emails(order_id, sent=True)) == 2
            and sent_emails(emulator_url, to=buyer.email)
        ),
        timeout=30,
    )
    assert len(mails) == 2
    by_subject = {m["subject"]: m["body"] for m in mails}
    confirmation = by_subject.pop("Your Order Confirmation")
    [(subject, body)] = by_subject.items()
    assert subject.endswith(" now shipping")
    for name in ("Wool hat", "Silk scarf", "Tin pin"):
        assert name in subject and name in confirmation and name in body
    for text in ("Quantity: 2", "Quantity: 1", "Quantity: 3", "Total: 17.97"):
        assert text in confirmation
    assert execution_status(Order(pk=order_id)) == "SUCCEEDED"

    detail = http.get(f"{web_url}/orders/{order_id}").json()
    assert detail["status"] == "shipping"
    assert len(detail["lines"]) == 3
    assert http.get(f"{web_url}/cart").json()["lines"] == []
    assert [stock(p) for p in (hat, scarf, pin)] == [8, 9, 7]


def test_a_short_line_over_http_is_409_naming_it_and_keeps_everything(web_url, make_user):
    buyer = make_user()
    http = session_of(buyer)
    plenty = product_make(quantity=10)
    short = product_make(quantity=3)
    for product in (plenty, short):
        assert http.put(f"{web_url}/cart/lines/{product.id}", json={"quantity": 3}).ok
    # Someone else buys one of the three meanwhile.
    other = session_of(make_user())
    bought = other.post(f"{web_url}/orders/create-order", json={"id": str(short.id), "quantity": 1})
    assert bought.status_code == 201

    refused = http.post(f"{web_url}/cart/checkout")
    assert refused.status_code == 409
    assert refused.json()["code"] == "insufficient_stock"
    assert refused.json()["lines"] == [{"productId": str(short.id), "requested": 3, "available": 2}]
    assert (stock(plenty), stock(short)) == (10, 2)
    assert len(http.get(f"{web_url}/cart").json()["lines"]) == 2
    assert not Order.objects.filter(user=buyer.user).exists()
    # The other order ships before the test's database is flushed (tests/orders/conftest.py).
    wait_for(lambda: orders_settled([bought.json()["orderId"]]), timeout=60)
