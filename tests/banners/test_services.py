"""Banners: the cleanup of banners whose image never landed (declared by the model)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from banners import services
from banners.models import Banner
from ecommerce.uploads import CleanupResult, cleanup_stale_uploads

pytestmark = pytest.mark.django_db


def test_cleanup_deletes_stale_pending_banners_and_announces_the_count(
    quiet_storage, subscribe_inbox
):
    inbox = subscribe_inbox()
    stale = [services.banner_upload_start(file_name="b.png", content_type="image/png")[0]]
    fresh, _ = services.banner_upload_start(file_name="b.png", content_type="image/png")
    Banner.objects.filter(pk=stale[0].pk).update(
        upload_requested_at=timezone.now() - timedelta(hours=2)
    )

    assert cleanup_stale_uploads(Banner) == CleanupResult(deleted=1, completed=0)

    assert list(Banner.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert inbox.notifications() == [
        ("Banner cleanup Notification", "Cleanup completed. Deleted 1 outdated banners")
    ]
