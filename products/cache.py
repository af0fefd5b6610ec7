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
timeout (CATALOGUE_CACHE_SECONDS) — the only staleness there is, and it is bounded.

The version lives in a PostgreSQL sequence (a bump is `nextval`, which takes no row lock
and needs no commit flush, so it costs order placement nearly nothing), or in a one-row
table on SQLite.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import caches
from django.db import connection, transaction

VERSION = "products_catalogue_version"

_READ = {
    # A new sequence reports last_value 1 before and after its first nextval: count is_called.
    "postgresql": f"SELECT last_value + is_called::int FROM {VERSION}",
    "sqlite": f"SELECT value FROM {VERSION} WHERE id = 1",
}
_BUMP = {
    "postgresql": f"SELECT nextval('{VERSION}')",
    "sqlite": f"UPDATE {VERSION} SET value = value + 1 WHERE id = 1",
}


def enabled() -> bool:
    return settings.CATALOGUE_CACHE_SECONDS > 0


def catalogue_version() -> int:
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
    """What a page depends on: (the version, the host (its `next` URL is absolute) and the
    query string, parameters sorted so that equivalent queries share an entry)."""
    query = "&".join(sorted(request.META.get("QUERY_STRING", "").split("&")))
    return catalogue_version(), f"{request.scheme}://{request.get_host()}|{query}"


# One entry per (host, query), holding the version it was built for: a page of a newer
# version replaces the older one. Keyed by version too, the pages of every older version
# stayed in the cache until it was full (every order placed bumps the version): the soak
# scenario saw each web process grow by about 3 MiB a minute, up to MAX_ENTRIES dead pages.


def get(key: tuple[int, str]) -> bytes | None:
    version, name = key
    found = caches["catalogue"].get(name)
    if found is None or found[0] != version:
        return None
    return found[1]


def put(key: tuple[int, str], content: bytes) -> None:
    version, name = key
    caches["catalogue"].set(name, (version, content), settings.CATALOGUE_CACHE_SECONDS)
