"""Reads straight on the DB-API connection, for the hottest queries: the catalogue's version
(every catalogue request), its page (every cache miss) and the user behind a token (every
authenticated request).

On PostgreSQL the statement goes through a server-side-binding psycopg cursor, prepared
on the server the first time a connection runs it: Django's psycopg cursors bind on the
client, which cannot prepare, and the catalogue page's plan cost the server as much as
running it (0.23 and 0.20 ms; prepared, the round trip went from 640-720 to 350-410 us).
The cursor is kept while its connection lives (a new one each time was a fifth of the
version read). Django's cursor wrapper is skipped too (it cost half as much again as the
version read itself), keeping what matters of it: the per-request health check, Django's
database errors and the query log (DEBUG, CaptureQueriesContext).

Elsewhere (SQLite) this is Django's cursor. DB_PREPARED_STATEMENTS=false (settings) runs
the same statements unprepared, for a pooler that cannot keep prepared statements
(PgBouncer in transaction mode before 1.21).
"""

from __future__ import annotations

import threading

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections

# This thread's (DB-API connection, server-binding cursor on it).
_kept = threading.local()


def _cursor(raw):
    cursor = getattr(_kept, "cursor", None)
    if cursor is None or _kept.connection is not raw:
        _kept.connection, _kept.cursor = raw, psycopg.Cursor(raw)
    return _kept.cursor


def fetch_prepared(sql: str, params: list | tuple = ()) -> list[tuple]:
    """The rows of `sql` (with `%s` placeholders) on the default database."""
    db = connections[DEFAULT_DB_ALIAS]  # once: each access through the proxy costs ~3 us
    if db.vendor != "postgresql":
        with db.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()
    db.close_if_health_check_failed()
    db.ensure_connection()
    cursor = _cursor(db.connection)
    with db.wrap_database_errors:
        rows = cursor.execute(sql, params, prepare=True).fetchall()
    if db.queries_logged:  # as Django logs it: the parameters in place
        executed = db.ops.compose_sql(sql, params)
        db.queries_log.append({"sql": executed, "time": "0.000"})
    return rows
