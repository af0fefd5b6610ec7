from django.db.models import QuerySet

from banners.models import Banner
from ecommerce.uploads import ImageStatus


def banners_live() -> QuerySet[Banner]:
    """Banners whose image has landed, newest first."""
    return Banner.objects.filter(status=ImageStatus.READY).order_by("-uploaded_at", "-id")
