"""ecommerce.db.fetch_prepared: the hot reads straight on the DB-API connection."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext

from ecommerce.db import fetch_prepared

pytestmark = pytest.mark.django_db


def test_rows_and_the_query_log_as_djangos_cursor_gives_them():
    sql = "SELECT %s || 'b', %s + 1"
    with CaptureQueriesContext(connection) as captured:
        rows = fetch_prepared(sql, ["a", 41])
    assert [tuple(row) for row in rows] == [("ab", 42)]
    [logged] = captured.captured_queries
    assert "'a'" in logged["sql"] and "41" in logged["sql"]


def test_database_errors_are_djangos():
    with pytest.raises(DatabaseError), transaction.atomic():
        fetch_prepared("SELECT * FROM no_such_table")
    assert fetch_prepared("SELECT 1") == [(1,)]  # the connection is still usable


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_on_postgresql_the_statement_is_prepared_on_the_server_once():
    sql = "SELECT %s::int * 2 AS doubled"
    for n in range(3):
        assert fetch_prepared(sql, [n]) == [(2 * n,)]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ["%$1::int * 2 AS doubled%"],
        )
        assert cursor.fetchone() == (1,)
