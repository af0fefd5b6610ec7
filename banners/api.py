"""Thin views over banners.services and banners.selectors."""

import uuid

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsStaff
from banners import selectors, services
from banners.serializers import BannerListOutput, BannerUploadInput, BannerUploadOutput
from ecommerce.openapi import link, links


class BannerUploadUrlView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(
        request=BannerUploadInput,
        responses={201: BannerUploadOutput},
        tags=["banners"],
        extensions=links(
            201,
            ListBanners=link("GET /banners"),
            DeleteBanner=link(
                "DELETE /banners/{banner_id}", {"banner_id": "$response.body#/bannerId"}
            ),
        ),
        summary="Create a pending banner and a presigned PUT URL for its image",
    )
    def post(self, request):
        serializer = BannerUploadInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        banner, url = services.banner_upload_start(
            file_name=serializer.validated_data["fileName"],
            content_type=serializer.validated_data["fileType"],
        )
        return Response({"uploadURL": url, "bannerId": banner.id}, status=status.HTTP_201_CREATED)


class BannerListView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        responses={200: BannerListOutput},
        tags=["banners"],
        summary="Banners whose image has landed, newest first",
    )
    def get(self, request):
        return Response(BannerListOutput({"banners": selectors.banners_live()}).data)


class BannerDetailView(APIView):
    permission_classes = [IsStaff]

    @extend_schema(responses={204: None}, tags=["banners"], summary="Delete a banner and its image")
    def delete(self, request, banner_id: uuid.UUID):
        services.banner_delete(banner_id=banner_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
