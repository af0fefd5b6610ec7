"""The Django admin for banners and categories: image previews, deletion with the objects."""

import pytest

from banners.models import Banner
from categories.services import category_upload_start
from ecommerce import aws, storage, uploads
from tests.support.uploads import png_bytes

pytestmark = pytest.mark.django_db


def landed(record, upload_key: str):
    aws.client("s3").put_object(
        Bucket=record.bucket(), Key=upload_key, Body=png_bytes(), ContentType="image/png"
    )
    uploads.image_landed(type(record), uploads.S3Object(record.bucket(), upload_key, 0, "t"))
    record.refresh_from_db()
    return record


def new_banner() -> Banner:
    banner = Banner()
    uploads.upload_start(banner, file_name="b.png", content_type="image/png")
    return landed(banner, banner.upload_key)


def test_banners_and_categories_are_listed_with_an_image_preview(admin_client, quiet_storage):
    banner = new_banner()
    category, _ = category_upload_start(name="Books", file_name="b.png", content_type="image/png")
    category = landed(category, category.upload_key)
    waiting = Banner()
    uploads.upload_start(waiting, file_name="w.png", content_type="image/png")

    banners_page = admin_client.get("/admin/banners/banner/").content.decode()
    categories_page = admin_client.get("/admin/categories/category/").content.decode()

    preview = '<a href="{0}"><img src="{0}" alt="" height="60"></a>'
    assert preview.format(banner.image_url) in banners_page
    assert str(waiting.pk) in banners_page  # pending ones are listed too, without a preview
    assert banners_page.count('height="60"') == 1
    assert preview.format(category.image_url) in categories_page


def test_deleting_in_the_admin_deletes_the_object(admin_client, quiet_storage):
    banner = new_banner()

    response = admin_client.post(f"/admin/banners/banner/{banner.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302
    assert not Banner.objects.filter(pk=banner.pk).exists()
    assert not storage.exists(Banner.bucket(), banner.image_key)


def test_bulk_delete_in_the_admin_deletes_the_objects(admin_client, quiet_storage):
    banners = [new_banner(), new_banner()]

    response = admin_client.post(
        "/admin/banners/banner/",
        {"action": "delete_selected", "_selected_action": [b.pk for b in banners], "post": "yes"},
    )

    assert response.status_code == 302
    assert not Banner.objects.exists()
    assert not any(storage.exists(Banner.bucket(), b.image_key) for b in banners)
