from django.contrib import admin

from ecommerce.models import Email


@admin.register(Email)
class EmailAdmin(admin.ModelAdmin):
    """Emails to users and how each went (read-only: ecommerce/email.py sends them)."""

    list_display = ["key", "to", "subject", "state", "handovers", "created_at", "sent_at"]
    search_fields = ["key", "to", "subject"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Email._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
