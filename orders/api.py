"""Thin views over the orders' stages (placement, lifecycle) and orders.selectors."""

import uuid
from urllib.parse import urlencode

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAuthenticated
from orders import selectors
from orders.lifecycle import order_cancel
from orders.placement import order_place
from orders.serializers import (
    IdempotencyKeyInput,
    OrderCreateInput,
    OrderOutput,
    OrderPageOutput,
    OrderPageQuery,
    OrderPlacedOutput,
)

TAGS = ["orders"]
IDEMPOTENCY_KEY = "Idempotency-Key"
NOT_FOUND = OpenApiResponse(description="No such order, or not yours (`order_not_found`).")


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _idempotency_key(request) -> str | None:
    key = request.headers.get(IDEMPOTENCY_KEY)
    if key is None:
        return None
    serializer = IdempotencyKeyInput(data={"key": key})
    if not serializer.is_valid():
        raise serializers.ValidationError({IDEMPOTENCY_KEY: serializer.errors["key"]})
    return serializer.validated_data["key"]


class OrderCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=OrderCreateInput,
        parameters=[
            OpenApiParameter(
                IDEMPOTENCY_KEY,
                str,
                OpenApiParameter.HEADER,
                description="Optional, up to 255 visible ASCII characters, per user. A retry "
                "with the same key and body returns the first answer (with "
                "`Idempotent-Replayed: true`) and places nothing; the same key with another "
                "body is 409 `idempotency_key_reused`. Only placed orders are remembered: a "
                "refused request may be retried with its key.",
            )
        ],
        responses={
            201: OrderPlacedOutput,
            400: OpenApiResponse(description="Invalid body or Idempotency-Key."),
            404: OpenApiResponse(description="Unknown or unapproved product."),
            409: OpenApiResponse(
                description="`insufficient_stock` (with `available`) or `idempotency_key_reused`."
            ),
        },
        tags=TAGS,
        summary="Place an order: stock is reserved now, processing follows asynchronously",
    )
    def post(self, request):
        key = _idempotency_key(request)
        data = _validated(OrderCreateInput, request.data)
        placement = order_place(
            user=request.user,
            product_id=data["id"],
            quantity=data["quantity"],
            idempotency_key=key,
        )
        return Response(
            {"message": "order placed successfully", "orderId": placement.order.id},
            status=status.HTTP_201_CREATED,
            headers={"Idempotent-Replayed": "true"} if placement.replayed else None,
        )


class OrderListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[
            OpenApiParameter("pageSize", int, description="1 to 100, default 20"),
            OpenApiParameter("cursor", str, description="From the previous page's `next`"),
        ],
        responses={200: OrderPageOutput},
        operation_id="orders_list",
        tags=TAGS,
        summary="The caller's orders with their history, newest first, keyset-paginated",
    )
    def get(self, request):
        params = _validated(OrderPageQuery, request.query_params)
        page = selectors.orders_of_user_page(
            user=request.user, page_size=params["pageSize"], cursor=params.get("cursor")
        )
        next_url = None
        if page.next_cursor:
            query = urlencode({"pageSize": params["pageSize"], "cursor": page.next_cursor})
            next_url = f"{request.build_absolute_uri(request.path)}?{query}"
        return Response({"orders": OrderOutput(page.items, many=True).data, "next": next_url})


ORDER_ID = OpenApiParameter("order_id", uuid.UUID, OpenApiParameter.PATH)


class OrderDetailView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ORDER_ID],
        responses={200: OrderOutput, 404: NOT_FOUND},
        tags=TAGS,
        summary="One order with its status history (its owner, or staff)",
    )
    def get(self, request, order_id: uuid.UUID):
        order = selectors.order_for_viewer(order_id=order_id, user=request.user)
        return Response(OrderOutput(order).data)


class OrderCancelView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        parameters=[ORDER_ID],
        responses={
            200: OrderOutput,
            404: NOT_FOUND,
            409: OpenApiResponse(
                description="`order_not_cancellable`: already shipping, failed or cancelled."
            ),
        },
        tags=TAGS,
        summary="Cancel your order while it is pending or processing; its stock goes back",
    )
    def post(self, request, order_id: uuid.UUID):
        order_cancel(user=request.user, order_id=order_id)
        order = selectors.order_for_viewer(order_id=order_id, user=request.user)
        return Response(OrderOutput(order).data)
