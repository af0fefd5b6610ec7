"""Categories end to end: API → presigned PUT over HTTP → S3 event → the real events process."""

import pytest
import requests

from categories.models import Category
from ecommerce import storage
from tests.conftest import wait_for
from tests.support.uploads import png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("events_consumer", "transactional_db")]


def upload(staff_api, name: str, image: bytes) -> None:
    response = staff_api.post(
        "/categories/upload-url",
        {"fileName": f"{name}.png", "fileType": "image/png", "categoryName": name},
        format="json",
    )
    assert response.status_code == 201
    put = requests.put(
        response.json()["uploadUrl"], data=image, headers={"Content-Type": "image/png"}, timeout=10
    )
    assert put.status_code == 200


def image_url(api, name: str, other_than: str | None = None) -> str | None:
    for item in api.get("/categories").json():
        if item["categoryName"] == name and item["imageUrl"] != other_than:
            return item["imageUrl"]
    return None


def test_a_category_image_is_listed_then_replaced_and_the_old_object_deleted(staff_api, api):
    first, second = png_bytes("first"), png_bytes("second")

    upload(staff_api, "Garden", first)
    first_url = wait_for(lambda: image_url(api, "Garden"), message="the category listed")
    assert requests.get(first_url, timeout=10).content == first
    old_key = Category.objects.get(name="Garden").image_key

    upload(staff_api, "garden", second)  # same category, any case
    second_url = wait_for(lambda: image_url(api, "Garden", other_than=first_url), message="new")

    assert requests.get(second_url, timeout=10).content == second
    assert not storage.exists(Category.bucket(), old_key)
    assert [c["categoryName"] for c in api.get("/categories").json()].count("Garden") == 1
