"""The orders HTTP API, with real Cognito tokens from the emulator."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from orders.lifecycle import order_cancel
from orders.models import Order
from orders.placement import order_place
from products.models import ProductStatus
from tests.orders.conftest import mark_processing, order_insert, stock
from tests.products.factories import product_make

pytestmark = pytest.mark.django_db

CREATE = "/orders/create-order"


def create(client, product, quantity=1, **headers):
    return client.post(
        CREATE, {"id": str(product.id), "quantity": quantity}, format="json", headers=headers
    )


# --- create-order --------------------------------------------------------------------------


def test_create_order_places_it_and_answers_like_the_old_api(user_api, product):
    response = create(user_api, product, 30)

    assert response.status_code == 201
    body = response.json()
    order = Order.objects.get()
    assert body == {"message": "order placed successfully", "orderId": str(order.pk)}
    assert order.user == user_api.signed_in.user
    assert (order.status, order.lines.get().quantity) == ("pending", 30)
    assert stock(product) == 10
    assert "Idempotent-Replayed" not in response.headers


def test_create_order_needs_a_token(api, product):
    response = create(api, product)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert not Order.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        pytest.param({"quantity": 1}, "id", id="no-id"),
        pytest.param({"id": "not-a-uuid", "quantity": 1}, "id", id="id-not-uuid"),
        pytest.param({"id": 12345, "quantity": 1}, "id", id="id-number"),
        pytest.param({"id": None, "quantity": 1}, "id", id="id-null"),
        pytest.param({"id": "PRODUCT"}, "quantity", id="no-quantity"),
        pytest.param({"id": "PRODUCT", "quantity": 0}, "quantity", id="zero"),
        pytest.param({"id": "PRODUCT", "quantity": -3}, "quantity", id="negative"),
        pytest.param({"id": "PRODUCT", "quantity": "3"}, "quantity", id="string"),
        pytest.param({"id": "PRODUCT", "quantity": 2.5}, "quantity", id="fraction"),
        pytest.param({"id": "PRODUCT", "quantity": 2.0}, "quantity", id="float"),
        pytest.param({"id": "PRODUCT", "quantity": True}, "quantity", id="boolean"),
        pytest.param({"id": "PRODUCT", "quantity": 1001}, "quantity", id="too-many"),
        pytest.param({"id": "PRODUCT", "quantity": 10**30}, "quantity", id="huge"),
        pytest.param([{"id": "PRODUCT", "quantity": 1}], "non_field_errors", id="a-list"),
    ],
)
def test_bad_bodies_are_400_naming_the_field(user_api, product, body, field):
    if isinstance(body, dict) and body.get("id") == "PRODUCT":
        body["id"] = str(product.id)
    response = user_api.post(CREATE, body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert list(response.json()["fields"]) == [field]
    assert stock(product) == 40
    assert not Order.objects.exists()


def test_malformed_json_is_400(user_api):
    response = user_api.post(CREATE, '{"id": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize("status", [ProductStatus.PENDING, ProductStatus.REJECTED])
def test_unapproved_product_is_404(user_api, status):
    product = product_make(quantity=5, status=status)
    response = create(user_api, product)
    assert response.status_code == 404
    assert response.json()["code"] == "product_not_found"


def test_unknown_product_is_404(user_api):
    response = user_api.post(CREATE, {"id": str(uuid.uuid4()), "quantity": 1}, format="json")
    assert response.status_code == 404


def test_not_enough_stock_is_409_with_what_is_available(user_api, product):
    response = create(user_api, product, 41)
    assert response.status_code == 409
    assert response.json() == {
        "error": "Only 40 in stock, 41 requested.",
        "code": "insufficient_stock",
        "available": 40,
        "lines": [{"productId": str(product.id), "requested": 41, "available": 40}],
    }
    assert stock(product) == 40


# --- Idempotency-Key -----------------------------------------------------------------------


def test_a_replayed_key_returns_the_first_answer_and_places_nothing(user_api, product):
    first = create(user_api, product, 3, **{"Idempotency-Key": "order-2024-0001"})
    again = create(user_api, product, 3, **{"Idempotency-Key": "order-2024-0001"})

    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Order.objects.count() == 1
    assert stock(product) == 37


def test_a_key_reused_with_another_body_is_409(user_api, product):
    create(user_api, product, 3, **{"Idempotency-Key": "k-1"})
    response = create(user_api, product, 4, **{"Idempotency-Key": "k-1"})
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    assert Order.objects.count() == 1


def test_another_users_key_is_theirs(user_api, make_user, product):
    other = make_user().client
    mine = create(user_api, product, 1, **{"Idempotency-Key": "same"})
    theirs = create(other, product, 1, **{"Idempotency-Key": "same"})
    assert theirs.status_code == 201
    assert theirs.json()["orderId"] != mine.json()["orderId"]


@pytest.mark.parametrize(
    "key", ["", "has space", "x" * 256, "naïve"], ids=["empty", "space", "too-long", "non-ascii"]
)
def test_a_bad_idempotency_key_is_400(user_api, product, key):
    response = user_api.post(
        CREATE,
        {"id": str(product.id), "quantity": 1},
        format="json",
        **{"HTTP_IDEMPOTENCY_KEY": key},
    )
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["Idempotency-Key"]
    assert not Order.objects.exists()


# --- reading orders ------------------------------------------------------------------------


def test_orders_lists_only_mine_newest_first_with_history(user_api, make_user, product):
    me = user_api.signed_in.user
    older = order_insert(
        user=me, product=product, quantity=2, created_at=timezone.now() - timedelta(hours=1)
    )
    newer = order_insert(user=me, product=product, quantity=3)
    order_insert(user=make_user().user, product=product)  # someone else's

    response = user_api.get("/orders")

    assert response.status_code == 200
    body = response.json()
    assert [o["orderId"] for o in body["orders"]] == [str(newer.pk), str(older.pk)]
    assert body["next"] is None
    first = body["orders"][0]
    assert set(first) == {
        "orderId",
        "status",
        "lines",
        "productId",
        "productName",
        "unitPrice",
        "quantity",
        "total",
        "createdAt",
        "updatedAt",
        "history",
    }
    assert (first["status"], first["productId"], first["productName"]) == (
        "pending",
        str(product.id),
        "Gucci bag",
    )
    assert (first["unitPrice"], first["quantity"], first["total"]) == (12.5, 3, 37.5)
    assert first["lines"] == [
        {
            "productId": str(product.id),
            "productName": "Gucci bag",
            "unitPrice": 12.5,
            "quantity": 3,
            "lineTotal": 37.5,
        }
    ]
    [placed] = first["history"]
    assert (placed["from"], placed["to"], placed["reason"]) == (None, "pending", "placed")
    assert placed["at"]


def test_orders_pages_with_a_cursor(user_api, product):
    me = user_api.signed_in.user
    now = timezone.now()
    orders = [
        order_insert(user=me, product=product, created_at=now - timedelta(minutes=i))
        for i in range(5)
    ]
    # Two with the same created_at: the id breaks the tie, nothing is skipped or repeated.
    orders.append(order_insert(user=me, product=product, created_at=orders[2].created_at))

    seen, url = [], "/orders?pageSize=2"
    while url:
        page = user_api.get(url).json()
        assert len(page["orders"]) <= 2
        seen += [o["orderId"] for o in page["orders"]]
        url = page["next"]
    expected = sorted(orders, key=lambda o: (o.created_at, o.pk), reverse=True)
    assert seen == [str(o.pk) for o in expected]


@pytest.mark.parametrize("query", ["pageSize=0", "pageSize=101", "pageSize=x", "cursor=garbage"])
def test_bad_paging_is_400(user_api, query):
    response = user_api.get(f"/orders?{query}")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_empty_paging_parameters_read_as_not_given(user_api, product):
    me = user_api.signed_in.user
    orders = [order_insert(user=me, product=product) for _ in range(21)]
    page = user_api.get("/orders?pageSize=&cursor=").json()
    assert len(page["orders"]) == 20  # the default page size
    assert page["orders"][0]["orderId"] == str(max(orders, key=lambda o: (o.created_at, o.pk)).pk)


def test_my_order_shows_its_full_history(user_api, product):
    order = order_place(user=user_api.signed_in.user, lines={product.id: 1}).order
    mark_processing(order)
    order_cancel(user=user_api.signed_in.user, order_id=order.pk)

    response = user_api.get(f"/orders/{order.pk}")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert [(h["from"], h["to"], h["reason"]) for h in body["history"]] == [
        (None, "pending", "placed"),
        ("pending", "processing", "processing"),
        ("processing", "cancelled", "cancelled by the customer"),
    ]


def test_another_users_order_is_404_but_staff_see_it(user_api, make_user, staff_api, product):
    order = order_insert(user=make_user().user, product=product)
    response = user_api.get(f"/orders/{order.pk}")
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"
    assert staff_api.get(f"/orders/{order.pk}").json()["orderId"] == str(order.pk)


def test_unknown_order_is_404(user_api):
    assert user_api.get(f"/orders/{uuid.uuid4()}").status_code == 404
    assert user_api.get("/orders/not-a-uuid").status_code == 404


def test_reading_orders_needs_a_token(api):
    assert api.get("/orders").status_code == 401
    assert api.get(f"/orders/{uuid.uuid4()}").status_code == 401


# --- cancel --------------------------------------------------------------------------------


def test_cancel_my_pending_order_releases_the_stock_and_a_second_cancel_is_409(user_api, product):
    order_id = create(user_api, product, 5).json()["orderId"]
    assert stock(product) == 35

    response = user_api.post(f"/orders/{order_id}/cancel")

    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["history"][-1]["from"] == "pending"
    assert stock(product) == 40
    again = user_api.post(f"/orders/{order_id}/cancel")
    assert again.status_code == 409
    assert again.json()["code"] == "order_not_cancellable"
    assert again.json()["status"] == "cancelled"
    assert stock(product) == 40


@pytest.mark.parametrize("status", ["shipping", "failed"])
def test_cancel_after_processing_is_409(user_api, product, status):
    order = order_insert(user=user_api.signed_in.user, product=product, status=status)
    response = user_api.post(f"/orders/{order.pk}/cancel")
    assert response.status_code == 409
    assert response.json()["status"] == status


def test_cancel_someone_elses_order_is_404_even_for_staff(make_user, staff_api, product):
    owner = make_user()
    order_id = create(owner.client, product, 2).json()["orderId"]
    stranger = make_user().client
    assert stranger.post(f"/orders/{order_id}/cancel").status_code == 404
    assert staff_api.post(f"/orders/{order_id}/cancel").status_code == 404
    assert Order.objects.get(pk=order_id).status == "pending"
    assert stock(product) == 38


# --- admin ---------------------------------------------------------------------------------


def test_the_admin_lists_orders_by_status_with_their_lines_and_history_inline(
    admin_client, buyer, product
):
    scarf = product_make(quantity=5, product_name="Silk scarf")
    pending = order_place(user=buyer, lines={product.id: 2, scarf.id: 1}).order
    cancelled = order_place(user=buyer, lines={product.id: 1}).order
    order_cancel(user=buyer, order_id=cancelled.pk)

    listing = admin_client.get("/admin/orders/order/", {"status__exact": "pending"})
    assert listing.status_code == 200
    assert str(pending.pk) in listing.content.decode()
    assert str(cancelled.pk) not in listing.content.decode()
    assert "2 × Gucci bag" in listing.content.decode()
    assert "1 × Silk scarf" in listing.content.decode()
    found = admin_client.get("/admin/orders/order/", {"q": "silk scarf"}).content.decode()
    assert str(pending.pk) in found and str(cancelled.pk) not in found

    page = admin_client.get(f"/admin/orders/order/{cancelled.pk}/change/").content.decode()
    assert "cancelled by the customer" in page
    assert "History" in page
    assert "Order lines" in page and "Gucci bag" in page
    assert admin_client.get("/admin/orders/order/add/").status_code == 403
