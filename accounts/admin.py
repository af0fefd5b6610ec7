from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from accounts.models import User


@admin.register(User)
class ShopUserAdmin(UserAdmin):
    list_display = ("username", "email", "full_name", "is_staff", "is_active", "created_at")
    list_filter = ("is_staff", "is_superuser", "is_active")
    search_fields = ("username", "email", "full_name", "cognito_sub")
    ordering = ("-created_at",)
    readonly_fields = (
        "cognito_sub",
        "tokens_revoked_at",
        "created_at",
        "last_login",
        "date_joined",
    )
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        ("Profile", {"fields": ("full_name", "email", "cognito_sub", "created_at")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "tokens_revoked_at")}),
        ("Groups and permissions", {"fields": ("groups", "user_permissions")}),
    )
