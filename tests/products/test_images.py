"""Several images per product: adding, ordering, deleting, and the renditions written at
landing (ecommerce/uploads.py, ecommerce/images.py)."""

from __future__ import annotations

import io
import uuid
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from ecommerce import aws, storage, uploads
from ecommerce.images import rendition_key
from ecommerce.uploads import ImageStatus, Outcome, S3Object
from products.models import MAX_IMAGES, Product, ProductImage, ProductStatus
from products.services import product_approve
from tests.products.factories import first_image, land_image, submitted
from tests.support.openapi import assert_documented
from tests.support.uploads import image_bytes, png_bytes

pytestmark = pytest.mark.django_db


def add_image(client, product_id, name: str = "more.png"):
    return client.post(
        f"/products/{product_id}/images/upload-url",
        {"fileName": name, "fileType": "image/png"},
        format="json",
    )


def image_of(product_id, image_id) -> ProductImage:
    return ProductImage.objects.get(pk=image_id, product_id=product_id)


def sideways_photo() -> bytes:
    """A 6000×4000 JPEG stored on its side: EXIF orientation 6 (turn 90° clockwise to view).
    Its stored left half is red and right half blue, so upright the top is red."""
    image = Image.new("RGB", (6000, 4000), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 3000, 4000))
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation
    exif[0x010F] = "Camera maker"  # Make: metadata that must not reach the renditions
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70, exif=exif.tobytes())
    return out.getvalue()


def test_a_landed_photo_gets_upright_webp_renditions_within_the_presets(
    user_api, quiet_storage, settings
):
    product = submitted(user_api.signed_in.user, file_name="photo.jpg", content_type="image/jpeg")
    data = sideways_photo()
    assert len(data) < settings.UPLOAD_MAX_BYTES

    land_image(product, body=data)

    image = first_image(product)
    assert image.status == ImageStatus.READY
    bucket = ProductImage.bucket()
    listed = {r["size"]: r for r in image.renditions}
    assert set(listed) == {256, 1024}
    for size, (width, height) in {256: (171, 256), 1024: (683, 1024)}.items():
        key = rendition_key(image.image_key, size)
        assert storage.head(bucket, key)["ContentType"] == "image/webp"
        assert listed[size] == {
            "size": size,
            "width": width,
            "height": height,
            "url": storage.public_url(bucket, key),
        }
        with Image.open(io.BytesIO(storage.read(bucket, key))) as made:
            assert (made.format, made.size) == ("WEBP", (width, height))  # portrait: turned
            assert not made.getexif() and "icc_profile" not in made.info
            red, blue = (
                made.convert("RGB").getpixel((width // 2, height // 4)),
                made.convert("RGB").getpixel((width // 2, 3 * height // 4)),
            )
            assert red[0] > 200 and red[2] < 60  # the top is the stored left half
            assert blue[2] > 200 and blue[0] < 60


def test_a_small_image_is_never_upscaled(user_api, quiet_storage):
    product = land_image(submitted(user_api.signed_in.user))  # 1×1 PNG

    sizes = {(r["size"], r["width"], r["height"]) for r in first_image(product).renditions}

    assert sizes == {(256, 1, 1), (1024, 1, 1)}


def test_another_image_put_through_a_live_images_url_gets_its_renditions(user_api, quiet_storage):
    product = land_image(submitted(user_api.signed_in.user))  # 1×1 PNG
    image = first_image(product)
    bucket, key = ProductImage.bucket(), image.image_key

    # The presigned URL still works for a while: a second PUT replaces the live object.
    aws.client("s3").put_object(
        Bucket=bucket, Key=key, Body=image_bytes("PNG", (600, 300)), ContentType="image/png"
    )
    landed = uploads.image_landed(ProductImage, S3Object(bucket, key, 0, "test"))

    assert landed == Outcome.UNCHANGED
    image.refresh_from_db()
    sizes = {(r["size"], r["width"], r["height"]) for r in image.renditions}
    assert sizes == {(256, 256, 128), (1024, 600, 300)}
    with Image.open(io.BytesIO(storage.read(bucket, rendition_key(key, 256)))) as made:
        assert made.size == (256, 128)


def test_a_decompression_bomb_is_rejected_and_nothing_is_written(user_api, quiet_storage):
    # 8,000×8,000 of one colour: a small file, 64 million pixels (the limit is 40 million).
    out = io.BytesIO()
    Image.new("L", (8000, 8000)).save(out, "PNG")
    product = submitted(user_api.signed_in.user)
    key = first_image(product).upload_key

    land_image(product, body=out.getvalue())

    image = first_image(product)
    assert (image.status, image.renditions) == (ImageStatus.REJECTED, [])
    assert "pixels" in image.rejection_reason
    for size in ProductImage.rendition_sizes:
        assert not storage.exists(ProductImage.bucket(), rendition_key(key, size))


def test_rendition_events_are_left_alone_and_orphan_renditions_deleted(user_api, quiet_storage):
    product = land_image(submitted(user_api.signed_in.user))
    image = first_image(product)
    bucket = ProductImage.bucket()
    mine = rendition_key(image.image_key, 256)
    orphan = rendition_key(f"{uuid.uuid4()}/gone.png", 256)
    aws.client("s3").put_object(Bucket=bucket, Key=orphan, Body=b"x")

    assert uploads.image_landed(ProductImage, S3Object(bucket, mine, 0, "test")) == (
        Outcome.RENDITION
    )
    assert uploads.image_landed(ProductImage, S3Object(bucket, orphan, 0, "test")) == (
        Outcome.ORPHAN
    )
    assert storage.exists(bucket, mine) and not storage.exists(bucket, orphan)


def test_the_owner_adds_images_up_to_eight(user_api, api, quiet_storage):
    product = submitted(user_api.signed_in.user)

    for n in range(1, MAX_IMAGES):
        response = add_image(user_api, product.id, f"n{n}.png")
        assert response.status_code == 201, response.json()
        assert_documented(response, "POST", "/products/{product_id}/images/upload-url")
        body = response.json()
        assert set(body) == {"uploadUrl", "imageId", "productId"}
        assert image_of(product.id, body["imageId"]).position == n

    response = add_image(user_api, product.id)
    assert (response.status_code, response.json()["code"]) == (409, "too_many_images")
    # Not anyone's: the same 404 as an unknown product.
    assert add_image(api, product.id).status_code == 401
    other = submitted(user_api.signed_in.user).id
    assert add_image(user_api, uuid.uuid4()).status_code == 404
    assert add_image(user_api, other).status_code == 201


def test_someone_elses_product_is_404_for_every_image_operation(user_api, make_user, quiet_storage):
    product = land_image(submitted(make_user().user))
    image = first_image(product)

    assert add_image(user_api, product.id).status_code == 404
    assert user_api.delete(f"/products/{product.id}/images/{image.id}").status_code == 404
    response = user_api.put(
        f"/products/{product.id}/images/order", {"imageIds": [str(image.id)]}, format="json"
    )
    assert response.status_code == 404
    assert first_image(product).pk == image.pk


def test_the_order_must_name_every_image_once(user_api, quiet_storage):
    product = submitted(user_api.signed_in.user)
    first = first_image(product)
    second = add_image(user_api, product.id).json()["imageId"]
    url = f"/products/{product.id}/images/order"

    for ids in ([str(first.id)], [second, second], [second, str(first.id), str(uuid.uuid4())]):
        response = user_api.put(url, {"imageIds": ids}, format="json")
        assert response.status_code == 400, ids
        assert "imageIds" in response.json()["fields"]
    response = user_api.put(url, {"imageIds": [second, str(first.id)]}, format="json")
    assert response.status_code == 200
    assert_documented(response, "PUT", "/products/{product_id}/images/order")
    assert [i["id"] for i in response.json()["images"]] == [second, str(first.id)]


def test_the_main_image_is_the_first_landed_one_in_order(user_api, api, staff_api, quiet_storage):
    product = land_image(submitted(user_api.signed_in.user))
    first = first_image(product)
    second_id = add_image(user_api, product.id).json()["imageId"]
    land_image(product, image=image_of(product.id, second_id))
    product_approve(product_id=product.id, by=staff_api.signed_in.user)
    pending_id = add_image(user_api, product.id).json()["imageId"]  # never lands
    url = f"/products/{product.id}/images/order"

    user_api.put(url, {"imageIds": [pending_id, second_id, str(first.id)]}, format="json")

    second = image_of(product.id, second_id)
    listed = api.get("/products/approve-products").json()["products"][0]
    assert listed["imageUrl"] == second.image_url
    assert listed["thumbnailUrl"] == rendition_url(second, 256)
    detail = api.get(f"/products/{product.id}").json()
    assert [i["id"] for i in detail["images"]] == [second_id, str(first.id)]  # landed ones
    assert "status" not in detail["images"][0]
    assert detail["images"][0]["renditions"] == second.renditions
    mine = user_api.get(f"/products/{product.id}").json()
    assert [(i["id"], i["status"]) for i in mine["images"]] == [
        (pending_id, "pending"),
        (second_id, "ready"),
        (str(first.id), "ready"),
    ]


def rendition_url(image: ProductImage, size: int) -> str:
    return next(r["url"] for r in image.renditions if r["size"] == size)


def test_deleting_an_image_deletes_its_objects(user_api, quiet_storage):
    product = land_image(submitted(user_api.signed_in.user))
    image = first_image(product)
    keys = ProductImage.object_keys(image.image_key)
    assert len(keys) == 3 and all(storage.exists(ProductImage.bucket(), k) for k in keys)

    response = user_api.delete(f"/products/{product.id}/images/{image.id}")

    assert response.status_code == 204
    assert not ProductImage.objects.filter(pk=image.pk).exists()
    assert not any(storage.exists(ProductImage.bucket(), k) for k in keys)
    again = user_api.delete(f"/products/{product.id}/images/{image.id}")
    assert (again.status_code, again.json()["code"]) == (404, "image_not_found")


def test_an_approved_product_keeps_its_last_landed_image(user_api, staff_api, quiet_storage):
    product = land_image(submitted(user_api.signed_in.user))
    product_approve(product_id=product.id, by=staff_api.signed_in.user)
    image = first_image(product)

    response = user_api.delete(f"/products/{product.id}/images/{image.id}")

    assert (response.status_code, response.json()["code"]) == (409, "last_image")
    second = add_image(user_api, product.id).json()["imageId"]
    land_image(product, image=image_of(product.id, second))
    assert user_api.delete(f"/products/{product.id}/images/{image.id}").status_code == 204
    assert staff_api.delete(f"/products/{product.id}/images/{second}").status_code == 409


def test_deleting_a_product_deletes_every_image_and_rendition(user_api, quiet_storage):
    product = land_image(submitted(user_api.signed_in.user))
    second = add_image(user_api, product.id).json()["imageId"]
    land_image(product, image=image_of(product.id, second))
    keys = [k for i in product.images.all() for k in ProductImage.object_keys(i.image_key)]
    assert len(keys) == 6

    assert user_api.delete(f"/products/{product.id}").status_code == 204

    assert not any(storage.exists(ProductImage.bucket(), k) for k in keys)


def test_the_cleanup_drops_an_approved_products_stale_upload_not_the_product(
    user_api, quiet_storage, subscribe_inbox
):
    inbox = subscribe_inbox()
    product = land_image(submitted(user_api.signed_in.user))
    Product.objects.filter(pk=product.pk).update(status=ProductStatus.APPROVED)
    stale = add_image(user_api, product.id).json()["imageId"]
    ProductImage.objects.filter(pk=stale).update(
        upload_requested_at=timezone.now() - timedelta(hours=2)
    )

    result = uploads.cleanup_stale_uploads(ProductImage)

    assert result == uploads.CleanupResult(deleted=0, completed=0)
    assert list(product.images.values_list("status", flat=True)) == [ImageStatus.READY]
    assert Product.objects.filter(pk=product.pk).exists()
    assert inbox.notifications() == []


def test_the_refused_image_upload_url_restarts_the_first_image(user_api, quiet_storage):
    product = land_image(submitted(user_api.signed_in.user), body=b"<html>")
    assert first_image(product).status == ImageStatus.REJECTED

    response = user_api.post(
        f"/products/{product.id}/upload-url",
        {"fileName": "again.png", "fileType": "image/png"},
        format="json",
    )

    assert response.status_code == 201
    land_image(product, body=png_bytes())
    assert list(product.images.values_list("status", flat=True)) == [ImageStatus.READY]


def test_the_command_writes_the_renditions_images_from_before_them_lack(user_api, quiet_storage):
    product = land_image(submitted(user_api.signed_in.user))
    image = first_image(product)
    keys = ProductImage.object_keys(image.image_key)[1:]
    for key in keys:
        storage.delete(ProductImage.bucket(), key)
    ProductImage.objects.filter(pk=image.pk).update(renditions=[])
    out = io.StringIO()

    call_command("image_renditions", stdout=out)

    assert "products: renditions written for 1 of 1 images" in out.getvalue()
    assert [r["size"] for r in first_image(product).renditions] == [256, 1024]
    assert all(storage.exists(ProductImage.bucket(), key) for key in keys)
    call_command("image_renditions", stdout=out)
    assert "products: renditions written for 0 of 0 images" in out.getvalue()
