from django.contrib import admin

from categories.models import Category
from ecommerce.upload_admin import UPLOAD_FIELDS, ImageUploadAdmin


@admin.register(Category)
class CategoryAdmin(ImageUploadAdmin):
    list_display = ["name", "image_preview", "status", "uploaded_at", "created_at"]
    search_fields = ["name"]
    ordering = ["name"]
    fields = ["name", *UPLOAD_FIELDS]
