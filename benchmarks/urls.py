"""The app's URLs plus one benchmark-only endpoint, served only by benchmarks/bench_settings.py.

`POST /bench/reserve?product=<id>&user=<id>` runs just the reservation transaction of an
order (the conditional stock UPDATE and the order INSERT), without authentication, input
parsing, history, idempotency or the enqueue: the baseline that order placement is
compared against. `POST /bench/reserve-one` does the same work as one statement (the form
order placement uses on PostgreSQL, without its history row): reported beside it, so that
what placement gains from its single statement is visible.
"""

import uuid

from django.db import connection, transaction
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


_ONE_STATEMENT = """
WITH reserved AS (
    UPDATE products_product SET quantity = quantity - 1
    WHERE id = %s AND status = 'approved' AND quantity >= 1
    RETURNING id
)
INSERT INTO orders_order (id, user_id, product_id, product_name, unit_price, quantity, total,
                          status, attempts, created_at, updated_at)
SELECT %s, %s, id, 'bench', 1, 1, 1, 'pending', 1, %s, %s FROM reserved
RETURNING id
"""


@csrf_exempt
def bare_reserve_one_statement(request):
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            _ONE_STATEMENT,
            [request.GET["product"], uuid.uuid4(), request.GET["user"], now, now],
        )
        row = cursor.fetchone()
    if row is None:
        return JsonResponse({"error": "out of stock"}, status=409)
    return JsonResponse({"orderId": str(row[0])}, status=201)


urlpatterns = [
    path("bench/reserve", bare_reserve),
    path("bench/reserve-one", bare_reserve_one_statement),
    *app_urlpatterns,
]
