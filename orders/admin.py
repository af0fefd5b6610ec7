from django.contrib import admin

from ecommerce.models import Email
from orders.emails import email_key
from orders.models import EmailKind, Order, OrderLine, OrderTransition


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = readonly_fields = ["product", "product_name", "unit_price", "quantity", "line_total"]
    ordering = ["id"]


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
        "items",
        "total",
        "status",
        "handovers",
        "created_at",
        "updated_at",
    ]
    list_filter = ["status", "created_at"]
    search_fields = ["id", "lines__product_name", "user__email", "user__full_name"]
    list_select_related = ["user"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    fields = readonly_fields = [
        "id",
        "user",
        "total",
        "status",
        "handovers",
        "due_at",
        "created_at",
        "updated_at",
        "emails",
    ]
    inlines = [OrderLineInline, OrderTransitionInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("lines")

    @admin.display(description="items")
    def items(self, obj: Order) -> str:
        return ", ".join(str(line) for line in obj.lines.all())

    @admin.display(description="emails")
    def emails(self, obj: Order) -> str:
        keys = {email_key(obj.id, kind): kind for kind in EmailKind}
        found = Email.objects.filter(key__in=keys).order_by("created_at")
        return "; ".join(f"{keys[e.key]}: {e.state}" for e in found) or "—"

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
