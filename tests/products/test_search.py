"""Catalogue search (products/search.py) and facets, on whichever database the suite runs:
full-text with a GIN index on PostgreSQL, the documented substring fallback on SQLite."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from products.models import ProductStatus
from products.services import product_approve, product_listing_set
from tests.products.factories import product_make, submitted
from tests.products.test_listing import get, walk
from tests.support.openapi import assert_documented

pytestmark = pytest.mark.django_db

LISTING = "/products/approve-products"
FACETS = "/products/facets"


def names(products: list[dict]) -> list[str]:
    return [p["productName"] for p in products]


def test_the_last_word_matches_as_a_prefix(api):
    product_make(product_name="Running sneakers", description="Light.")
    product_make(product_name="Sandals", description="For the beach.")

    assert names(walk(api, search="snea")) == ["Running sneakers"]
    assert names(walk(api, search="running snea")) == ["Running sneakers"]
    if connection.vendor == "postgresql":  # SQLite's fallback matches substrings anywhere
        assert names(walk(api, search="snea running")) == []  # only the last word is a prefix


def test_every_word_must_match_in_name_category_or_description(api):
    product_make(product_name="Lamp", category="Lighting", description="Brass, for a desk.")
    product_make(product_name="Desk", category="Furniture", description="Oak.")

    assert names(walk(api, search="brass lighting lamp")) == ["Lamp"]
    assert sorted(names(walk(api, search="desk"))) == ["Desk", "Lamp"]
    assert names(walk(api, search="oak lamp")) == []


def test_relevance_puts_a_name_match_before_a_description_only_match(api):
    product_make(product_name="Bag", description="Made of leather.")
    product_make(product_name="Leather boots", description="Warm.")
    product_make(product_name="Hat", category="Leather goods", description="Wide.")

    body = get(api, search="leather")

    assert names(body["products"]) == ["Leather boots", "Hat", "Bag"]
    assert names(walk(api, search="leather", ordering="relevance")) == names(body["products"])
    # Another order on request; relevance without search words is newest first.
    assert names(walk(api, search="leather", ordering="productName")) == [
        "Bag",
        "Hat",
        "Leather boots",
    ]
    assert names(get(api, ordering="relevance")["products"]) == ["Hat", "Leather boots", "Bag"]


def test_relevance_order_pages_with_its_cursor_without_gaps_or_repeats(api):
    for i in range(7):
        product_make(product_name=f"Chair {i}", description="Sturdy.")
        product_make(product_name=f"Table {i}", description="Goes with a chair.")

    everything = get(api, search="chair", pageSize=200)["products"]
    paged = walk(api, search="chair", pageSize=3)

    assert [p["id"] for p in paged] == [p["id"] for p in everything]
    assert len(paged) == 14
    assert all(p["productName"].startswith("Chair") for p in paged[:7])


def test_only_products_for_sale_are_found(api, user_api, staff_api, quiet_storage):
    product_make(product_name="Pending teapot", status=ProductStatus.PENDING)
    delisted = product_make(product_name="Delisted teapot")
    product_listing_set(product_id=delisted.id, user=staff_api.signed_in.user, listed=False)

    assert walk(api, search="teapot") == []
    facets = api.get(FACETS, {"search": "teapot"}).json()
    assert facets["total"] == 0


def test_facets_count_what_the_search_returns(api):
    for price, category in [("5", "Toys"), ("12", "Toys"), ("30", "Books"), ("700", "books")]:
        product_make(product_name="Red thing", price=Decimal(price), category=category)
    product_make(product_name="Blue thing", price=Decimal("8"), category="Toys")

    response = api.get(FACETS, {"search": "red"})

    assert response.status_code == 200
    assert_documented(response, "GET", "/products/facets")
    facets = response.json()
    assert facets["total"] == len(walk(api, search="red")) == 4
    by_category = {c["category"].lower(): c["count"] for c in facets["categories"]}
    assert by_category == {"toys": 2, "books": 2}
    bands = {(b["min"], b["max"]): b["count"] for b in facets["priceBands"]}
    assert (bands[(0, 10)], bands[(10, 25)], bands[(25, 50)], bands[(500, None)]) == (1, 1, 1, 1)
    assert sum(bands.values()) == 4

    in_toys = api.get(FACETS, {"search": "red", "category": "TOYS"}).json()
    assert in_toys["total"] == len(walk(api, search="red", category="toys")) == 2
    assert {c["category"].lower(): c["count"] for c in in_toys["categories"]} == by_category
    assert sum(b["count"] for b in in_toys["priceBands"]) == 2
    everything = api.get(FACETS).json()
    assert everything["total"] == 5


@pytest.mark.e2e
def test_a_product_approved_a_moment_ago_is_found_on_the_next_request(
    transactional_db, make_user, api, quiet_storage, settings
):
    settings.CATALOGUE_CACHE_SECONDS = 60  # the cached catalogue, as in production
    staff = make_user(staff=True)
    product = submitted(make_user().user, product_name="Zircon earrings")
    from tests.products.factories import land_image

    land_image(product)
    assert walk(api, search="zirc") == []  # a miss, now cached

    product_approve(product_id=product.id, by=staff.user)

    assert names(walk(api, search="zirc")) == ["Zircon earrings"]
    assert api.get(FACETS, {"search": "zirc"}).json()["total"] == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_postgresql_finds_matches_through_the_gin_index():
    from products.models import Product

    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        try:
            query = Product.objects.filter(search_document="lamp")
            plan = query.explain()
        finally:
            cursor.execute("RESET enable_seqscan")
    assert "products_search_idx" in plan


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the GIN index is PostgreSQL's")
def test_the_gin_index_keeps_no_pending_list():
    # Pending entries are scanned in full by every search until a vacuum (migration 0011).
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'products_search_idx'")
        (options,) = cursor.fetchone()
    assert "fastupdate=off" in (options or [])


def test_the_rebuild_command_keeps_search_working(api):
    from io import StringIO

    from django.core.management import call_command

    product_make(product_name="Copper kettle")
    out = StringIO()

    call_command("search_rebuild", stdout=out)

    expected = "1 products" if connection.vendor == "postgresql" else "nothing to do"
    assert expected in out.getvalue()
    assert names(walk(api, search="kettle")) == ["Copper kettle"]
