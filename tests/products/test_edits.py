"""Sellers edit their products: the price at once; name, description and category of an
approved product as a revision staff review while the approved version stays listed."""

from __future__ import annotations

from decimal import Decimal

import pytest

from ecommerce.models import Email
from orders.models import OrderLine
from orders.placement import order_place
from products.models import Product, ProductRevision
from tests.orders.conftest import buyer_make
from tests.products.factories import product_make, submitted

pytestmark = pytest.mark.django_db

CATALOGUE = "/products/approve-products"


def listed(client, product) -> dict | None:
    found = [p for p in client.get(CATALOGUE).json()["products"] if p["id"] == str(product.pk)]
    return found[0] if found else None


def edit(client, product, **body):
    return client.patch(f"/products/{product.pk}", body, format="json")


def test_the_price_changes_at_once_and_placed_orders_keep_theirs(make_user, api):
    seller = make_user()
    product = product_make(owner=seller.user, price=Decimal("10.00"))
    order = order_place(user=buyer_make(), lines={product.pk: 1}).order

    response = edit(seller.client, product, productPrice=12.5)
    assert response.status_code == 200
    assert response.json()["productPrice"] == 12.5
    assert response.json()["revision"] is None
    assert listed(api, product)["productPrice"] == 12.5
    assert OrderLine.objects.get(order=order).unit_price == Decimal("10.00")


def test_a_name_edit_waits_for_review_while_the_approved_version_stays_listed(
    make_user, staff_api, api
):
    seller = make_user()
    product = product_make(owner=seller.user, product_name="Wool hat", description="Warm.")

    response = edit(seller.client, product, productName="Woollen hat")
    assert response.status_code == 200
    body = response.json()
    assert body["productName"] == "Wool hat"
    assert body["revision"]["productName"] == "Woollen hat"
    assert body["revision"]["description"] == "Warm."  # not edited: the live value
    assert (body["revision"]["status"], body["revision"]["reviewedAt"]) == ("pending", None)
    assert listed(api, product)["productName"] == "Wool hat"
    assert "revision" not in api.get(f"/products/{product.pk}").json()  # the public shape

    # A second edit replaces the pending revision, on top of it.
    edit(seller.client, product, description="Very warm.")
    revision = seller.client.get(f"/products/{product.pk}").json()["revision"]
    assert (revision["productName"], revision["description"]) == ("Woollen hat", "Very warm.")
    assert ProductRevision.objects.count() == 1

    approved = staff_api.post(f"/products/{product.pk}/revision/approve")
    assert approved.status_code == 200
    assert approved.json()["productName"] == "Woollen hat"
    assert approved.json()["revision"]["status"] == "approved"
    assert listed(api, product)["productName"] == "Woollen hat"
    assert listed(api, product)["description"] == "Very warm."

    # Approving again changes nothing and sends nothing more.
    assert staff_api.post(f"/products/{product.pk}/revision/approve").status_code == 200
    subjects = Email.objects.filter(key__startswith="revision:").values_list("subject", flat=True)
    assert list(subjects) == ["Your product changes have been approved"]


def test_a_rejected_revision_leaves_the_live_version_and_tells_the_seller_why(
    make_user, staff_api, api
):
    seller = make_user()
    product = product_make(owner=seller.user, product_name="Wool hat", category="Hats")
    edit(seller.client, product, productName="BEST HAT EVER!!!", category="Deals")

    rejected = staff_api.post(
        f"/products/{product.pk}/revision/reject", {"reason": "Shouting."}, format="json"
    )
    assert rejected.status_code == 200
    mine = seller.client.get(f"/products/{product.pk}").json()
    assert (mine["productName"], mine["category"]) == ("Wool hat", "Hats")
    assert (mine["revision"]["status"], mine["revision"]["rejectionReason"]) == (
        "rejected",
        "Shouting.",
    )
    assert listed(api, product)["productName"] == "Wool hat"
    again = staff_api.post(
        f"/products/{product.pk}/revision/reject", {"reason": "Other."}, format="json"
    )
    assert again.status_code == 200  # the first reason stands
    conflict = staff_api.post(f"/products/{product.pk}/revision/approve")
    assert (conflict.status_code, conflict.json()["code"]) == (409, "revision_decided")
    [email] = Email.objects.filter(key__startswith="revision:")
    assert email.subject == "Your product changes were not approved"
    assert "Reason: Shouting." in email.body
    assert email.to == Product.objects.get(pk=product.pk).seller_email


def test_edits_of_a_product_not_yet_approved_change_it_directly(make_user):
    seller = make_user()
    product = submitted(seller.user, product_name="Typo shoos")
    response = edit(seller.client, product, productName="Shoes", description="")
    assert (response.json()["productName"], response.json()["description"]) == ("Shoes", "")
    assert response.json()["revision"] is None
    assert Product.objects.get(pk=product.pk).status == "pending"


def test_an_edit_back_to_the_live_values_withdraws_the_revision(make_user):
    seller = make_user()
    product = product_make(owner=seller.user, product_name="Hat")
    edit(seller.client, product, productName="Cap")
    assert edit(seller.client, product, productName="Hat").json()["revision"] is None


def test_only_the_owner_edits_and_only_staff_review(make_user, staff_api, api):
    seller = make_user()
    product = product_make(owner=seller.user)
    stranger = make_user().client
    assert edit(stranger, product, productPrice=1).status_code == 404
    assert edit(staff_api, product, productPrice=1).status_code == 404
    assert edit(api, product, productPrice=1).status_code == 401
    edit(seller.client, product, productName="New")
    for decision in ("approve", "reject"):
        path = f"/products/{product.pk}/revision/{decision}"
        assert seller.client.post(path, {"reason": "x"}, format="json").status_code == 403
        assert api.post(path, {"reason": "x"}, format="json").status_code == 401
    assert Product.objects.get(pk=product.pk).price == Decimal("10.00")


def test_review_without_a_revision_is_409(staff_api):
    product = product_make()
    response = staff_api.post(f"/products/{product.pk}/revision/approve")
    assert (response.status_code, response.json()["code"]) == (409, "no_revision_pending")


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"productPrice": 0},
        {"productPrice": "12.50"},
        {"productPrice": 1.234},
        {"productName": ""},
        {"productName": "x" * 201},
        {"category": 5},
        [],
    ],
    ids=[
        "nothing",
        "zero-price",
        "string-price",
        "3-decimals",
        "empty-name",
        "long",
        "int",
        "list",
    ],
)
def test_bad_edits_are_400_naming_the_field(make_user, body):
    seller = make_user()
    product = product_make(owner=seller.user)
    response = seller.client.patch(f"/products/{product.pk}", body, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["fields"]
    assert not ProductRevision.objects.exists()


def test_a_decision_names_the_revision_reviewed_and_a_replaced_one_is_409(make_user, staff_api):
    seller = make_user()
    product = product_make(owner=seller.user, product_name="Hat")
    seen = edit(seller.client, product, productName="Cap").json()["revision"]["id"]
    edit(seller.client, product, productName="Spam hat")  # replaced meanwhile

    for decision, body in (("approve", {}), ("reject", {"reason": "No."})):
        stale = staff_api.post(
            f"/products/{product.pk}/revision/{decision}",
            {**body, "revisionId": seen},
            format="json",
        )
        assert (stale.status_code, stale.json()["code"]) == (409, "revision_changed")
    assert Product.objects.get(pk=product.pk).product_name == "Hat"

    current = seller.client.get(f"/products/{product.pk}").json()["revision"]["id"]
    approved = staff_api.post(
        f"/products/{product.pk}/revision/approve", {"revisionId": current}, format="json"
    )
    assert (approved.status_code, approved.json()["productName"]) == (200, "Spam hat")
    bad = staff_api.post(
        f"/products/{product.pk}/revision/approve", {"revisionId": "nope"}, format="json"
    )
    assert (bad.status_code, list(bad.json()["fields"])) == (400, ["revisionId"])
