from celery import shared_task

from categories import services


@shared_task
def categories_cleanup() -> int:
    """Delete stale imageless categories (beat: CELERY_BEAT_SCHEDULE["categories-cleanup"])."""
    return services.categories_cleanup().deleted
