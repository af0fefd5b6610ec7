"""Throttles of the sign-in and sign-up flows, counted in the shared cache so that every web
worker agrees (CACHES["throttle"]): per client address, and per account for sign-in (many
addresses guessing one password). The client address is REMOTE_ADDR unless NUM_PROXIES
says how many proxies in front append to X-Forwarded-For (DRF's rule)."""

import hashlib

from django.contrib import admin
from django.core.cache import caches
from django.http import HttpResponse
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle, SimpleRateThrottle

from accounts.models import username_for
from ecommerce.fields import fold


def _digest(account: str) -> str:
    """A fixed-length cache key part for an account name a client chose. The throttle runs
    before validation, so the name may hold a lone surrogate (valid JSON, refused later)."""
    return hashlib.sha256(account.encode("utf-8", "surrogatepass")).hexdigest()


class AuthThrottle(ScopedRateThrottle):
    """Per client address, at the view's `throttle_scope` rate."""

    cache = caches["throttle"]


class SignInAccountThrottle(SimpleRateThrottle):
    """Sign-in attempts on one account, from whatever address (THROTTLE_SIGN_IN_ACCOUNT)."""

    cache = caches["throttle"]
    scope = "sign_in_account"

    def get_cache_key(self, request, view):
        data = request.data if isinstance(request.data, dict) else {}
        email, full_name = data.get("email"), data.get("fullName")
        if isinstance(email, str) and email.strip():
            account = f"email:{fold(email.strip())}"
        elif isinstance(full_name, str) and full_name.strip():
            account = f"name:{fold(username_for(full_name))}"
        else:
            return None  # invalid input: the view answers 400
        return self.cache_format % {"scope": self.scope, "ident": _digest(account)}


class _AdminLoginThrottle(SimpleRateThrottle):
    cache = caches["throttle"]
    scope = "admin_login"

    def __init__(self, ident: str):
        super().__init__()
        self.ident = ident

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.ident}


def admin_login(request):
    """The admin's login view, throttled per client address and per user name
    (THROTTLE_ADMIN_LOGIN) on every attempt (POST)."""
    if request.method == "POST":
        address = BaseThrottle().get_ident(request)
        name = fold(str(request.POST.get("username", "")))
        for throttle in (
            _AdminLoginThrottle(f"ip:{address}"),
            _AdminLoginThrottle(f"u:{_digest(name)}"),
        ):
            if not throttle.allow_request(request, None):
                wait = int(throttle.wait() or 0) + 1
                return HttpResponse(
                    "Too many login attempts; try again later.",
                    status=429,
                    content_type="text/plain",
                    headers={"Retry-After": str(wait)},
                )
    return admin.site.login(request)
