"""The cleanups as Celery beat runs them: scheduled from settings, executed by a real worker."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from django_celery_beat.schedulers import DatabaseScheduler

from categories.models import Category
from categories.services import category_upload_start
from ecommerce.celery import app
from tests.conftest import wait_for


def test_beat_syncs_both_cleanups_to_the_database_every_interval(transactional_db, settings):
    # What `celery beat -S ...DatabaseScheduler` does on start (it closes the connection,
    # hence a transactional test).
    DatabaseScheduler(app=app)

    tasks = {
        t.name: (t.task, t.interval.every, t.interval.period)
        for t in PeriodicTask.objects.filter(name__in=["banners-cleanup", "categories-cleanup"])
    }
    every = settings.CLEANUP_INTERVAL_SECONDS
    assert every == 120
    assert tasks == {
        "banners-cleanup": ("banners.tasks.banners_cleanup", every, "seconds"),
        "categories-cleanup": ("categories.tasks.categories_cleanup", every, "seconds"),
    }


@pytest.mark.e2e
def test_the_worker_runs_the_category_cleanup(celery_worker, transactional_db, subscribe_inbox):
    from categories.tasks import categories_cleanup

    inbox = subscribe_inbox()
    stale, _ = category_upload_start(name="stale", file_name="s.png", content_type="image/png")
    Category.objects.filter(pk=stale.pk).update(
        upload_requested_at=timezone.now() - timedelta(hours=2)
    )

    categories_cleanup.delay()

    notices = wait_for(lambda: inbox.notifications(wait_seconds=5), timeout=60)
    assert notices == [
        ("Category cleanup Notification", "Cleanup completed. Deleted 1 outdated categories")
    ]
    assert not Category.objects.filter(pk=stale.pk).exists()
