from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import Q
from django.template.response import TemplateResponse
from django.utils.html import format_html, format_html_join

from ecommerce.models import Email
from products import revisions, selectors, services
from products.errors import ReviewRefused
from products.models import REVISED_FIELDS, Product, ProductRevision, RevisionStatus, StockMovement


class ChangesRequestedFilter(admin.SimpleListFilter):
    title = "changes requested"
    parameter_name = "changes"

    def lookups(self, request, model_admin):
        return [("pending", "waiting for review")]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(revision__status=RevisionStatus.PENDING)
        return queryset


class StockMovementInline(admin.TabularInline):
    """The product's stock ledger, read-only (movements are written with each change)."""

    model = StockMovement
    fields = readonly_fields = ["at", "change", "reason", "order_id", "user"]
    ordering = ["-at", "-id"]
    extra = 0
    can_delete = False
    verbose_name_plural = "stock movements"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


class RejectForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Sent to the seller.",
    )


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Review products: bulk approve / reject (each through products.services).

    Rows are read-only here: status changes go through the actions (who, when, email) and
    stock only through the conditional updates in products.stock (its movements inline).
    """

    inlines = [StockMovementInline]

    list_display = [
        "product_name",
        "image_preview",
        "status",
        "owner",
        "category",
        "price",
        "quantity",
        "reviewed_by",
        "reviewed_at",
        "created_at",
    ]
    list_filter = [ChangesRequestedFilter, "status", "listed", "category"]
    search_fields = ["product_name", "seller_email"]
    list_select_related = ["owner", "reviewed_by"]
    ordering = ["-created_at"]
    date_hierarchy = "created_at"
    actions = ["approve_selected", "reject_selected", "approve_changes", "reject_changes"]
    fields = readonly_fields = [
        "id",
        "image_preview",
        "product_name",
        "description",
        "category",
        "price",
        "quantity",
        "file_name",
        "status",
        "rejection_reason",
        "requested_changes",
        "owner",
        "seller_email",
        "reviewed_by",
        "reviewed_at",
        "decision_emails",
        "image_status",
        "created_at",
    ]

    def get_queryset(self, request):
        # The main image's URL with each row: no query per row in the list.
        return super().get_queryset(request).annotate(main_image_url=selectors.MAIN_IMAGE_URL)

    @admin.display(description="image")
    def image_preview(self, obj: Product):
        if not obj.main_image_url:
            return "—"
        return format_html(
            '<a href="{0}"><img src="{0}" alt="" height="60"></a>', obj.main_image_url
        )

    @admin.display(description="requested changes")
    def requested_changes(self, obj: Product):
        """The last revision, its values beside the live ones."""
        revision = ProductRevision.objects.filter(product=obj).first()
        if revision is None:
            return "—"
        rows = format_html_join(
            "",
            "<tr><th>{}</th><td>{}</td><td>{}</td></tr>",
            (
                (field.replace("_", " "), getattr(obj, field), getattr(revision, field))
                for field in REVISED_FIELDS
            ),
        )
        reason = f": {revision.rejection_reason}" if revision.rejection_reason else ""
        return format_html(
            "<p>{}{}</p><table><tr><th></th><th>live</th><th>requested</th></tr>{}</table>",
            revision.get_status_display(),
            reason,
            rows,
        )

    @admin.display(description="decision emails")
    def decision_emails(self, obj: Product) -> str:
        keys = Q(key__startswith=f"product:{obj.id}:")
        revision = ProductRevision.objects.filter(product=obj).values_list("id", flat=True).first()
        if revision:
            keys |= Q(key__startswith=f"revision:{revision}:")
        found = Email.objects.filter(keys).order_by("created_at")
        return "; ".join(f"{e.subject}: {e.state}" for e in found) or "—"

    @admin.display(description="images")
    def image_status(self, obj: Product):
        """Every image in order, with its upload's state."""
        images = obj.images.order_by("position", "id")
        return (
            format_html_join(
                "",
                '<p><a href="{0}">{1}</a> {2}{3}</p>',
                (
                    (
                        image.image_url or "#",
                        image.image_key or image.upload_key or "",
                        image.get_status_display(),
                        f": {image.rejection_reason}" if image.rejection_reason else "",
                    )
                    for image in images
                ),
            )
            or "—"
        )

    def has_add_permission(self, request) -> bool:
        return False  # sellers submit products through the API, with their image

    def has_change_permission(self, request, obj=None) -> bool:
        # The changelist actions need "change"; a single product's page is view-only.
        return obj is None and super().has_change_permission(request)

    def delete_model(self, request, obj: Product) -> None:
        services.product_delete(obj)

    def delete_queryset(self, request, queryset) -> None:
        for product in queryset:
            services.product_delete(product)

    @admin.action(description="Approve selected", permissions=["change"])
    def approve_selected(self, request, queryset):
        self._review(
            request,
            queryset,
            lambda pk: services.product_approve(product_id=pk, by=request.user),
            "approved",
        )

    @admin.action(description="Reject selected", permissions=["change"])
    def reject_selected(self, request, queryset):
        return self._reject(
            request,
            queryset,
            "reject_selected",
            "Reject selected products",
            "These products will be rejected and each seller emailed the reason:",
            lambda pk, reason: services.product_reject(
                product_id=pk, by=request.user, reason=reason
            ),
        )

    @admin.action(description="Approve requested changes", permissions=["change"])
    def approve_changes(self, request, queryset):
        self._review(
            request,
            queryset,
            lambda pk: revisions.revision_approve(product_id=pk, by=request.user),
            "changed as requested",
        )

    @admin.action(description="Reject requested changes", permissions=["change"])
    def reject_changes(self, request, queryset):
        return self._reject(
            request,
            queryset,
            "reject_changes",
            "Reject requested changes",
            "These products' requested changes will be rejected (the products stay as they "
            "are) and each seller emailed the reason:",
            lambda pk, reason: revisions.revision_reject(
                product_id=pk, by=request.user, reason=reason
            ),
        )

    def _reject(self, request, queryset, action: str, title: str, intro: str, decide):
        """Ask for the reason, then `decide(pk, reason)` for each selected product."""
        form = RejectForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            reason = form.cleaned_data["reason"]
            self._review(request, queryset, lambda pk: decide(pk, reason), "rejected")
            return None  # back to the changelist
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "action": action,
            "opts": self.model._meta,
            "queryset": queryset,
            "form": form,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": self.media,
        }
        return TemplateResponse(request, "admin/products/product/reject_selected.html", context)

    def _review(self, request, queryset, decide, verb: str) -> None:
        done, refused = 0, []
        for pk, name in queryset.values_list("pk", "product_name"):
            try:
                decide(pk)
            except ReviewRefused as exc:
                refused.append(f"{name}: {exc.message}")
                continue
            done += 1
        if done:
            self.message_user(request, f"{done} product(s) {verb}.", messages.SUCCESS)
        for line in refused:
            self.message_user(request, f"Not {verb}: {line}", messages.ERROR)
