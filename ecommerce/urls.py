from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from ecommerce import health

handler400 = "ecommerce.errors.json_400"
handler403 = "ecommerce.errors.json_403"
handler404 = "ecommerce.errors.json_404"
handler500 = "ecommerce.errors.json_500"

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("api/schema", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs", SpectacularSwaggerView.as_view(url_name="schema"), name="docs"),
    path("admin/", admin.site.urls),
    path("auth/", include("accounts.urls")),
    path("", include("banners.urls")),
    path("", include("categories.urls")),
    path("", include("products.urls")),
    path("", include("orders.urls")),
]
