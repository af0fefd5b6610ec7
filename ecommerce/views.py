"""The API's front door: `GET /` says where things are."""

from django.http import JsonResponse
from django.urls import reverse


def index(request):
    links = {
        name: request.build_absolute_uri(reverse(route))
        for name, route in (
            ("docs", "docs"),
            ("redoc", "redoc"),
            ("schema", "schema"),
            ("health", "healthz"),
            ("ready", "readyz"),
            ("admin", "admin:index"),
        )
    }
    return JsonResponse({"name": "E-commerce backend API", "links": links})
