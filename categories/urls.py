from django.urls import path

from categories import api

urlpatterns = [
    path("categories", api.CategoryListView.as_view(), name="category-list"),
    path("categories/upload-url", api.CategoryUploadUrlView.as_view(), name="category-upload-url"),
    path("categories/<str:name>", api.CategoryDetailView.as_view(), name="category-detail"),
]
