"""Sellers manage what they sell: delisting and relisting, deleting, and their own view
(`GET /products/mine` with status, stock, units sold and `?status=`)."""

from __future__ import annotations

import pytest

from orders.lifecycle import order_cancel
from orders.models import OrderLine
from orders.placement import order_place
from products.models import Product
from tests.orders.conftest import buyer_make
from tests.products.factories import land_image, product_make, submitted

pytestmark = pytest.mark.django_db

CATALOGUE = "/products/approve-products"


def catalogue_ids(client) -> set[str]:
    return {p["id"] for p in client.get(CATALOGUE).json()["products"]}


def test_a_delisted_product_is_off_sale_everywhere_and_back_when_relisted(make_user, api):
    seller, buyer = make_user(), make_user()
    product = product_make(owner=seller.user, quantity=5)
    assert str(product.pk) in catalogue_ids(api)

    delisted = seller.client.post(f"/products/{product.pk}/delist")
    assert delisted.status_code == 200
    assert (delisted.json()["listed"], delisted.json()["status"]) == (False, "approved")
    assert str(product.pk) not in catalogue_ids(api)
    assert api.get(f"/products/{product.pk}").status_code == 404
    assert seller.client.get(f"/products/{product.pk}").json()["listed"] is False
    order = buyer.client.post(
        "/orders/create-order", {"id": str(product.pk), "quantity": 1}, format="json"
    )
    assert (order.status_code, order.json()["code"]) == (404, "product_not_found")
    items = buyer.client.post(
        "/orders/create-order", {"items": [{"id": str(product.pk), "quantity": 1}]}, format="json"
    )
    assert (items.status_code, items.json()["code"]) == (409, "product_unavailable")
    basket = buyer.client.put(f"/cart/lines/{product.pk}", {"quantity": 1}, format="json")
    assert basket.status_code == 404

    relisted = seller.client.post(f"/products/{product.pk}/relist")
    assert (relisted.status_code, relisted.json()["listed"]) == (200, True)
    assert str(product.pk) in catalogue_ids(api)
    back = buyer.client.put(f"/cart/lines/{product.pk}", {"quantity": 1}, format="json")
    assert back.status_code == 200


def test_a_product_in_a_basket_delisted_before_checkout_refuses_it(make_user):
    seller, buyer = make_user(), make_user()
    product = product_make(owner=seller.user, quantity=5)
    buyer.client.put(f"/cart/lines/{product.pk}", {"quantity": 1}, format="json")
    seller.client.post(f"/products/{product.pk}/delist")
    assert buyer.client.get("/cart").json()["lines"][0]["available"] == 0
    response = buyer.client.post("/cart/checkout")
    assert (response.status_code, response.json()["code"]) == (409, "product_unavailable")


def test_relisting_a_product_not_approved_does_not_put_it_on_sale(make_user, api):
    seller = make_user()
    product = submitted(seller.user)
    seller.client.post(f"/products/{product.pk}/delist")
    assert seller.client.post(f"/products/{product.pk}/relist").json()["status"] == "pending"
    assert str(product.pk) not in catalogue_ids(api)


def test_the_owner_deletes_a_product_and_orders_keep_their_copy(make_user, api):
    seller = make_user()
    product = land_image(submitted(seller.user, product_name="Old hat"))
    Product.objects.filter(pk=product.pk).update(status="approved")
    order = order_place(user=buyer_make(), lines={product.pk: 2}).order

    response = seller.client.delete(f"/products/{product.pk}")
    assert response.status_code == 204
    assert not Product.objects.filter(pk=product.pk).exists()
    assert api.get(f"/products/{product.pk}").status_code == 404
    line = OrderLine.objects.get(order=order)
    assert (line.product_id, line.product_name, line.quantity) == (None, "Old hat", 2)
    assert seller.client.delete(f"/products/{product.pk}").status_code == 404


def test_staff_may_delete_and_delist_and_everyone_else_gets_404_or_401(make_user, staff_api, api):
    product = product_make(owner=make_user().user)
    stranger = make_user().client
    for path in (f"/products/{product.pk}/delist", f"/products/{product.pk}/relist"):
        assert stranger.post(path).status_code == 404
        assert api.post(path).status_code == 401
    assert stranger.delete(f"/products/{product.pk}").status_code == 404
    assert api.delete(f"/products/{product.pk}").status_code == 401
    assert staff_api.post(f"/products/{product.pk}/delist").status_code == 200
    assert staff_api.delete(f"/products/{product.pk}").status_code == 204


def test_mine_shows_units_sold_and_filters_by_status(make_user):
    seller = make_user()
    on_sale = product_make(owner=seller.user, quantity=10, product_name="on sale")
    delisted = product_make(owner=seller.user, quantity=10, product_name="delisted")
    pending = submitted(seller.user, product_name="pending")
    buyer = buyer_make()
    order_place(user=buyer, lines={on_sale.pk: 3})
    cancelled = order_place(user=buyer, lines={on_sale.pk: 2}).order
    order_cancel(user=buyer, order_id=cancelled.pk)
    seller.client.post(f"/products/{delisted.pk}/delist")

    mine = {p["productName"]: p for p in seller.client.get("/products/mine").json()["products"]}
    assert (mine["on sale"]["unitsSold"], mine["on sale"]["quantity"]) == (3, 7)
    assert (mine["delisted"]["unitsSold"], mine["delisted"]["listed"]) == (0, False)
    assert mine["pending"]["status"] == "pending"

    def names(status: str) -> list[str]:
        page = seller.client.get("/products/mine", {"status": status, "pageSize": 1})
        assert page.status_code == 200
        found = [p["productName"] for p in page.json()["products"]]
        while page.json()["next"]:
            assert f"status={status}" in page.json()["next"]
            page = seller.client.get(page.json()["next"])
            found += [p["productName"] for p in page.json()["products"]]
        return found

    assert names("approved") == ["on sale"]
    assert names("delisted") == ["delisted"]
    assert names("pending") == ["pending"]
    assert names("rejected") == []
    assert seller.client.get("/products/mine", {"status": "sold"}).status_code == 400
    assert pending.pk  # its own seller's only
    assert make_user().client.get("/products/mine").json()["products"] == []
