"""Thin views over the orders' stages (placement, lifecycle) and orders.selectors."""

import uuid
from urllib.parse import urlencode

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAuthenticated
from ecommerce.openapi import link, links
from orders import selectors
from orders.lifecycle import order_cancel
from orders.placement import Idempotency, Placement, fingerprint, order_place
from orders.serializers import (
    IDEMPOTENCY_KEY,
    OrderCreateHeaders,
    OrderCreateInput,
    OrderOutput,
    OrderPageOutput,
    OrderPageQuery,
    OrderPlacedOutput,
)
from products.errors import ProductNotFound, ProductUnavailable

TAGS = ["orders"]


def order_links(order_id: str) -> dict:
    """Links from an answer naming an order to reading and cancelling it."""
    parameters = {"order_id": order_id}
    return {
        "GetOrder": link("GET /orders/{order_id}", parameters),
        "CancelOrder": link("POST /orders/{order_id}/cancel", parameters),
    }


NOT_FOUND = OpenApiResponse(description="No such order, or not yours (`order_not_found`).")


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class OrderCreateView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=OrderCreateInput,
        parameters=[OrderCreateHeaders],
        responses={
            201: OrderPlacedOutput,
            400: OpenApiResponse(description="Invalid body or Idempotency-Key."),
            404: OpenApiResponse(
                description="One-product form: unknown or unapproved product (`product_not_found`)."
            ),
            409: OpenApiResponse(
                description="`insufficient_stock` with `lines` (`productId`, `requested`, "
                "`available`) naming every short product (and `available` when one is short); "
                "`product_unavailable` (`items` form) with `productIds` not for sale; "
                "`idempotency_key_reused`. Nothing is reserved."
            ),
        },
        tags=TAGS,
        summary="Place an order of one product or several, all or nothing: stock is reserved "
        "now, processing follows asynchronously",
        extensions=links(201, **order_links("$response.body#/orderId")),
    )
    def post(self, request):
        key = OrderCreateHeaders.validated(request).get(IDEMPOTENCY_KEY)
        data = _validated(OrderCreateInput, request.data)
        idempotency = Idempotency(key, fingerprint(data["request"])) if key else None
        try:
            placement = order_place(user=request.user, lines=data["lines"], idempotency=idempotency)
        except ProductUnavailable:
            if "items" in data["request"]:
                raise
            raise ProductNotFound() from None  # the original one-product answer
        return placed_response(placement)


def placed_response(placement: Placement) -> Response:
    """201 naming the order (create-order and checkout), marked when it is a replay."""
    return Response(
        {"message": "order placed successfully", "orderId": placement.order.id},
        status=status.HTTP_201_CREATED,
        headers={"Idempotent-Replayed": "true"} if placement.replayed else None,
    )


class OrderListView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[OrderPageQuery],
        responses={200: OrderPageOutput},
        operation_id="orders_list",
        tags=TAGS,
        extensions=links(200, **order_links("$response.body#/orders/0/orderId")),
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
        extensions=links(
            200, GetOrder=link("GET /orders/{order_id}", {"order_id": "$request.path.order_id"})
        ),
    )
    def post(self, request, order_id: uuid.UUID):
        order_cancel(user=request.user, order_id=order_id)
        order = selectors.order_for_viewer(order_id=order_id, user=request.user)
        return Response(OrderOutput(order).data)
