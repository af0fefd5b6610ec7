"""Thin views over products.services and products.selectors."""

import uuid
from collections.abc import Mapping
from urllib.parse import urlencode

from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAuthenticated, IsStaff
from ecommerce.openapi import link, links
from ecommerce.pagination import Page
from ecommerce.shapes import in_shape
from products import revisions, selectors, services
from products.serializers import (
    CatalogueFilterQuery,
    FacetsOutput,
    ProductDetailOutput,
    ProductEditInput,
    ProductListQuery,
    ProductMineQuery,
    ProductOutput,
    ProductPageOutput,
    ProductPrivateOutput,
    ProductPrivatePageOutput,
    ProductPublicOutput,
    ProductRejectInput,
    ProductSubmitInput,
    ProductSubmitOutput,
    RevisionDecisionInput,
    RevisionRejectInput,
    StockChangeInput,
)

TAGS = ["products"]
# The editable texts: API name → model field.
EDITED = {"productName": "product_name", "description": "description", "category": "category"}
NOT_YOURS = OpenApiResponse(description="No such product, or not yours.")


def product_link(product_id: str) -> dict:
    return link("GET /products/{product_id}", {"product_id": product_id})


def product_links(product_id: str) -> dict:
    """Links from an answer naming a product to what its owner and staff do with it."""
    parameters = {"product_id": product_id}
    return {
        "GetProduct": product_link(product_id),
        "NewImageUploadUrl": link("POST /products/{product_id}/upload-url", parameters),
        "ApproveProduct": link("POST /products/{product_id}/approve", parameters),
        "RejectProduct": link("POST /products/{product_id}/reject", parameters),
    }


def _page_response(request, page: Page, query: Mapping, shape=ProductOutput) -> Response:
    next_url = None
    if page.next_cursor:
        params = {key: value for key, value in query.items() if value not in (None, "")}
        params["cursor"] = page.next_cursor
        next_url = request.build_absolute_uri(request.path) + "?" + urlencode(params)
    return Response({"products": in_shape(page.items, shape), "next": next_url})


def _product_response(product_id: uuid.UUID, user) -> Response:
    row, private = selectors.product_for_viewer(product_id=product_id, user=user)
    return Response(in_shape([row], ProductPrivateOutput if private else ProductPublicOutput)[0])


def _validated(serializer_class, data) -> dict:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


class ProductUploadUrlView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ProductSubmitInput,
        responses={201: ProductSubmitOutput},
        tags=TAGS,
        extensions=links(201, **product_links("$response.body#/productId")),
        summary="Submit a product for review; returns a presigned PUT URL for its image",
    )
    def post(self, request):
        data = _validated(ProductSubmitInput, request.data)
        product, url = services.product_submit(
            owner=request.user,
            file_name=data["fileName"],
            content_type=data["fileType"],
            product_name=data["productName"],
            price=data["productPrice"],
            description=data["description"],
            quantity=data["quantity"],
            category=data["category"],
        )
        return Response({"uploadUrl": url, "productId": product.id}, status=status.HTTP_201_CREATED)


class ProductListView(APIView):
    # Public and user-independent: no authentication work on the catalogue's hot path.
    # Its pages are cached by products.cache.CatalogueCacheMiddleware, ahead of DRF.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[ProductListQuery],
        responses={200: ProductPageOutput},
        tags=TAGS,
        extensions=links(
            200,
            GetProduct=product_link("$response.body#/products/0/id"),
            PlaceOrder=link(
                "POST /orders/create-order", body={"id": "$response.body#/products/0/id"}
            ),
        ),
        summary="Approved products (the public catalogue), keyset-paginated",
    )
    def get(self, request):
        params = _validated(ProductListQuery, request.query_params)
        page = selectors.products_approved_page(
            page_size=params["pageSize"],
            cursor=params.get("cursor"),
            ordering=params.get("ordering"),
            category=params.get("category"),
            search=params.get("search"),
        )
        return _page_response(request, page, params)


class ProductFacetsView(APIView):
    # Public and user-independent, cached as the catalogue's pages are.
    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[CatalogueFilterQuery],
        responses={200: FacetsOutput},
        tags=TAGS,
        summary="Counts for a filter sidebar: products for sale matching the search, per "
        "category and per price band (one query)",
    )
    def get(self, request):
        params = _validated(CatalogueFilterQuery, request.query_params)
        facets = selectors.catalogue_facets(
            search=params.get("search"), category=params.get("category")
        )
        return Response(in_shape([facets], FacetsOutput)[0])


class ProductMineView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        parameters=[ProductMineQuery],
        responses={200: ProductPrivatePageOutput},
        tags=TAGS,
        extensions=links(200, **product_links("$response.body#/products/0/id")),
        summary="The caller's own products with their review status, stock and units sold, "
        "newest first",
    )
    def get(self, request):
        params = _validated(ProductMineQuery, request.query_params)
        page = selectors.products_of_owner_page(
            owner=request.user,
            page_size=params["pageSize"],
            cursor=params.get("cursor"),
            status=params.get("status"),
        )
        query = {"pageSize": params["pageSize"], "status": params.get("status")}
        return _page_response(request, page, query, shape=ProductPrivateOutput)


class ProductDetailView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: ProductDetailOutput},
        tags=TAGS,
        summary="One product: approved ones for anyone; with its review for its owner and staff",
    )
    def get(self, request, product_id: uuid.UUID):
        user = request.user if request.user.is_authenticated else None
        return _product_response(product_id, user)

    @extend_schema(
        responses={
            204: None,
            404: NOT_YOURS,
        },
        tags=TAGS,
        summary="Delete your product for good, with its images (the owner, or staff); "
        "orders keep their copies",
    )
    def delete(self, request, product_id: uuid.UUID):
        services.product_remove(product_id=product_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        request=ProductEditInput,
        responses={200: ProductPrivateOutput, 404: NOT_YOURS},
        tags=TAGS,
        summary="Edit your product: the price at once; name, description and category at "
        "once until it is approved, then as a revision staff review (the approved version "
        "stays listed meanwhile; a new edit replaces a pending revision)",
    )
    def patch(self, request, product_id: uuid.UUID):
        data = _validated(ProductEditInput, request.data)
        revisions.product_edit(
            product_id=product_id,
            user=request.user,
            price=data.get("productPrice"),
            **{field: data[name] for name, field in EDITED.items() if name in data},
        )
        return _product_response(product_id, request.user)

    def get_permissions(self):
        # Reading is public; editing and deleting need a signed-in owner (or staff).
        if self.request.method in ("PATCH", "DELETE"):
            return [IsAuthenticated()]
        return super().get_permissions()


class ProductApproveView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        request=None,
        responses={
            200: ProductPrivateOutput,
            409: OpenApiResponse(description="`image_missing`: the image has not landed."),
        },
        tags=TAGS,
        summary="Approve a product (staff); emails the seller once",
    )
    def post(self, request, product_id: uuid.UUID):
        services.product_approve(product_id=product_id, by=request.user)
        return _product_response(product_id, request.user)


class ProductRejectView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        request=ProductRejectInput,
        responses={
            200: ProductPrivateOutput,
            409: OpenApiResponse(description="`already_approved`."),
        },
        tags=TAGS,
        summary="Reject a pending product with a reason (staff); emails the seller once",
    )
    def post(self, request, product_id: uuid.UUID):
        data = _validated(ProductRejectInput, request.data)
        services.product_reject(product_id=product_id, by=request.user, reason=data["reason"])
        return _product_response(product_id, request.user)


class ProductStockView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=StockChangeInput,
        responses={
            200: ProductPrivateOutput,
            404: NOT_YOURS,
            409: OpenApiResponse(
                description="`insufficient_stock` with `available`: removing more than there "
                "is; `stock_limit` with `quantity` and `max`: adding past 1,000,000."
            ),
        },
        tags=TAGS,
        summary="Add units to your product's stock, or remove some, relative to what it is "
        "now (never undoing a concurrent order); no review",
    )
    def post(self, request, product_id: uuid.UUID):
        data = _validated(StockChangeInput, request.data)
        services.product_stock_change(
            product_id=product_id, user=request.user, change=data["change"]
        )
        return _product_response(product_id, request.user)


class _ListingView(APIView):
    permission_classes = [IsAuthenticated]
    listed: bool

    def post(self, request, product_id: uuid.UUID):
        services.product_listing_set(product_id=product_id, user=request.user, listed=self.listed)
        return _product_response(product_id, request.user)


@extend_schema_view(
    post=extend_schema(
        request=None,
        responses={200: ProductPrivateOutput, 404: NOT_YOURS},
        tags=TAGS,
        summary="Take your product off sale (the owner, or staff): out of the catalogue, "
        "not orderable; it keeps its review",
    )
)
class ProductDelistView(_ListingView):
    listed = False


@extend_schema_view(
    post=extend_schema(
        request=None,
        responses={200: ProductPrivateOutput, 404: NOT_YOURS},
        tags=TAGS,
        summary="Put your product back on sale (for sale again if it is approved)",
    )
)
class ProductRelistView(_ListingView):
    listed = True


class RevisionApproveView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        request=RevisionDecisionInput,
        responses={
            200: ProductPrivateOutput,
            409: OpenApiResponse(
                description="`no_revision_pending`, `revision_changed` (not the `revisionId` "
                "given), or `revision_decided` (rejected)."
            ),
        },
        tags=TAGS,
        summary="Approve a product's pending changes (staff): listed at once; emails the "
        "seller once",
    )
    def post(self, request, product_id: uuid.UUID):
        data = _validated(RevisionDecisionInput, request.data)
        revisions.revision_approve(
            product_id=product_id,
            by=request.user,
            revision_id=data.get("revisionId"),
        )
        return _product_response(product_id, request.user)


class RevisionRejectView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        request=RevisionRejectInput,
        responses={
            200: ProductPrivateOutput,
            409: OpenApiResponse(
                description="`no_revision_pending`, `revision_changed` (not the `revisionId` "
                "given), or `revision_decided` (approved)."
            ),
        },
        tags=TAGS,
        summary="Reject a product's pending changes with a reason (staff): the product stays "
        "as it is; emails the seller once",
    )
    def post(self, request, product_id: uuid.UUID):
        data = _validated(RevisionRejectInput, request.data)
        revisions.revision_reject(
            product_id=product_id,
            by=request.user,
            reason=data["reason"],
            revision_id=data.get("revisionId"),
        )
        return _product_response(product_id, request.user)
