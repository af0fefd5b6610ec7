"""Seller to catalogue across the real processes: API, S3 upload, events consumer, review."""

import uuid

import pytest
import requests
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client

from tests.conftest import sent_emails, wait_for
from tests.support.uploads import png_bytes

pytestmark = [pytest.mark.e2e]

LISTING = "/products/approve-products"


def submit_and_upload(seller, name: str) -> tuple[str, bytes]:
    """Submit through the API and PUT a real PNG to the upload URL; waits until it is live."""
    response = seller.client.post(
        "/products/get-upload-url",
        {
            "fileName": f"{name}.png",
            "fileType": "image/png",
            "productName": name,
            "productPrice": 49.99,
            "description": "Hand made.",
            "quantity": 3,
            "category": "Crafts",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    product_id = response.json()["productId"]
    image = png_bytes(name)
    put = requests.put(
        response.json()["uploadUrl"], data=image, headers={"Content-Type": "image/png"}, timeout=10
    )
    assert put.status_code == 200
    # The events process checks the object and makes it the product's image.
    wait_for(
        lambda: seller.client.get(f"/products/{product_id}").json()["imageStatus"] == "ready",
        message="the product image to land",
    )
    return product_id, image


def listed(api) -> dict[str, dict]:
    return {p["id"]: p for p in api.get(LISTING, {"pageSize": 200}).json()["products"]}


def test_a_submitted_product_appears_in_the_catalogue_with_its_image_once_staff_approve_it(
    events_consumer, celery_worker, transactional_db, make_user, api, emulator_url
):
    seller, staff = make_user(), make_user(staff=True)
    product_id, image = submit_and_upload(seller, f"vase-{uuid.uuid4().hex[:6]}")
    rejected_id, _ = submit_and_upload(seller, "rejected-bowl")
    pending_id, _ = submit_and_upload(seller, "pending-cup")
    assert listed(api) == {}  # nothing approved yet

    assert staff.client.post(f"/products/{product_id}/approve").status_code == 200
    response = staff.client.post(
        f"/products/{rejected_id}/reject", {"reason": "Chipped."}, format="json"
    )
    assert response.status_code == 200

    catalogue = listed(api)
    assert set(catalogue) == {product_id}  # the rejected and the pending one never appear
    product = catalogue[product_id]
    assert (product["productPrice"], product["quantity"], product["isApproved"]) == (49.99, 3, True)
    assert "sellerEmail" not in product
    assert product["imageUrl"].endswith(".png")
    served = requests.get(product["imageUrl"], timeout=10)
    assert (served.status_code, served.content) == (200, image)
    assert api.get(f"/products/{rejected_id}").status_code == 404
    assert api.get(f"/products/{pending_id}").status_code == 404

    # The decision emails were queued with the decisions; the worker sends them.
    mails = wait_for(lambda: len(sent_emails(emulator_url, to=seller.email)) == 2, timeout=30)
    subjects = sorted(m["subject"] for m in sent_emails(emulator_url, to=seller.email))
    assert mails and subjects == ["Your product has been approved", "Your product was not approved"]


def test_a_product_approved_with_the_admin_action_appears_in_the_catalogue(
    events_consumer,
    celery_worker,
    transactional_db,
    make_user,
    api,
    django_user_model,
    emulator_url,
):
    seller = make_user()
    product_id, image = submit_and_upload(seller, "admin-approved-lamp")
    admin = django_user_model.objects.create_superuser(
        username=f"admin-{uuid.uuid4().hex[:6]}", email="admin@example.com", password="x" * 12
    )
    browser = Client()
    browser.force_login(admin)

    response = browser.post(
        "/admin/products/product/",
        {"action": "approve_selected", ACTION_CHECKBOX_NAME: [product_id]},
    )
    assert response.status_code == 302

    product = listed(api)[product_id]
    assert requests.get(product["imageUrl"], timeout=10).content == image
    [mail] = wait_for(lambda: sent_emails(emulator_url, to=seller.email), timeout=30)
    assert mail["subject"] == "Your product has been approved"


def test_a_product_whose_image_was_refused_gets_a_new_url_and_is_approved_once_it_lands(
    events_consumer, celery_worker, transactional_db, make_user, api
):
    seller, other, staff = make_user(), make_user(), make_user(staff=True)
    response = seller.client.post(
        "/products/get-upload-url",
        {
            "fileName": "teapot.png",
            "fileType": "image/png",
            "productName": "Teapot",
            "productPrice": 20,
            "description": "Glazed.",
            "quantity": 2,
            "category": "Crafts",
        },
        format="json",
    )
    product_id, first_url = response.json()["productId"], response.json()["uploadUrl"]
    polyglot = b"\x89PNG\r\n\x1a\n<html><script>alert(1)</script></html>"
    assert requests.put(first_url, data=polyglot, timeout=10).status_code == 200

    def detail() -> dict:
        return seller.client.get(f"/products/{product_id}").json()

    wait_for(lambda: detail()["imageStatus"] == "rejected", message="the polyglot to be refused")
    assert detail()["imageRejectionReason"] == "content is not a valid image/png image"

    path = f"/products/{product_id}/upload-url"
    again = {"fileName": "teapot-2.png", "fileType": "image/png"}
    assert other.client.post(path, again, format="json").status_code == 404  # not theirs
    response = seller.client.post(path, again, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["productId"] == product_id
    assert detail()["imageStatus"] == "pending"

    # The new image is PUT as the original README does it: no Content-Type.
    image = png_bytes("teapot")
    assert requests.put(response.json()["uploadUrl"], data=image, timeout=10).status_code == 200
    wait_for(lambda: detail()["imageStatus"] == "ready", message="the new image to land")
    # A late upload through the first URL is no longer the product's: deleted, nothing changes.
    assert requests.put(first_url, data=png_bytes("late"), timeout=10).status_code == 200

    assert staff.client.post(f"/products/{product_id}/approve").status_code == 200
    product = listed(api)[product_id]
    served = requests.get(product["imageUrl"], timeout=10)
    assert (served.content, served.headers["Content-Type"]) == (image, "image/png")
    assert seller.client.post(path, again, format="json").status_code == 409  # approved now


def test_three_images_land_with_renditions_are_reordered_and_one_is_deleted_with_its_objects(
    events_consumer, celery_worker, transactional_db, make_user, api
):
    import io

    from PIL import Image

    from tests.support.uploads import image_bytes

    seller, staff = make_user(), make_user(staff=True)
    product_id, _ = submit_and_upload(seller, f"lamp-{uuid.uuid4().hex[:6]}")
    for name, size in (("side.jpg", (1600, 900)), ("back.jpg", (300, 200))):
        response = seller.client.post(
            f"/products/{product_id}/images/upload-url",
            {"fileName": name, "fileType": "image/jpeg"},
            format="json",
        )
        assert response.status_code == 201, response.json()
        put = requests.put(response.json()["uploadUrl"], data=image_bytes("JPEG", size), timeout=10)
        assert put.status_code == 200

    def detail() -> dict:
        return seller.client.get(f"/products/{product_id}").json()

    wait_for(
        lambda: [i["status"] for i in detail()["images"]] == ["ready"] * 3,
        message="the three images to land",
    )
    assert staff.client.post(f"/products/{product_id}/approve").status_code == 200
    first, side, back = detail()["images"]

    # Renditions are in the bucket, WebP, at the sizes the detail declares.
    for image in (first, side, back):
        assert [r["size"] for r in image["renditions"]] == [256, 1024]
        for rendition in image["renditions"]:
            served = requests.get(rendition["url"], timeout=10)
            assert served.headers["Content-Type"] == "image/webp"
            with Image.open(io.BytesIO(served.content)) as made:
                assert made.size == (rendition["width"], rendition["height"])
    assert [(r["width"], r["height"]) for r in side["renditions"]] == [(256, 144), (1024, 576)]
    assert [(r["width"], r["height"]) for r in back["renditions"]] == [(256, 171), (300, 200)]

    order = [back["id"], first["id"], side["id"]]
    response = seller.client.put(
        f"/products/{product_id}/images/order", {"imageIds": order}, format="json"
    )
    assert response.status_code == 200
    listed_now = listed(api)[product_id]
    assert listed_now["thumbnailUrl"] == back["renditions"][0]["url"]
    assert listed_now["imageUrl"] == back["imageUrl"]

    urls = [side["imageUrl"], *(r["url"] for r in side["renditions"])]
    assert seller.client.delete(f"/products/{product_id}/images/{side['id']}").status_code == 204
    assert [requests.get(url, timeout=10).status_code for url in urls] == [404, 404, 404]
    assert [i["id"] for i in api.get(f"/products/{product_id}").json()["images"]] == order[:2]
