"""The categories HTTP API: staff-only upload URLs and deletion, the public listing."""

import re

import pytest

from categories.models import Category
from categories.services import category_upload_start
from ecommerce import aws, storage, uploads
from ecommerce.uploads import ImageStatus
from tests.support.uploads import png_bytes

pytestmark = pytest.mark.django_db

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"


def request(name: str = "Fashion", file_name: str = "fashion.png") -> dict:
    return {"fileName": file_name, "fileType": "image/png", "categoryName": name}


def land(category: Category) -> Category:
    """Put a real PNG at the category's upload key and run the handler on it."""
    aws.client("s3").put_object(
        Bucket=Category.bucket(), Key=category.upload_key, Body=png_bytes(), ContentType="image/png"
    )
    uploads.image_landed(
        Category, uploads.S3Object(Category.bucket(), category.upload_key, 0, "test")
    )
    category.refresh_from_db()
    return category


def landed_category(name: str) -> Category:
    category, _ = category_upload_start(name=name, file_name="c.png", content_type="image/png")
    return land(category)


def test_names_differing_only_in_non_ascii_case_are_one_category(staff_api, quiet_storage):
    """The same on SQLite (whose LOWER() folds ASCII only) and PostgreSQL."""
    for name in ("Ärger", "ärger", "ÄRGER"):
        response = staff_api.post("/categories/upload-url", request(name), format="json")
        assert (response.status_code, response.json()["categoryName"]) == (201, "Ärger")
    assert Category.objects.get().name == "Ärger"


def test_staff_gets_an_upload_url_and_a_pending_category(staff_api, quiet_storage):
    response = staff_api.post("/categories/upload-url", request(), format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"uploadUrl", "categoryName"}
    assert body["categoryName"] == "Fashion"
    category = Category.objects.get(name="Fashion")
    assert (category.status, category.image_url) == (ImageStatus.PENDING, "")
    assert re.fullmatch(f"{UUID}/fashion.png", category.upload_key)
    assert f"/{quiet_storage}-categories/{category.upload_key}?" in body["uploadUrl"]


def test_asking_again_in_any_case_keeps_one_category_and_its_live_image(staff_api, quiet_storage):
    live = landed_category("Shoes")

    response = staff_api.post("/categories/upload-url", request("sHOES", "new.png"), format="json")

    assert response.status_code == 201
    assert response.json()["categoryName"] == "Shoes"
    category = Category.objects.get()
    assert (category.pk, category.status, category.image_key) == (
        live.pk,
        ImageStatus.READY,
        live.image_key,
    )
    assert re.fullmatch(f"{UUID}/new.png", category.upload_key)
    assert staff_api.get("/categories").json() == [
        {"categoryName": "Shoes", "imageUrl": live.image_url}
    ]

    replaced = land(category)
    assert replaced.image_url != live.image_url
    assert not storage.exists(Category.bucket(), live.image_key)
    assert staff_api.get("/categories").json() == [
        {"categoryName": "Shoes", "imageUrl": replaced.image_url}
    ]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param(
            {},
            {
                "fileName": ["This field is required."],
                "fileType": ["This field is required."],
                "categoryName": ["This field is required."],
            },
            id="missing",
        ),
        pytest.param(
            {"fileName": "a.png", "fileType": "image/png"},
            {"categoryName": ["This field is required."]},
            id="no-category",
        ),
        pytest.param(
            request(file_name="a.gif") | {"fileType": "image/tiff"},
            {"fileType": ['"image/tiff" is not a valid choice.']},
            id="tiff",
        ),
        pytest.param(
            request(name="a/b"),
            {"categoryName": ["May not contain '/' or control characters."]},
            id="slash",
        ),
        pytest.param(
            request(name="Shoes\u202e"),
            {"categoryName": ["May not contain '/' or control characters."]},
            id="bidi-override",
        ),
        pytest.param(
            request(name="Sho\u200bes"),
            {"categoryName": ["May not contain '/' or control characters."]},
            id="zero-width-space",
        ),
        pytest.param(
            request(name="Upload-URL"),
            {"categoryName": ["This name is reserved."]},
            id="reserved",
        ),
        pytest.param(
            request(name="x" * 101),
            {"categoryName": ["Ensure this field has no more than 100 characters."]},
            id="too-long",
        ),
        pytest.param(
            request(file_name="/"),
            {"fileName": ["fileName has no file name part."]},
            id="no-file-name",
        ),
        pytest.param(  # found by the fuzzer: numbers were taken as strings
            request(name=7) | {"fileName": 42},
            {"categoryName": ["Not a valid string."], "fileName": ["Not a valid string."]},
            id="numbers",
        ),
    ],
)
def test_bad_requests_are_400_and_create_nothing(staff_api, quiet_storage, body, fields):
    response = staff_api.post("/categories/upload-url", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid input.", "code": "invalid", "fields": fields}
    assert not Category.objects.exists()


def test_hostile_file_names_never_reach_the_key(staff_api, quiet_storage):
    response = staff_api.post(
        "/categories/upload-url", request(file_name="../../x.png"), format="json"
    )
    assert response.status_code == 201
    assert re.fullmatch(f"{UUID}/x.png", Category.objects.get().upload_key)


def test_upload_url_needs_a_signed_in_staff_user(api, user_api, quiet_storage):
    anonymous = api.post("/categories/upload-url", request(), format="json")
    assert (anonymous.status_code, anonymous["WWW-Authenticate"]) == (401, "Bearer")
    assert user_api.post("/categories/upload-url", request(), format="json").status_code == 403
    assert not Category.objects.exists()


def test_the_listing_is_public_and_shows_only_categories_with_an_image_by_name(api, quiet_storage):
    for name in ("shoes", "Bags", "accessories"):
        landed_category(name)
    category_upload_start(name="Pending", file_name="p.png", content_type="image/png")

    response = api.get("/categories")

    assert response.status_code == 200
    assert response.json() == [
        {"categoryName": c.name, "imageUrl": c.image_url}
        for c in (Category.objects.get(name=n) for n in ("accessories", "Bags", "shoes"))
    ]
    assert all(item["imageUrl"].startswith(aws.endpoint_url()) for item in response.json())


def test_an_empty_listing_is_an_empty_list(api):
    response = api.get("/categories")
    assert (response.status_code, response.json()) == (200, [])


def test_staff_delete_by_name_in_any_case_removes_the_category_and_its_object(
    staff_api, quiet_storage
):
    category = landed_category("Home & Garden")

    response = staff_api.delete("/categories/home%20%26%20garden")

    assert response.status_code == 204
    assert not Category.objects.exists()
    assert not storage.exists(Category.bucket(), category.image_key)
    missing = staff_api.delete("/categories/home%20%26%20garden")
    assert (missing.status_code, missing.json()["code"]) == (404, "not_found")


def test_delete_needs_a_signed_in_staff_user(api, user_api, quiet_storage):
    category = landed_category("Toys")

    assert api.delete("/categories/Toys").status_code == 401
    assert user_api.delete("/categories/Toys").status_code == 403
    assert Category.objects.filter(pk=category.pk).exists()
    assert storage.exists(Category.bucket(), category.image_key)
