from django.contrib import admin

from orders.models import Order, OrderEmail, OrderTransition


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OrderTransitionInline(ReadOnlyInline):
    model = OrderTransition
    fields = readonly_fields = ["at", "from_status", "to_status", "reason"]
    ordering = ["at", "id"]
    verbose_name_plural = "history"


class OrderEmailInline(ReadOnlyInline):
    model = OrderEmail
    fields = readonly_fields = ["kind", "ses_message_id", "created_at", "sent_at"]


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders with their history and emails. Read-only: status changes go through
    orders.services (guarded transitions, stock released, emails once)."""

    list_display = [
        "id",
        "user",
        "product_name",
        "quantity",
        "total",
        "status",
        "attempts",
        "created_at",
        "updated_at",
    ]
    list_filter = ["status", "created_at"]
    search_fields = ["id", "product_name", "user__email", "user__full_name"]
    list_select_related = ["user"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    fields = readonly_fields = [
        "id",
        "user",
        "product",
        "product_name",
        "unit_price",
        "quantity",
        "total",
        "status",
        "attempts",
        "created_at",
        "updated_at",
    ]
    inlines = [OrderTransitionInline, OrderEmailInline]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
