from celery import shared_task

from products import services


@shared_task
def products_cleanup() -> int:
    """Delete stale unapproved products (beat: CELERY_BEAT_SCHEDULE["products-cleanup"])."""
    return services.products_cleanup().deleted
