"""The public catalogue's response cache: rendered pages, per process, keyed by a version.

Every change a catalogue reader could see (approval, rejection, stock, image, deletion)
bumps a database-wide catalogue version *after its transaction commits*
(`catalogue_changed`). A listing request reads the version first, then serves the page
cached under (version, query) or builds and caches it. So a change is visible on the next
request in every web process, without any cross-process messaging:
- bumped after commit, a new version always finds the new data;
- a page built from data older than its key is impossible: the version is read before the
  page query, so a page can only be *fresher* than its key.
If a process dies between its commit and its bump, pages stay stale until the entry's
timeout (CATALOGUE_CACHE_SECONDS): the only staleness there is, and it is bounded.

The version is a PostgreSQL sequence (a bump is `nextval`: no row lock, no commit to flush,
so every order placed can afford one) or, on SQLite, a one-row table: the one place where
the two databases run different statements (docs/performance.md says why).
"""

from __future__ import annotations

import contextlib
import functools
import time

from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse
from django.urls import NoReverseMatch, reverse

from ecommerce.local_cache import LocalCache

VERSION = "products_catalogue_version"

# Formatted with the constant above only (bandit's B608 waived on these lines).
_READ = {
    # A new sequence reports last_value 1 before and after its first nextval: count is_called.
    "postgresql": f"SELECT last_value + is_called::int FROM {VERSION}",  # nosec B608
    "sqlite": f"SELECT value FROM {VERSION} WHERE id = 1",  # nosec B608
}
_BUMP = {
    "postgresql": f"SELECT nextval('{VERSION}')",
    "sqlite": f"UPDATE {VERSION} SET value = value + 1 WHERE id = 1",  # nosec B608
}


def enabled() -> bool:
    return settings.CATALOGUE_CACHE_SECONDS > 0


def catalogue_version() -> int:
    """The current version: one tiny query, on every catalogue request."""
    with connection.cursor() as cursor:
        cursor.execute(_READ[connection.vendor])
        return cursor.fetchone()[0]


def _bump() -> None:
    with connection.cursor() as cursor:
        cursor.execute(_BUMP[connection.vendor])


def catalogue_changed() -> None:
    """Call inside (or outside) the transaction that changed what the catalogue shows."""
    transaction.on_commit(_bump)


def page_key(request) -> tuple[int, str]:
    """What a page depends on: (the version, the URL without its query (its `next` URL is
    absolute) and the query string, parameters sorted so that equivalent queries share an
    entry)."""
    query = "&".join(sorted(request.META.get("QUERY_STRING", "").split("&")))
    base = f"{request.scheme}://{request.get_host()}{request.path_info}"
    return catalogue_version(), f"{base}|{query}"


# One entry per (URL, query), holding the version it was built for: a page of a newer
# version replaces the older one, so old versions' pages never pile up (every order placed
# bumps the version).
MAX_PAGES = 2000
pages = LocalCache(MAX_PAGES)


# Headers that belong to one response, not to the page: the middleware outside this one
# sets the request id on every response again.
_OWN_HEADERS = {"x-request-id"}


def get(key: tuple[int, str]) -> HttpResponse | None:
    """The cached page for `key`, as a response with the headers it was first served with."""
    version, name = key
    found = pages.get(name)
    if found is None or found[0] != version:
        return None
    _, content, headers = found
    return HttpResponse(content, headers=headers)


def put(key: tuple[int, str], response: HttpResponse) -> None:
    version, name = key
    headers = tuple((k, v) for k, v in response.items() if k.lower() not in _OWN_HEADERS)
    pages.put(
        name, (version, response.content, headers), time.time() + settings.CATALOGUE_CACHE_SECONDS
    )


class CatalogueCacheMiddleware:
    """Answers the public catalogue from the cache ahead of the rest of the stack.

    Placed right after SecurityMiddleware (settings.MIDDLEWARE): a warm page is its bytes
    and the headers the whole stack gave it the first time, answered without sessions,
    CSRF, authentication, URL resolution or DRF. A miss goes down the stack as usual and
    its 200 is stored under the version read *before* the page was built. Only
    anonymous-safe responses are stored: GET, 200, no cookies set.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    # The cached answers: the catalogue's pages and its facets.
    VIEWS = ("product-list", "product-facets")

    @classmethod
    @functools.cache
    def _paths(cls, urlconf: str) -> frozenset[str]:
        paths = set()
        for name in cls.VIEWS:
            # A URLconf without the catalogue (some tests') has none.
            with contextlib.suppress(NoReverseMatch):
                paths.add(reverse(name, urlconf=urlconf))
        return frozenset(paths)

    def __call__(self, request):
        paths = self._paths(getattr(request, "urlconf", None) or settings.ROOT_URLCONF)
        if request.method != "GET" or request.path_info not in paths or not enabled():
            return self.get_response(request)
        key = page_key(request)
        cached = get(key)
        if cached is not None:
            return cached
        response = self.get_response(request)
        if response.status_code == 200 and not response.cookies and not response.streaming:
            put(key, response)
        return response
