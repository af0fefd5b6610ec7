from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from accounts.throttles import admin_login
from ecommerce import health, views

urlpatterns = [
    path("", views.index, name="index"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path(
        "api/redoc",
        SpectacularRedocView.as_view(url_name="schema", template_name="ecommerce/redoc.html"),
        name="redoc",
    ),
    path("admin/login/", admin_login),  # the admin's own login view, throttled
    path("admin/", admin.site.urls),
    path("auth/", include("accounts.urls")),
    path("", include("banners.urls")),
    path("", include("categories.urls")),
    path("", include("products.urls")),
    path("", include("orders.urls")),
    path("", include("cart.urls")),
]
