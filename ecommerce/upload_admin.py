"""The Django admin for records with an uploaded image (see ecommerce/uploads.py)."""

from django.contrib import admin
from django.utils.html import format_html

from ecommerce import uploads

UPLOAD_FIELDS = [
    "image_preview",
    "status",
    "rejection_reason",
    "image_url",
    "image_key",
    "uploaded_at",
    "upload_key",
    "upload_requested_at",
    "created_at",
]


class ImageUploadAdmin(admin.ModelAdmin):
    """Lists records with an image preview; deleting one deletes its objects in S3 too."""

    list_filter = ["status"]
    readonly_fields = UPLOAD_FIELDS
    date_hierarchy = "created_at"

    @admin.display(description="image")
    def image_preview(self, obj: uploads.ImageUpload):
        if not obj.image_url:
            return "—"
        return format_html('<a href="{0}"><img src="{0}" alt="" height="60"></a>', obj.image_url)

    def has_add_permission(self, request) -> bool:
        return False  # records are created by the upload-url endpoints, with their upload

    def delete_model(self, request, obj: uploads.ImageUpload) -> None:
        uploads.record_delete(obj)

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            uploads.record_delete(obj)
