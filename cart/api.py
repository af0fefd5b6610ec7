"""Thin views over cart.services and cart.selectors: every change answers with the basket."""

import uuid

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAuthenticated
from cart import selectors, services
from cart.serializers import CartLineInput, CartOutput
from ecommerce.openapi import link, links
from orders.api import order_links, placed_response
from orders.serializers import IDEMPOTENCY_KEY, OrderCreateHeaders, OrderPlacedOutput

TAGS = ["cart"]
PRODUCT_ID = OpenApiParameter("product_id", uuid.UUID, OpenApiParameter.PATH)
SHORT = (
    "`insufficient_stock` with `lines` (`productId`, `requested`, `available`) naming every "
    "short product"
)


def _cart(request) -> Response:
    return Response(CartOutput(selectors.cart_of(request.user)).data)


def _to_line(operation: str) -> dict:
    return link(operation, {"product_id": "$response.body#/lines/0/productId"})


class CartView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={200: CartOutput},
        tags=TAGS,
        summary="Your basket, with current prices and availability",
        extensions=links(
            200,
            SetCartLine=_to_line("PUT /cart/lines/{product_id}"),
            RemoveCartLine=_to_line("DELETE /cart/lines/{product_id}"),
        ),
    )
    def get(self, request):
        return _cart(request)

    @extend_schema(responses={200: CartOutput}, tags=TAGS, summary="Empty your basket")
    def delete(self, request):
        services.cart_clear(user=request.user)
        return _cart(request)


class CartLineView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=CartLineInput,
        parameters=[PRODUCT_ID],
        responses={
            200: CartOutput,
            404: OpenApiResponse(description="Unknown or unapproved product."),
            409: OpenApiResponse(
                description=f"{SHORT} (advisory: nothing is reserved before checkout), or "
                "`cart_full` (50 products)."
            ),
        },
        tags=TAGS,
        summary="Put a product in your basket, or set its quantity there",
        extensions=links(200, Checkout=link("POST /cart/checkout")),
    )
    def put(self, request, product_id: uuid.UUID):
        serializer = CartLineInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.cart_line_set(
            user=request.user, product_id=product_id, quantity=serializer.validated_data["quantity"]
        )
        return _cart(request)

    @extend_schema(
        parameters=[PRODUCT_ID],
        responses={200: CartOutput},
        tags=TAGS,
        summary="Take a product out of your basket (200 whether or not it was there)",
    )
    def delete(self, request, product_id: uuid.UUID):
        services.cart_line_remove(user=request.user, product_id=product_id)
        return _cart(request)


class CartCheckoutView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        parameters=[OrderCreateHeaders],
        responses={
            201: OrderPlacedOutput,
            400: OpenApiResponse(description="`cart_empty`, or an invalid Idempotency-Key."),
            409: OpenApiResponse(
                description=f"{SHORT}; `product_unavailable` with `productIds` no longer for "
                "sale; `idempotency_key_reused` (the basket changed since the key's checkout). "
                "Nothing is reserved and the basket is kept."
            ),
        },
        tags=TAGS,
        summary="Place one order with every line of your basket, all or nothing; the basket "
        "is emptied",
        extensions=links(201, **order_links("$response.body#/orderId")),
    )
    def post(self, request):
        key = OrderCreateHeaders.validated(request).get(IDEMPOTENCY_KEY)
        return placed_response(services.cart_checkout(user=request.user, idempotency_key=key))
