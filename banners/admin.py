from django.contrib import admin

from banners.models import Banner
from ecommerce.upload_admin import UPLOAD_FIELDS, ImageUploadAdmin


@admin.register(Banner)
class BannerAdmin(ImageUploadAdmin):
    list_display = ["id", "image_preview", "status", "uploaded_at", "created_at"]
    fields = ["id", *UPLOAD_FIELDS]
    readonly_fields = ["id", *UPLOAD_FIELDS]
