"""Liveness and readiness probes."""

from __future__ import annotations

from botocore.exceptions import BotoCoreError, ClientError
from django.db import connection
from django.http import JsonResponse
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import api_view, permission_classes
from rest_framework.permissions import AllowAny

from ecommerce import aws
from ecommerce.errors import RETRY_AFTER_UNAVAILABLE

_probe = inline_serializer(
    "Probe",
    fields={
        "status": serializers.CharField(),
        "checks": serializers.DictField(child=serializers.CharField(), required=False),
    },
)


def healthz(request):
    """The process is up (touches no dependency). A plain Django view: it is also the
    framework's floor that the benchmarks compare the API against."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_aws() -> str:
    # The events queue exists only after bootstrap, so this proves reachability and setup.
    aws.queue_url(aws.names().events_queue)
    return "ok"


@extend_schema(responses={200: _probe, 503: _probe}, tags=["ops"])
@api_view(["GET"])
@permission_classes([AllowAny])
def readyz(request):
    """The database and AWS are reachable; 503 names the failing dependency."""
    checks = {}
    for name, check in (("database", _check_database), ("aws", _check_aws)):
        try:
            checks[name] = check()
        except (BotoCoreError, ClientError, aws.AwsUnavailable) as exc:
            checks[name] = f"unavailable: {exc}"
        except Exception as exc:  # noqa: BLE001 - any database error means "not ready"
            checks[name] = f"unavailable: {exc.__class__.__name__}: {exc}"
    ready = all(v == "ok" for v in checks.values())
    response = JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": checks}, status=200 if ready else 503
    )
    if not ready:
        response["Retry-After"] = RETRY_AFTER_UNAVAILABLE
    return response
