"""Thin views over categories.services and categories.selectors."""

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaff
from categories import selectors, services
from categories.serializers import CategoryOutput, CategoryUploadInput, CategoryUploadOutput
from ecommerce.openapi import link, links


class CategoryUploadUrlView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        request=CategoryUploadInput,
        responses={201: CategoryUploadOutput},
        tags=["categories"],
        extensions=links(
            201,
            ListCategories=link("GET /categories"),
            DeleteCategory=link(
                "DELETE /categories/{name}", {"name": "$response.body#/categoryName"}
            ),
        ),
        summary="Create a category (or replace its image): a presigned PUT URL for the image",
    )
    def post(self, request):
        serializer = CategoryUploadInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        category, url = services.category_upload_start(
            name=data["categoryName"], file_name=data["fileName"], content_type=data["fileType"]
        )
        return Response(
            {"uploadUrl": url, "categoryName": category.name}, status=status.HTTP_201_CREATED
        )


class CategoryListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: CategoryOutput(many=True)},
        tags=["categories"],
        summary="Categories that have an image, by name",
    )
    def get(self, request):
        return Response(CategoryOutput(selectors.categories_with_image(), many=True).data)


class CategoryDetailView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        responses={204: None}, tags=["categories"], summary="Delete a category and its image"
    )
    def delete(self, request, name: str):
        services.category_delete(name=name)
        return Response(status=status.HTTP_204_NO_CONTENT)
