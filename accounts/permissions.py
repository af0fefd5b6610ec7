from rest_framework.permissions import BasePermission, IsAuthenticated

__all__ = ["IsAuthenticated", "IsStaff"]


class IsStaff(BasePermission):
    """Signed in (401 otherwise) and flagged staff (403 otherwise)."""

    message = "Staff only."

    def has_permission(self, request, view) -> bool:
        return bool(request.user and request.user.is_authenticated and request.user.is_staff)
