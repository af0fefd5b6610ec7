"""The basket over the API (real Cognito tokens from the emulator): lines, limits, and the
checkout that places one order with every line, all or nothing."""

import uuid
from decimal import Decimal

import pytest

from cart.models import Cart, CartLine
from orders.models import MAX_LINES, Order
from products.models import Product, ProductStatus
from tests.orders.conftest import stock
from tests.products.factories import product_make

pytestmark = pytest.mark.django_db

CART = "/cart"
CHECKOUT = "/cart/checkout"


def put(client, product, quantity):
    return client.put(f"/cart/lines/{product.id}", {"quantity": quantity}, format="json")


def checkout(client, **headers):
    return client.post(CHECKOUT, headers=headers)


@pytest.fixture
def three(db) -> list[Product]:
    return [
        product_make(quantity=10, price=Decimal("2.50"), product_name="Hat"),
        product_make(quantity=10, price=Decimal("10.00"), product_name="Scarf"),
        product_make(quantity=10, price=Decimal("0.99"), product_name="Pin"),
    ]


def test_a_new_users_basket_is_empty(user_api):
    response = user_api.get(CART)
    assert response.status_code == 200
    assert response.json() == {"lines": [], "total": 0, "updatedAt": None}


def test_lines_are_added_set_and_shown_with_current_prices(user_api, three):
    hat, scarf, _ = three
    assert put(user_api, hat, 2).status_code == 200
    body = put(user_api, scarf, 1).json()
    assert body["lines"] == [
        {
            "productId": str(hat.id),
            "productName": "Hat",
            "unitPrice": 2.5,
            "quantity": 2,
            "lineTotal": 5.0,
            "available": 10,
        },
        {
            "productId": str(scarf.id),
            "productName": "Scarf",
            "unitPrice": 10.0,
            "quantity": 1,
            "lineTotal": 10.0,
            "available": 10,
        },
    ]
    assert body["total"] == 15.0
    assert body["updatedAt"]

    # PUT sets the quantity (it does not add to it); the price shown is the current one.
    put(user_api, hat, 3)
    Product.objects.filter(pk=hat.pk).update(price=Decimal("3.00"))
    body = user_api.get(CART).json()
    assert [(line["quantity"], line["lineTotal"]) for line in body["lines"]] == [
        (3, 9.0),
        (1, 10.0),
    ]
    assert body["total"] == 19.0
    assert stock(hat) == 10  # nothing reserved before checkout


def test_a_product_no_longer_for_sale_shows_as_unavailable(user_api, three):
    hat = three[0]
    put(user_api, hat, 1)
    Product.objects.filter(pk=hat.pk).update(status=ProductStatus.PENDING)
    [line] = user_api.get(CART).json()["lines"]
    assert line["available"] == 0


def test_a_deleted_product_leaves_the_basket(user_api, three):
    hat = three[0]
    put(user_api, hat, 1)
    hat.delete()
    assert user_api.get(CART).json()["lines"] == []


@pytest.mark.parametrize("status", [None, ProductStatus.PENDING, ProductStatus.REJECTED])
def test_unknown_or_unapproved_products_are_404(user_api, status):
    product = Product(pk=uuid.uuid4()) if status is None else product_make(status=status)
    response = put(user_api, product, 1)
    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"
    assert not CartLine.objects.exists()


def test_more_than_in_stock_is_409_with_what_is_available(user_api, three):
    hat = three[0]
    response = put(user_api, hat, 11)
    assert response.status_code == 409
    assert response.json() == {
        "error": "Only 10 in stock, 11 requested.",
        "code": "insufficient_stock",
        "available": 10,
        "lines": [{"productId": str(hat.id), "requested": 11, "available": 10}],
    }


@pytest.mark.parametrize(
    "body",
    [{}, {"quantity": 0}, {"quantity": 1001}, {"quantity": "2"}, {"quantity": 1.5}, []],
    ids=["missing", "zero", "too-many", "string", "float", "list"],
)
def test_a_bad_quantity_is_400(user_api, three, body):
    response = user_api.put(f"/cart/lines/{three[0].id}", body, format="json")
    assert response.status_code == 400
    assert not CartLine.objects.exists()


def test_a_basket_holds_at_most_fifty_products(user_api):
    products = [product_make(quantity=5) for _ in range(MAX_LINES + 1)]
    for product in products[:MAX_LINES]:
        assert put(user_api, product, 1).status_code == 200
    response = put(user_api, products[-1], 1)
    assert response.status_code == 409
    assert response.json()["code"] == "cart_full"
    assert put(user_api, products[0], 2).status_code == 200  # a line already there changes


def test_lines_are_removed_and_the_basket_emptied(user_api, three):
    hat, scarf, pin = three
    for product in three:
        put(user_api, product, 1)
    body = user_api.delete(f"/cart/lines/{scarf.id}").json()
    assert [line["productName"] for line in body["lines"]] == ["Hat", "Pin"]
    again = user_api.delete(f"/cart/lines/{scarf.id}")  # not there: nothing changes
    assert (again.status_code, again.json()) == (200, body)
    emptied = user_api.delete(CART)
    assert emptied.status_code == 200
    assert emptied.json()["lines"] == []


def test_the_basket_needs_a_signed_in_user(api, three):
    assert api.get(CART).status_code == 401
    assert put(api, three[0], 1).status_code == 401
    assert checkout(api).status_code == 401


def test_baskets_are_per_user(user_api, make_user, three):
    put(user_api, three[0], 1)
    assert make_user().client.get(CART).json()["lines"] == []


# --- checkout ------------------------------------------------------------------------------


def test_checkout_places_one_order_with_every_line_and_empties_the_basket(user_api, three):
    hat, scarf, pin = three
    for product, quantity in ((hat, 2), (scarf, 1), (pin, 3)):
        put(user_api, product, quantity)

    response = checkout(user_api)
    assert response.status_code == 201
    order = Order.objects.get()
    assert response.json() == {"message": "order placed successfully", "orderId": str(order.pk)}
    detail = user_api.get(f"/orders/{order.pk}").json()
    assert sorted((line["productName"], line["quantity"]) for line in detail["lines"]) == [
        ("Hat", 2),
        ("Pin", 3),
        ("Scarf", 1),
    ]
    assert detail["total"] == 17.97
    # A multi-line order has no one-product fields.
    assert [detail[k] for k in ("productId", "productName", "unitPrice", "quantity")] == [None] * 4
    assert [stock(p) for p in three] == [8, 9, 7]
    assert user_api.get(CART).json()["lines"] == []


def test_a_short_line_refuses_the_checkout_whole_and_keeps_the_basket(user_api, three):
    hat, scarf, pin = three
    for product in three:
        put(user_api, product, 5)
    Product.objects.filter(pk=scarf.pk).update(quantity=4)  # sold elsewhere meanwhile

    response = checkout(user_api)
    assert response.status_code == 409
    assert response.json()["code"] == "insufficient_stock"
    assert response.json()["lines"] == [
        {"productId": str(scarf.id), "requested": 5, "available": 4}
    ]
    assert not Order.objects.exists()
    assert [stock(p) for p in three] == [10, 4, 10]
    assert len(user_api.get(CART).json()["lines"]) == 3


def test_a_product_withdrawn_since_refuses_the_checkout(user_api, three):
    for product in three:
        put(user_api, product, 1)
    Product.objects.filter(pk=three[2].pk).update(status=ProductStatus.REJECTED)

    response = checkout(user_api)
    assert response.status_code == 409
    assert response.json()["code"] == "product_unavailable"
    assert response.json()["productIds"] == [str(three[2].id)]
    assert not Order.objects.exists()
    assert [stock(p) for p in three] == [10, 10, 10]


def test_an_empty_basket_cannot_be_checked_out(user_api):
    response = checkout(user_api)
    assert response.status_code == 400
    assert response.json()["code"] == "cart_empty"


def test_a_checkout_retried_with_its_key_replays_and_another_basket_is_409(user_api, three):
    hat, scarf, _ = three
    put(user_api, hat, 1)
    first = checkout(user_api, **{"Idempotency-Key": "basket-1"})
    again = checkout(user_api, **{"Idempotency-Key": "basket-1"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert stock(hat) == 9

    put(user_api, scarf, 1)  # another basket, the same key
    reused = checkout(user_api, **{"Idempotency-Key": "basket-1"})
    assert reused.status_code == 409
    assert reused.json()["code"] == "idempotency_key_reused"
    assert len(user_api.get(CART).json()["lines"]) == 1
    assert checkout(user_api, **{"Idempotency-Key": "basket-2"}).status_code == 201


def test_a_checkout_key_is_not_a_create_order_key(user_api, three):
    put(user_api, three[0], 1)
    checkout(user_api, **{"Idempotency-Key": "k"})
    response = user_api.post(
        "/orders/create-order",
        {"id": str(three[0].id), "quantity": 1},
        format="json",
        headers={"Idempotency-Key": "k"},
    )
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"


def test_a_refused_checkout_leaves_its_key_free(user_api, three):
    put(user_api, three[0], 5)
    Product.objects.filter(pk=three[0].pk).update(quantity=1)
    assert checkout(user_api, **{"Idempotency-Key": "k"}).status_code == 409
    put(user_api, three[0], 1)
    assert checkout(user_api, **{"Idempotency-Key": "k"}).status_code == 201
    assert Cart.objects.get().version == 2
