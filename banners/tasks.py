from celery import shared_task

from banners import services


@shared_task
def banners_cleanup() -> int:
    """Delete stale pending banners (beat: CELERY_BEAT_SCHEDULE["banners-cleanup"])."""
    return services.banners_cleanup().deleted
