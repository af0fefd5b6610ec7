"""Thin views over a product's images (products.services): adding, deleting, ordering."""

import uuid

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAuthenticated
from ecommerce.images import ImageUploadInput
from ecommerce.openapi import links
from products import services
from products.api import NOT_YOURS, TAGS, _product_response, _validated, product_link
from products.serializers import (
    ImageOrderInput,
    ImageUploadOutput,
    ProductPrivateOutput,
    ProductSubmitOutput,
)


class ProductImageUploadUrlView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ImageUploadInput,
        responses={
            201: ProductSubmitOutput,
            404: OpenApiResponse(description="No such product, or not yours."),
            409: OpenApiResponse(description="`already_approved`."),
        },
        tags=TAGS,
        summary="A new image upload URL for a product not approved yet (its owner, or staff)",
        extensions=links(201, GetProduct=product_link("$response.body#/productId")),
    )
    def post(self, request, product_id: uuid.UUID):
        data = _validated(ImageUploadInput, request.data)
        product, url = services.product_image_upload_start(
            product_id=product_id,
            user=request.user,
            file_name=data["fileName"],
            content_type=data["fileType"],
        )
        return Response({"uploadUrl": url, "productId": product.id}, status=status.HTTP_201_CREATED)


class ProductImagesUploadUrlView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ImageUploadInput,
        responses={
            201: ImageUploadOutput,
            404: NOT_YOURS,
            409: OpenApiResponse(description="`too_many_images`: the product has 8."),
        },
        tags=TAGS,
        extensions=links(201, GetProduct=product_link("$response.body#/productId")),
        summary="One more image for your product (the owner, or staff): a presigned PUT URL; "
        "listed once it has landed with its renditions",
    )
    def post(self, request, product_id: uuid.UUID):
        data = _validated(ImageUploadInput, request.data)
        image, url = services.product_image_add(
            product_id=product_id,
            user=request.user,
            file_name=data["fileName"],
            content_type=data["fileType"],
        )
        return Response(
            {"uploadUrl": url, "imageId": image.id, "productId": product_id},
            status=status.HTTP_201_CREATED,
        )


class ProductImageView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={
            204: None,
            404: OpenApiResponse(description="No such product or image, or not yours."),
            409: OpenApiResponse(
                description="`last_image`: the only landed image of an approved product."
            ),
        },
        tags=TAGS,
        summary="Delete one of your product's images with its renditions (the owner, or staff)",
    )
    def delete(self, request, product_id: uuid.UUID, image_id: uuid.UUID):
        services.product_image_delete(product_id=product_id, image_id=image_id, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductImagesOrderView(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=ImageOrderInput,
        responses={200: ProductPrivateOutput, 404: NOT_YOURS},
        tags=TAGS,
        summary="Order your product's images (the owner, or staff): the first landed one is "
        "the main image, the catalogue's thumbnail",
    )
    def put(self, request, product_id: uuid.UUID):
        data = _validated(ImageOrderInput, request.data)
        services.product_images_order(
            product_id=product_id, user=request.user, image_ids=data["imageIds"]
        )
        return _product_response(product_id, request.user)
