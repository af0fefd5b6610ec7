"""GET /products/approve-products: the public catalogue, keyset-paginated."""

import base64
import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from products.models import Product, ProductStatus
from tests.products.factories import product_make, products_bulk

pytestmark = pytest.mark.django_db

URL = "/products/approve-products"


def get(api, **params):
    response = api.get(URL, params)
    assert response.status_code == 200, response.json()
    return response.json()


def walk(api, **params) -> list[dict]:
    """Every product over all pages, following `next`."""
    found, body = [], get(api, **params)
    while True:
        found.extend(body["products"])
        if body["next"] is None:
            return found
        body = api.get(body["next"]).json()


def test_only_approved_products_are_listed_as_plain_json_without_the_seller_email(api):
    approved = product_make(
        product_name="gucci",
        price=Decimal("100.50"),
        description="I love it.",
        quantity=40,
        category="Clothes",
        file_name="shoes.png",
    )
    product_make(status=ProductStatus.PENDING)
    product_make(status=ProductStatus.REJECTED)

    body = get(api)

    assert body["next"] is None
    assert body["products"] == [
        {
            "id": str(approved.id),
            "fileName": "shoes.png",
            "productName": "gucci",
            "productPrice": 100.5,
            "description": "I love it.",
            "quantity": 40,
            "category": "Clothes",
            "imageUrl": "",
            "thumbnailUrl": "",
            "isApproved": True,
            "createdAt": approved.created_at.isoformat().replace("+00:00", "Z"),
        }
    ]
    assert approved.seller_email not in json.dumps(body)


def test_an_empty_catalogue_is_200_with_an_empty_list(api):
    product_make(status=ProductStatus.PENDING)
    assert get(api) == {"products": [], "next": None}


def test_the_listing_is_public_and_ignores_credentials(api):
    # The catalogue does no authentication at all (a stale token must not break browsing).
    product_make()
    response = api.get(URL, HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert response.status_code == 200
    assert len(response.json()["products"]) == 1


def test_default_order_is_newest_first_and_default_page_size_is_50(api):
    products = products_bulk(120)  # newest first
    body = get(api)
    assert [p["id"] for p in body["products"]] == [str(p.id) for p in products[:50]]
    assert body["next"] is not None
    assert [p["id"] for p in walk(api)] == [str(p.id) for p in products]


@pytest.mark.parametrize(
    ("ordering", "key", "reverse"),
    [
        pytest.param("createdAt", lambda p: (p.created_at, str(p.id)), False, id="createdAt"),
        pytest.param("-createdAt", lambda p: (p.created_at, str(p.id)), True, id="-createdAt"),
        pytest.param("productPrice", lambda p: (p.price, str(p.id)), False, id="productPrice"),
        pytest.param("-productPrice", lambda p: (p.price, str(p.id)), True, id="-productPrice"),
        pytest.param("productName", lambda p: (p.product_name, str(p.id)), False, id="name"),
        pytest.param("-productName", lambda p: (p.product_name, str(p.id)), True, id="-name"),
    ],
)
def test_each_ordering_pages_through_everything_in_order_with_ties_broken_by_id(
    api, ordering, key, reverse
):
    # Few distinct prices and names, so that many rows tie on the ordering value and the
    # cursor has to break ties by id across page boundaries.
    products = [
        product_make(price=Decimal(f"{1 + i % 4}.99"), product_name=f"name {i % 3}")
        for i in range(23)
    ]
    # Same created_at for some, to tie there too.
    Product.objects.filter(pk__in=[p.pk for p in products[:6]]).update(
        created_at=products[0].created_at
    )
    products = list(Product.objects.filter(pk__in=[p.pk for p in products]))

    found = walk(api, ordering=ordering, pageSize=4)

    expected = [str(p.id) for p in sorted(products, key=key, reverse=reverse)]
    # SQLite stores UUIDs as hex without dashes, PostgreSQL as uuid: both order like str(id).
    assert [p["id"] for p in found] == expected


def test_category_is_exact_and_case_insensitive(api):
    shoes = [product_make(category="Shoes"), product_make(category="shoes")]
    product_make(category="Shoes and bags")
    product_make(category="Shoe")
    product_make(category="SHOES", status=ProductStatus.PENDING)

    for asked in ("shoes", "SHOES", "Shoes"):
        assert {p["id"] for p in walk(api, category=asked)} == {str(p.id) for p in shoes}


def test_search_looks_in_name_and_description_case_insensitively(api):
    by_name = product_make(product_name="Red LEATHER boots", description="Warm.")
    by_description = product_make(product_name="Bag", description="Made of leather.")
    product_make(product_name="Sandals", description="Plastic.")
    product_make(product_name="Leather hat", status=ProductStatus.PENDING)

    found = walk(api, search="leather")
    assert {p["id"] for p in found} == {str(by_name.id), str(by_description.id)}


def test_filters_and_ordering_are_kept_in_the_next_url_which_is_absolute(api):
    for i in range(5):
        product_make(category="Hats", product_name=f"hat {i}", price=Decimal(f"{i + 1}.00"))
    product_make(category="Headwear", product_name="cap")  # a search looks in categories too

    body = get(api, category="hats", search="hat", ordering="-productPrice", pageSize=2)

    assert [p["productName"] for p in body["products"]] == ["hat 4", "hat 3"]
    next_url = urlsplit(body["next"])
    assert (next_url.scheme, next_url.netloc, next_url.path) == ("http", "testserver", URL)
    query = parse_qs(next_url.query)
    assert {k: v for k, v in query.items() if k != "cursor"} == {
        "category": ["hats"],
        "search": ["hat"],
        "ordering": ["-productPrice"],
        "pageSize": ["2"],
    }
    rest = walk(api, **{k: v[0] for k, v in query.items()})
    assert [p["productName"] for p in rest] == ["hat 2", "hat 1", "hat 0"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        pytest.param({"pageSize": "0"}, "pageSize", id="pageSize-0"),
        pytest.param({"pageSize": "201"}, "pageSize", id="pageSize-201"),
        pytest.param({"pageSize": "ten"}, "pageSize", id="pageSize-text"),
        pytest.param({"ordering": "price"}, "ordering", id="ordering-unknown"),
        pytest.param({"ordering": "seller_email"}, "ordering", id="ordering-field"),
        pytest.param({"cursor": "garbage!"}, "cursor", id="cursor-garbage"),
        pytest.param({"cursor": "W10"}, "cursor", id="cursor-empty-list"),
        pytest.param({"search": "x" * 201}, "search", id="search-long"),
        pytest.param({"category": "x" * 201}, "category", id="category-long"),
    ],
)
def test_bad_query_parameters_are_a_400_naming_the_parameter(api, params, field):
    response = api.get(URL, params)
    assert response.status_code == 400
    assert list(response.json()["fields"]) == [field]


def test_a_cursor_of_another_ordering_or_a_forged_one_is_a_400(api):
    products_bulk(3)
    by_price = get(api, ordering="productPrice", pageSize=1)["next"]
    cursor = parse_qs(urlsplit(by_price).query)["cursor"][0]

    response = api.get(URL, {"cursor": cursor, "pageSize": 1})  # default ordering
    assert (response.status_code, list(response.json()["fields"])) == (400, ["cursor"])

    forged = base64.urlsafe_b64encode(b'["productPrice", "abc", "not-a-uuid"]').decode()
    response = api.get(URL, {"cursor": forged, "ordering": "productPrice"})
    assert (response.status_code, list(response.json()["fields"])) == (400, ["cursor"])


def test_page_size_200_is_the_maximum(api):
    products_bulk(201)
    body = get(api, pageSize=200)
    assert len(body["products"]) == 200
    assert body["next"] is not None


# --- cost ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("page_size", [1, 50])
@pytest.mark.parametrize("count", [10, 500])
@pytest.mark.parametrize(
    "params",
    [
        pytest.param({}, id="default"),
        pytest.param({"ordering": "productPrice", "category": "clothes"}, id="filtered"),
        pytest.param({"search": "product", "ordering": "-productName"}, id="search"),
    ],
)
def test_a_page_costs_one_query_however_many_products_exist(
    api, django_assert_num_queries, page_size, count, params
):
    products_bulk(count)
    with django_assert_num_queries(1):
        first = get(api, pageSize=page_size, **params)
    assert len(first["products"]) == min(page_size, count)
    if count <= page_size:
        assert first["next"] is None
        return
    with django_assert_num_queries(1):
        second = api.get(first["next"]).json()  # after a cursor
    assert len(second["products"]) == min(page_size, count - page_size)


def _plan(sql: str) -> str:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE products_product")
            # Few rows: the planner would rightly scan; forbid it to see the index matches.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}")
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}")
        return "\n".join(" ".join(map(str, row)) for row in cursor.fetchall())


@pytest.mark.parametrize(
    ("params", "index"),
    [
        pytest.param({}, "products_new_idx", id="newest"),
        pytest.param({"ordering": "createdAt"}, "products_new_idx", id="oldest"),
        pytest.param({"ordering": "-productPrice"}, "products_price_idx", id="price"),
        pytest.param({"ordering": "productName"}, "products_name_idx", id="name"),
        pytest.param({"category": "hats"}, "products_category_idx", id="category"),
    ],
)
def test_every_page_query_is_served_by_an_index(api, params, index):
    products_bulk(200, category="Clothes")
    products_bulk(25, category="Hats")  # a category is a small part of the catalogue
    first = get(api, pageSize=10, **params)
    with CaptureQueriesContext(connection) as captured:
        api.get(first["next"])  # a page after a cursor: the keyset condition must use it too
    [query] = captured.captured_queries
    plan = _plan(query["sql"])
    assert index in plan
    if connection.vendor == "sqlite" and "category" not in params:
        assert "TEMP B-TREE" not in plan  # rows come in index order: no sort step


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_the_page_statement_is_prepared_by_configuration_and_planned_generically(api):
    """Server-side binding and psycopg's prepare threshold (settings: DB_PREPARED_STATEMENTS)
    prepare the ORM's page statement; with the status leading the indexes (not a partial
    index a parameter cannot match), PostgreSQL settles on a generic plan and stops
    planning each execution."""
    products_bulk(60)
    for _ in range(15):
        get(api, pageSize=20)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            ['%FROM "products_product" WHERE%LIMIT 21'],
        )
        [(generic, custom)] = cursor.fetchall()
    assert custom <= 5 and generic >= 3, (generic, custom)


# --- paging while the catalogue changes ---------------------------------------------------------


@pytest.mark.parametrize("ordering", ["-createdAt", "productPrice"])
def test_walking_500_products_while_new_ones_arrive_has_no_duplicates_or_gaps(api, ordering):
    original = products_bulk(500)
    for i, product in enumerate(original):
        product.price = Decimal(f"{i % 37 + 1}.00")
    Product.objects.bulk_update(original, ["price"])
    original_ids = {str(p.id) for p in original}

    seen: list[str] = []
    body = get(api, pageSize=50, ordering=ordering)
    while True:
        seen.extend(p["id"] for p in body["products"])
        # Between page fetches, sellers' products get approved: newer than everything, at
        # prices anywhere in the range.
        for i in range(7):
            product_make(price=Decimal(f"{(len(seen) + i) % 37 + 1}.50"))
        if body["next"] is None:
            break
        body = api.get(body["next"]).json()

    assert len(seen) == len(set(seen))  # no duplicates at all
    assert original_ids <= set(seen)  # no gaps in what existed when the walk began
    if ordering == "-createdAt":
        # Newest first: new products land before the cursor, so the walk is exactly the original.
        assert set(seen) == original_ids
        assert seen == [str(p.id) for p in original]


def test_products_older_than_the_cursor_appear_only_after_it():
    # (a unit check of the keyset condition: a product inserted behind the cursor in the
    # ordering shows up on a later page, never on an earlier one)
    from products.selectors import products_approved_page

    products_bulk(10)
    first = products_approved_page(page_size=5)
    late = product_make(created_at=timezone.now() - timedelta(days=1))  # oldest of all
    second = products_approved_page(page_size=5, cursor=first.next_cursor)
    third = products_approved_page(page_size=5, cursor=second.next_cursor)
    assert [p["id"] for p in third.items] == [late.id]


@pytest.mark.parametrize(
    "microsecond, shown", [(716840, ".716840Z"), (500000, ".500000Z"), (0, "Z"), (1, ".000001Z")]
)
def test_created_at_is_rendered_as_the_rest_of_the_api_renders_datetimes(api, microsecond, shown):
    """PostgreSQL's text for a timestamp drops the fraction's trailing zeros (34.71684);
    the page shows what isoformat gives, as the detail endpoint does (it failed one run
    in ten, whenever the creation time's microseconds ended in 0)."""
    product = product_make()
    at = datetime(2026, 11, 26, 16, 49, 34, microsecond, tzinfo=UTC)
    Product.objects.filter(pk=product.pk).update(created_at=at)

    [listed] = get(api)["products"]
    assert listed["createdAt"] == f"2026-11-26T16:49:34{shown}"
    assert api.get(f"/products/{product.id}").json()["createdAt"] == listed["createdAt"]
