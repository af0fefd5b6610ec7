from django.urls import path

from products import api, api_images

# Included at "" by ecommerce/urls.py: full paths here.
urlpatterns = [
    path("products/get-upload-url", api.ProductUploadUrlView.as_view(), name="product-upload-url"),
    path("products/approve-products", api.ProductListView.as_view(), name="product-list"),
    path("products/mine", api.ProductMineView.as_view(), name="product-mine"),
    path("products/facets", api.ProductFacetsView.as_view(), name="product-facets"),
    path("products/<uuid:product_id>", api.ProductDetailView.as_view(), name="product-detail"),
    path(
        "products/<uuid:product_id>/upload-url",
        api_images.ProductImageUploadUrlView.as_view(),
        name="product-image-upload-url",
    ),
    path(
        "products/<uuid:product_id>/images/upload-url",
        api_images.ProductImagesUploadUrlView.as_view(),
        name="product-images-upload-url",
    ),
    path(
        "products/<uuid:product_id>/images/order",
        api_images.ProductImagesOrderView.as_view(),
        name="product-images-order",
    ),
    path(
        "products/<uuid:product_id>/images/<uuid:image_id>",
        api_images.ProductImageView.as_view(),
        name="product-image",
    ),
    path(
        "products/<uuid:product_id>/approve",
        api.ProductApproveView.as_view(),
        name="product-approve",
    ),
    path(
        "products/<uuid:product_id>/reject", api.ProductRejectView.as_view(), name="product-reject"
    ),
    path("products/<uuid:product_id>/stock", api.ProductStockView.as_view(), name="product-stock"),
    path(
        "products/<uuid:product_id>/revision/approve",
        api.RevisionApproveView.as_view(),
        name="product-revision-approve",
    ),
    path(
        "products/<uuid:product_id>/revision/reject",
        api.RevisionRejectView.as_view(),
        name="product-revision-reject",
    ),
    path(
        "products/<uuid:product_id>/delist", api.ProductDelistView.as_view(), name="product-delist"
    ),
    path(
        "products/<uuid:product_id>/relist", api.ProductRelistView.as_view(), name="product-relist"
    ),
]
