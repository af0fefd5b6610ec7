"""Create-order's several-products form (`items`), and orders with lines over the API."""

import uuid
from decimal import Decimal

import pytest

from orders.models import MAX_LINES, Order
from products.models import ProductStatus
from tests.orders.conftest import stock
from tests.products.factories import product_make

pytestmark = pytest.mark.django_db

CREATE = "/orders/create-order"


def items(client, pairs, **headers):
    body = {
        "items": [{"id": str(p.id if hasattr(p, "id") else p), "quantity": q} for p, q in pairs]
    }
    return client.post(CREATE, body, format="json", headers=headers)


def test_items_place_one_order_with_a_line_per_product(user_api):
    hat = product_make(quantity=5, price=Decimal("4.00"), product_name="Hat")
    pin = product_make(quantity=5, price=Decimal("1.25"), product_name="Pin")
    response = items(user_api, [(hat, 2), (pin, 4)])

    assert response.status_code == 201
    order = Order.objects.get()
    assert response.json() == {"message": "order placed successfully", "orderId": str(order.pk)}
    body = user_api.get(f"/orders/{order.pk}").json()
    assert sorted(
        (line["productName"], line["quantity"], line["lineTotal"]) for line in body["lines"]
    ) == [
        ("Hat", 2, 8.0),
        ("Pin", 4, 5.0),
    ]
    assert body["total"] == 13.0
    assert [line["productId"] for line in body["lines"]] == sorted(
        [str(hat.id), str(pin.id)], key=uuid.UUID
    )
    assert (stock(hat), stock(pin)) == (3, 1)


def test_the_same_product_twice_is_one_summed_line(user_api):
    hat = product_make(quantity=5)
    assert items(user_api, [(hat, 2), (hat, 1)]).status_code == 201
    [line] = Order.objects.get().lines.all()
    assert line.quantity == 3
    assert stock(hat) == 2


def test_a_one_line_order_keeps_the_original_fields(user_api):
    hat = product_make(quantity=5, price=Decimal("4.00"), product_name="Hat")
    order_id = items(user_api, [(hat, 2)]).json()["orderId"]
    body = user_api.get(f"/orders/{order_id}").json()
    assert (body["productId"], body["productName"], body["unitPrice"], body["quantity"]) == (
        str(hat.id),
        "Hat",
        4.0,
        2,
    )


def test_every_short_line_is_named_and_nothing_is_reserved(user_api):
    plenty, short = product_make(quantity=9), product_make(quantity=1)
    response = items(user_api, [(plenty, 3), (short, 2)])
    assert response.status_code == 409
    assert response.json()["lines"] == [
        {"productId": str(short.id), "requested": 2, "available": 1}
    ]
    assert (stock(plenty), stock(short)) == (9, 1)
    assert not Order.objects.exists()


def test_a_product_not_for_sale_in_items_is_409_naming_it(user_api):
    on_sale = product_make(quantity=9)
    pending = product_make(quantity=9, status=ProductStatus.PENDING)
    unknown = uuid.uuid4()
    response = items(user_api, [(on_sale, 1), (pending, 1), (unknown, 1)])
    assert response.status_code == 409
    assert response.json()["code"] == "product_unavailable"
    assert sorted(response.json()["productIds"]) == sorted([str(pending.id), str(unknown)])
    assert stock(on_sale) == 9


def test_the_one_product_form_keeps_its_404(user_api):
    response = user_api.post(CREATE, {"id": str(uuid.uuid4()), "quantity": 1}, format="json")
    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"


@pytest.mark.parametrize(
    "body",
    [
        {"items": []},
        {"items": [{"id": "not-a-uuid", "quantity": 1}]},
        {"items": [{"quantity": 1}]},
        {"items": {"id": "x"}},
        {"items": None},
        {"id": "{id}", "quantity": 1, "items": [{"id": "{id}", "quantity": 1}]},
        {"id": "{id}"},
        {"quantity": 1},
        {},
        {"items": [{"id": str(uuid.uuid4()), "quantity": 1} for _ in range(MAX_LINES + 1)]},
    ],
    ids=[
        "empty",
        "bad-id",
        "no-id",
        "not-a-list",
        "null",
        "both-forms",
        "no-quantity",
        "no-id-one-form",
        "nothing",
        "too-many",
    ],
)
def test_bad_bodies_are_400_and_reserve_nothing(user_api, body):
    hat = product_make(quantity=5)
    text = str(body).replace("{id}", str(hat.id)).replace("'", '"').replace("None", "null")
    response = user_api.post(CREATE, text, content_type="application/json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert stock(hat) == 5
    assert not Order.objects.exists()


def test_items_with_an_idempotency_key_replay_and_another_body_is_409(user_api):
    hat, pin = product_make(quantity=5), product_make(quantity=5)
    first = items(user_api, [(hat, 1), (pin, 1)], **{"Idempotency-Key": "k"})
    # The same request, its items in another order: the same order.
    again = items(user_api, [(pin, 1), (hat, 1)], **{"Idempotency-Key": "k"})
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert items(user_api, [(hat, 2)], **{"Idempotency-Key": "k"}).status_code == 409
    assert (stock(hat), stock(pin)) == (4, 4)


def test_cancel_releases_every_line(user_api):
    hat, pin = product_make(quantity=5), product_make(quantity=5)
    order_id = items(user_api, [(hat, 2), (pin, 3)]).json()["orderId"]
    response = user_api.post(f"/orders/{order_id}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert (stock(hat), stock(pin)) == (5, 5)
