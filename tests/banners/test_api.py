"""The banners HTTP API: staff-only upload URLs and deletion, the public listing."""

import re
from datetime import timedelta
from urllib.parse import unquote, urlsplit

import pytest
from django.utils import timezone

from banners.models import Banner
from ecommerce import aws, storage, uploads
from ecommerce.uploads import ImageStatus
from tests.support.uploads import png_bytes

pytestmark = pytest.mark.django_db

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"
REQUEST = {"fileName": "summer-sale.png", "fileType": "image/png"}


def landed_banner(uploaded_at=None) -> Banner:
    """A banner whose image really is in (quiet) S3 and was accepted by the handler."""
    banner = Banner()
    uploads.upload_start(banner, file_name="b.png", content_type="image/png")
    aws.client("s3").put_object(
        Bucket=Banner.bucket(), Key=banner.upload_key, Body=png_bytes(), ContentType="image/png"
    )
    uploads.image_landed(Banner, uploads.S3Object(Banner.bucket(), banner.upload_key, 0, "test"))
    if uploaded_at is not None:
        Banner.objects.filter(pk=banner.pk).update(uploaded_at=uploaded_at)
    banner.refresh_from_db()
    return banner


def test_staff_gets_an_upload_url_and_a_pending_banner(staff_api, quiet_storage):
    response = staff_api.post("/banners/upload-url", REQUEST, format="json")

    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"uploadURL", "bannerId"}
    banner = Banner.objects.get(pk=body["bannerId"])
    assert banner.status == ImageStatus.PENDING
    assert re.fullmatch(f"{UUID}/summer-sale.png", banner.upload_key)
    url = urlsplit(body["uploadURL"])
    assert unquote(url.path) == f"/{quiet_storage}-banners/{banner.upload_key}"
    assert "X-Amz-Signature=" in url.query


@pytest.mark.parametrize(
    ("file_name", "stored_as"),
    [
        pytest.param("../../x.png", "x.png", id="parent-dirs"),
        pytest.param("/var/www/index.html", "index.png", id="absolute-html"),
        pytest.param("..\\..\\boot.ini", "boot.png", id="windows"),
        pytest.param("<img onerror=x>.png", "img-onerror-x.png", id="markup"),
    ],
)
def test_hostile_file_names_never_reach_the_key(staff_api, quiet_storage, file_name, stored_as):
    response = staff_api.post(
        "/banners/upload-url", {"fileName": file_name, "fileType": "image/png"}, format="json"
    )
    assert response.status_code == 201
    banner = Banner.objects.get(pk=response.json()["bannerId"])
    assert re.fullmatch(f"{UUID}/{re.escape(stored_as)}", banner.upload_key)


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        pytest.param(
            {},
            {"fileName": ["This field is required."], "fileType": ["This field is required."]},
            id="missing",
        ),
        pytest.param(
            {"fileName": "x.svg", "fileType": "image/svg+xml"},
            {"fileType": ['"image/svg+xml" is not a valid choice.']},
            id="svg",
        ),
        pytest.param(
            {"fileName": "x.pdf", "fileType": "application/pdf"},
            {"fileType": ['"application/pdf" is not a valid choice.']},
            id="pdf",
        ),
        pytest.param(
            {"fileName": "../..", "fileType": "image/png"},
            {"fileName": ["fileName has no file name part."]},
            id="only-dots",
        ),
        pytest.param(
            {"fileName": "", "fileType": "image/png"},
            {"fileName": ["This field may not be blank."]},
            id="blank-name",
        ),
        pytest.param(
            {"fileName": "a\x00.png", "fileType": "image/png"},
            {"fileName": ["Null characters are not allowed."]},
            id="null-byte",
        ),
        pytest.param(  # found by the fuzzer: a number was taken as the name "42"
            {"fileName": 42, "fileType": "image/png"},
            {"fileName": ["Not a valid string."]},
            id="number-name",
        ),
    ],
)
def test_bad_requests_are_400_and_create_nothing(staff_api, quiet_storage, body, fields):
    response = staff_api.post("/banners/upload-url", body, format="json")

    assert response.status_code == 400
    assert response.json() == {"error": "Invalid input.", "code": "invalid", "fields": fields}
    assert not Banner.objects.exists()


def test_upload_url_needs_a_signed_in_staff_user(api, user_api, quiet_storage):
    anonymous = api.post("/banners/upload-url", REQUEST, format="json")
    assert anonymous.status_code == 401
    assert anonymous["WWW-Authenticate"] == "Bearer"
    assert anonymous.json()["code"] == "not_authenticated"

    not_staff = user_api.post("/banners/upload-url", REQUEST, format="json")
    assert not_staff.status_code == 403
    assert not_staff.json() == {"error": "Staff only.", "code": "forbidden"}
    assert not Banner.objects.exists()


def test_the_listing_is_public_and_shows_only_landed_banners_newest_first(api, quiet_storage):
    now = timezone.now()
    older = landed_banner(uploaded_at=now - timedelta(hours=2))
    newer = landed_banner(uploaded_at=now - timedelta(hours=1))
    uploads.upload_start(Banner(), file_name="pending.png", content_type="image/png")

    response = api.get("/banners")

    assert response.status_code == 200
    assert response.json() == {
        "banners": [
            {
                "id": str(b.id),
                "imageUrl": storage.public_url(Banner.bucket(), b.image_key),
                "uploadedAt": b.uploaded_at.isoformat().replace("+00:00", "Z"),
            }
            for b in (newer, older)
        ]
    }


def test_an_empty_listing_is_200(api):
    response = api.get("/banners")
    assert (response.status_code, response.json()) == (200, {"banners": []})


def test_staff_delete_removes_the_banner_and_its_object(staff_api, quiet_storage):
    banner = landed_banner()

    response = staff_api.delete(f"/banners/{banner.id}")

    assert response.status_code == 204
    assert not Banner.objects.filter(pk=banner.pk).exists()
    assert not storage.exists(Banner.bucket(), banner.image_key)
    assert staff_api.delete(f"/banners/{banner.id}").status_code == 404


def test_delete_needs_a_signed_in_staff_user(api, user_api, quiet_storage):
    banner = landed_banner()

    assert api.delete(f"/banners/{banner.id}").status_code == 401
    assert user_api.delete(f"/banners/{banner.id}").status_code == 403
    assert Banner.objects.filter(pk=banner.pk).exists()
    assert storage.exists(Banner.bucket(), banner.image_key)
