from django.contrib import admin

from ecommerce.models import Email
from orders.emails import email_key
from orders.models import EmailKind, Order, OrderTransition


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


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    """Orders with their history and emails. Read-only: status changes go through
    orders.lifecycle (guarded transitions, stock released, emails once)."""

    list_display = [
        "id",
        "user",
        "product_name",
        "quantity",
        "total",
        "status",
        "handovers",
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
        "handovers",
        "due_at",
        "created_at",
        "updated_at",
        "emails",
    ]
    inlines = [OrderTransitionInline]

    @admin.display(description="emails")
    def emails(self, obj: Order) -> str:
        keys = {email_key(obj.id, kind): kind for kind in EmailKind}
        found = Email.objects.filter(key__in=keys).order_by("created_at")
        return "; ".join(f"{keys[e.key]}: {e.state}" for e in found) or "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
