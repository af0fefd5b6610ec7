from django.urls import path

from banners import api

urlpatterns = [
    path("banners", api.BannerListView.as_view(), name="banner-list"),
    path("banners/upload-url", api.BannerUploadUrlView.as_view(), name="banner-upload-url"),
    path("banners/<uuid:banner_id>", api.BannerDetailView.as_view(), name="banner-detail"),
]
