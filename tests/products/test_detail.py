"""GET /products/{id} and GET /products/mine: who sees what."""

import uuid

import pytest

from products.models import ProductStatus
from products.services import product_reject
from tests.products.factories import land_image, product_make, submitted
from tests.support.openapi import assert_documented

pytestmark = pytest.mark.django_db

PUBLIC_KEYS = {
    "id",
    "fileName",
    "productName",
    "productPrice",
    "description",
    "quantity",
    "category",
    "imageUrl",
    "thumbnailUrl",
    "isApproved",
    "createdAt",
    "images",
}
PRIVATE_KEYS = PUBLIC_KEYS | {
    "status",
    "rejectionReason",
    "sellerEmail",
    "reviewedAt",
    "imageStatus",
    "imageRejectionReason",
    "listed",
    "unitsSold",
    "revision",
}


def test_an_approved_product_is_public_without_review_details(api, user_api):
    product = product_make(product_name="gucci")
    for client in (api, user_api):
        response = client.get(f"/products/{product.id}")
        assert response.status_code == 200
        body = response.json()
        assert set(body) == PUBLIC_KEYS
        assert (body["id"], body["productName"], body["isApproved"]) == (
            str(product.id),
            "gucci",
            True,
        )


def test_public_and_private_answers_are_as_documented(api, user_api, quiet_storage):
    # Found by the fuzzer: the schema said oneOf(public, private), and a private answer is
    # valid against both, so no owner's or staff answer matched the schema.
    public = api.get(f"/products/{product_make().id}")
    private = user_api.get(f"/products/{submitted(user_api.signed_in.user).id}")

    assert (public.status_code, private.status_code) == (200, 200)
    assert set(private.json()) - set(public.json())  # the review fields
    for response in (public, private):
        assert_documented(response, "GET", "/products/{product_id}")


def test_the_owner_sees_their_pending_product_with_its_status_and_email(user_api, quiet_storage):
    product = submitted(user_api.signed_in.user)

    response = user_api.get(f"/products/{product.id}")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == PRIVATE_KEYS
    assert body["status"] == "pending"
    assert body["isApproved"] is False
    assert body["sellerEmail"] == user_api.signed_in.email
    assert (body["rejectionReason"], body["reviewedAt"], body["imageStatus"]) == (
        "",
        None,
        "pending",
    )


def test_staff_see_any_product_with_its_review(staff_api, make_user, quiet_storage):
    seller = make_user()
    product = submitted(seller.user)
    product_reject(product_id=product.id, by=staff_api.signed_in.user, reason="Blurry photo.")

    body = staff_api.get(f"/products/{product.id}").json()

    assert (body["status"], body["rejectionReason"], body["sellerEmail"]) == (
        "rejected",
        "Blurry photo.",
        seller.email,
    )
    assert body["reviewedAt"] is not None


def test_the_owner_sees_why_their_image_was_refused(user_api, quiet_storage):
    product = land_image(submitted(user_api.signed_in.user), body=b"not an image at all")

    body = user_api.get(f"/products/{product.id}").json()

    assert body["imageStatus"] == "rejected"
    assert body["imageRejectionReason"].startswith("content is not")  # the shared check's words


@pytest.mark.parametrize("status", [ProductStatus.PENDING, ProductStatus.REJECTED])
def test_anyone_else_gets_404_for_an_unapproved_product(api, user_api, make_user, status):
    other = make_user()
    product = product_make(owner=other.user, status=status)

    for client in (api, user_api):
        response = client.get(f"/products/{product.id}")
        assert response.status_code == 404
        assert response.json() == {"error": "No such product.", "code": "product_not_found"}
    assert other.client.get(f"/products/{product.id}").status_code == 200


def test_an_unknown_or_malformed_id_is_404(api):
    assert api.get(f"/products/{uuid.uuid4()}").status_code == 404
    assert api.get("/products/not-a-uuid").status_code == 404


def test_a_bad_token_on_the_detail_is_a_401(api):
    product = product_make()
    response = api.get(f"/products/{product.id}", HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert response.status_code == 401


# --- mine ----------------------------------------------------------------------------------------


def test_mine_lists_the_callers_own_submissions_newest_first_with_status(
    user_api, make_user, quiet_storage
):
    me = user_api.signed_in.user
    first = submitted(me, product_name="first")
    second = submitted(me, product_name="second")
    product_make(owner=me, product_name="third", status=ProductStatus.APPROVED)
    submitted(make_user().user, product_name="someone else's")

    response = user_api.get("/products/mine")

    assert response.status_code == 200
    body = response.json()
    assert body["next"] is None
    assert [(p["productName"], p["status"]) for p in body["products"]] == [
        ("third", "approved"),
        ("second", "pending"),
        ("first", "pending"),
    ]
    assert all(set(p) == PRIVATE_KEYS for p in body["products"])
    assert [len(p["images"]) for p in body["products"]] == [0, 1, 1]  # "third" has none
    assert {p["id"] for p in body["products"][1:]} == {str(first.id), str(second.id)}


def test_mine_is_paginated(user_api):
    me = user_api.signed_in.user
    names = [product_make(owner=me, product_name=f"p{i}").product_name for i in range(5)]

    seen, body = [], user_api.get("/products/mine", {"pageSize": 2}).json()
    while True:
        seen.extend(p["productName"] for p in body["products"])
        if not body["next"]:
            break
        body = user_api.get(body["next"]).json()

    assert seen == list(reversed(names))


def test_mine_needs_a_token(api):
    response = api.get("/products/mine")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
