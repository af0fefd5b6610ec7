"""Cleanup of unapproved products whose image never landed (Celery beat, every interval)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ecommerce import aws, storage, uploads
from ecommerce.uploads import ImageStatus, cleanup_stale_uploads
from products.models import Product, ProductImage, ProductStatus
from tests.conftest import wait_for
from tests.products.factories import first_image, land_image, submitted
from tests.support.uploads import png_bytes

SUBJECT = "Product cleanup Notification"


@pytest.fixture
def owner(django_user_model):
    return django_user_model.objects.create_user(username="seller", email="seller@example.com")


def aged(product: Product, seconds: int) -> Product:
    then = timezone.now() - timedelta(seconds=seconds)
    ProductImage.objects.filter(product=product).update(upload_requested_at=then)
    Product.objects.filter(pk=product.pk).update(created_at=then)
    return Product.objects.get(pk=product.pk)


@pytest.mark.django_db
def test_cleanup_deletes_stale_unapproved_products_without_an_image_and_announces_it(
    owner, quiet_storage, subscribe_inbox, settings
):
    settings.CLEANUP_MAX_AGE_SECONDS = 3600
    inbox = subscribe_inbox()
    stale = aged(submitted(owner), 3601)
    stale_refused_image = aged(land_image(submitted(owner), body=b"<html>"), 7200)
    stale_rejected = submitted(owner)
    Product.objects.filter(pk=stale_rejected.pk).update(status=ProductStatus.REJECTED)
    stale_rejected = aged(stale_rejected, 7200)
    fresh = aged(submitted(owner), 3500)
    with_image = aged(land_image(submitted(owner)), 7200)
    # Approved products are never cleaned up, even if their image never landed.
    approved_without_image = submitted(owner)
    Product.objects.filter(pk=approved_without_image.pk).update(status=ProductStatus.APPROVED)
    approved_without_image = aged(approved_without_image, 7200)

    result = cleanup_stale_uploads(ProductImage)

    assert result == uploads.CleanupResult(deleted=3, completed=0)
    assert set(Product.objects.values_list("pk", flat=True)) == {
        fresh.pk,
        with_image.pk,
        approved_without_image.pk,
    }
    gone = [stale, stale_refused_image, stale_rejected]
    assert not ProductImage.objects.filter(product_id__in=[p.pk for p in gone]).exists()
    assert inbox.notifications() == [(SUBJECT, "Cleanup completed. Deleted 3 outdated products")]


@pytest.mark.django_db
def test_nothing_is_published_when_nothing_was_deleted(owner, quiet_storage, subscribe_inbox):
    inbox = subscribe_inbox()
    submitted(owner)  # fresh

    assert cleanup_stale_uploads(ProductImage).deleted == 0
    assert inbox.notifications() == []


@pytest.mark.django_db
def test_a_stale_product_whose_image_is_in_s3_is_completed_not_deleted(owner, quiet_storage):
    # The upload landed but its event was lost: the seller's product must survive.
    product = aged(submitted(owner), 7200)
    aws.client("s3").put_object(
        Bucket=ProductImage.bucket(),
        Key=first_image(product).upload_key,
        Body=png_bytes(),
        ContentType="image/png",
    )

    assert cleanup_stale_uploads(ProductImage) == uploads.CleanupResult(deleted=0, completed=1)

    image = first_image(product)
    assert image.status == ImageStatus.READY
    assert image.image_url == storage.public_url(ProductImage.bucket(), image.image_key)


@pytest.mark.e2e
def test_the_worker_runs_the_product_cleanup(
    celery_worker, transactional_db, django_user_model, subscribe_inbox
):
    from ecommerce.tasks import uploads_cleanup as task

    seller = django_user_model.objects.create_user(username="seller", email="s@example.com")
    inbox = subscribe_inbox()
    stale = aged(submitted(seller), 7200)

    task.delay()

    notices = wait_for(lambda: inbox.notifications(wait_seconds=5), timeout=60)
    assert notices == [(SUBJECT, "Cleanup completed. Deleted 1 outdated products")]
    assert not Product.objects.filter(pk=stale.pk).exists()
