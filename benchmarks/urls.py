"""The app's URLs plus benchmark-only endpoints, served only by benchmarks/bench_settings.py.

`POST /bench/reserve?product=<id>&user=<id>` runs just the reservation transaction of an
order (the conditional stock UPDATE, the INSERTs of the order, its line and its stock
movement), without authentication, input parsing, history, idempotency or the hand-over to
processing: the baseline that order placement is compared against.

`POST /bench/checkout?products=<id>,<id>,<id>&user=<id>` is the same for a basket's
checkout: one conditional UPDATE per product (one unit each, in product id order, as
products.stock.stock_reserve takes them), the order INSERT, one INSERT of its lines and one
of their stock movements, in one transaction; no basket is read or emptied: the baseline of
the checkout benchmark.
"""

from django.db import transaction
from django.db.models import F
from django.http import JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from ecommerce.urls import urlpatterns as app_urlpatterns
from orders.models import Order, OrderLine
from products.models import Product, ProductStatus, StockMovement


def _take_one(product_id: str) -> bool:
    return bool(
        Product.objects.filter(
            pk=product_id, status=ProductStatus.APPROVED, quantity__gte=1
        ).update(quantity=F("quantity") - 1)
    )


def _record(user_id: str, product_ids: list[str]) -> Order:
    """The order and one line of one unit at 1 per product, named "bench" (run.py tells
    these orders from the API's by that name)."""
    now = timezone.now()
    order = Order.objects.create(
        user_id=user_id, total=len(product_ids), created_at=now, updated_at=now
    )
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            product_id=product_id,
            product_name="bench",
            unit_price=1,
            quantity=1,
            line_total=1,
        )
        for product_id in product_ids
    )
    StockMovement.objects.bulk_create(
        StockMovement(product_id=product_id, change=-1, reason="placed", order_id=order.id)
        for product_id in product_ids
    )
    return order


@csrf_exempt
def bare_reserve(request):
    product_id, user_id = request.GET["product"], request.GET["user"]
    with transaction.atomic():
        if not _take_one(product_id):
            return JsonResponse({"error": "out of stock"}, status=409)
        order = _record(user_id, [product_id])
    return JsonResponse({"orderId": str(order.id)}, status=201)


@csrf_exempt
def bare_checkout(request):
    product_ids = sorted(request.GET["products"].split(","))
    user_id = request.GET["user"]
    with transaction.atomic():
        for product_id in product_ids:
            if not _take_one(product_id):
                transaction.set_rollback(True)
                return JsonResponse({"error": "out of stock"}, status=409)
        order = _record(user_id, product_ids)
    return JsonResponse({"orderId": str(order.id)}, status=201)


urlpatterns = [
    path("bench/reserve", bare_reserve),
    path("bench/checkout", bare_checkout),
    *app_urlpatterns,
]
