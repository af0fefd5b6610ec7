"""The upload cleanup as Celery beat runs it: one entry for every upload purpose, scheduled
from settings, executed by a real worker."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from categories.models import Category
from categories.services import category_upload_start
from ecommerce import uploads
from ecommerce.celery import app
from tests.conftest import wait_for


def test_beat_syncs_the_cleanup_to_the_database_every_interval(transactional_db, settings):
    # What `celery beat -S ...DatabaseScheduler` does on start (it closes the connection,
    # hence a transactional test).
    DatabaseScheduler(app=app)

    task = PeriodicTask.objects.get(name="uploads-cleanup")
    every = settings.CLEANUP_INTERVAL_SECONDS
    assert every == 120
    assert (task.task, task.interval.every, task.interval.period) == (
        "ecommerce.tasks.uploads_cleanup",
        every,
        "seconds",
    )
    assert sorted(uploads.upload_models()) == ["banners", "categories", "products"]


@pytest.mark.e2e
def test_the_worker_runs_the_category_cleanup(celery_worker, transactional_db, subscribe_inbox):
    from ecommerce.tasks import uploads_cleanup

    inbox = subscribe_inbox()
    stale, _ = category_upload_start(name="stale", file_name="s.png", content_type="image/png")
    Category.objects.filter(pk=stale.pk).update(
        upload_requested_at=timezone.now() - timedelta(hours=2)
    )

    uploads_cleanup.delay()

    notices = wait_for(lambda: inbox.notifications(wait_seconds=5), timeout=60)
    assert notices == [
        ("Category cleanup Notification", "Cleanup completed. Deleted 1 outdated categories")
    ]
    assert not Category.objects.filter(pk=stale.pk).exists()
