"""The app's URLs plus one benchmark-only endpoint, served only by benchmarks/bench_settings.py.

`POST /bench/reserve?product=<id>&user=<id>` runs just the reservation transaction of an
order (the conditional stock UPDATE and the order INSERT), without authentication, input
parsing, history, idempotency or the hand-over to processing: the baseline that order
placement is compared against.
"""

from django.db import transaction
from django.db.models import F
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ecommerce.urls import urlpatterns as app_urlpatterns
from orders.models import Order
from products.models import Product, ProductStatus


@csrf_exempt
def bare_reserve(request):
    product_id, user_id = request.GET["product"], request.GET["user"]
    with transaction.atomic():
        taken = Product.objects.filter(
            pk=product_id, status=ProductStatus.APPROVED, quantity__gte=1
        ).update(quantity=F("quantity") - 1)
        if not taken:
            return JsonResponse({"error": "out of stock"}, status=409)
        now = timezone.now()
        order = Order.objects.create(
            user_id=user_id,
            product_id=product_id,
            product_name="bench",
            unit_price=1,
            quantity=1,
            total=1,
            created_at=now,
            updated_at=now,
        )
    return JsonResponse({"orderId": str(order.id)}, status=201)


urlpatterns = [
    path("bench/reserve", bare_reserve),
    *app_urlpatterns,
]
