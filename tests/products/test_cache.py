"""The catalogue's response cache: warm pages cost one tiny query, and every change a reader
could see is visible on the very next request (from this connection or another one).

These tests commit for real (transactional_db): the version is bumped after commit.
"""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from products import cache, revisions, services, stock
from products.cache import catalogue_version
from products.models import MovementReason, Product, ProductStatus
from tests.products.factories import land_image, product_make, submitted

pytestmark = [pytest.mark.django_db(transaction=True)]

LISTING = "/products/approve-products"


@pytest.fixture(autouse=True)
def cache_on():
    cache.pages.clear()
    with override_settings(CATALOGUE_CACHE_SECONDS=60):
        yield


def listing(api, **params) -> tuple[dict, int]:
    """(body, number of database queries it took)."""
    with CaptureQueriesContext(connection) as captured:
        response = api.get(LISTING, params)
    assert response.status_code == 200
    return response.json(), len(captured.captured_queries)


def reserve(product, quantity: int) -> None:
    """An order's reservation (in its own transaction, as placement's)."""
    with transaction.atomic():
        stock.stock_reserve({product.id: quantity}, order_id=uuid.uuid4())


def quantities(body: dict) -> dict[str, int]:
    return {p["id"]: p["quantity"] for p in body["products"]}


def test_a_warm_page_costs_one_version_read_and_is_the_same_page(api):
    product_make()
    first, first_queries = listing(api, pageSize=10)
    second, second_queries = listing(api, pageSize=10)
    assert second == first
    assert (first_queries, second_queries) == (2, 1)  # version + page, then version only
    # The same query with its parameters in another order shares the entry.
    api.get(f"{LISTING}?pageSize=10&category=Clothes")
    with CaptureQueriesContext(connection) as captured:
        assert api.get(f"{LISTING}?category=Clothes&pageSize=10").status_code == 200
    assert len(captured.captured_queries) == 1


def test_stock_changes_are_visible_on_the_next_request(api):
    product = product_make(quantity=5)
    assert quantities(listing(api)[0]) == {str(product.id): 5}
    reserve(product, 2)
    assert quantities(listing(api)[0]) == {str(product.id): 3}
    with transaction.atomic():
        stock.stock_release({product.id: 1}, order_id=uuid.uuid4(), reason=MovementReason.CANCELLED)
    assert quantities(listing(api)[0]) == {str(product.id): 4}
    staff = User.objects.create(username="staff", email="staff@example.com", is_staff=True)
    services.product_stock_change(product_id=product.id, user=staff, change=6)
    assert quantities(listing(api)[0]) == {str(product.id): 10}
    services.product_stock_change(product_id=product.id, user=staff, change=-7)
    assert quantities(listing(api)[0]) == {str(product.id): 3}


def test_a_newer_version_replaces_the_page_instead_of_piling_up_beside_it(api):
    """Every order placed bumps the version: with the version in the cache key, each
    query's pages of every older version stayed in the (per-process) cache until it was
    full, and the web processes grew steadily under order traffic (the soak scenario)."""
    product = product_make(quantity=50)
    for left in range(50, 45, -1):
        for params in ({"pageSize": 10}, {"category": "Clothes"}):
            listing(api, **params)
        assert quantities(listing(api, pageSize=10)[0]) == {str(product.id): left}
        reserve(product, 1)

    assert len(cache.pages) == 2  # one page per query, the latest version


def test_a_change_committed_by_another_connection_is_visible_on_the_next_request(api):
    product = product_make(quantity=5)
    assert quantities(listing(api)[0]) == {str(product.id): 5}

    def buy() -> None:  # another thread: its own database connection, like another process
        try:
            reserve(product, 5)
        finally:
            connections.close_all()

    thread = threading.Thread(target=buy)
    thread.start()
    thread.join()
    assert quantities(listing(api)[0]) == {str(product.id): 0}


def test_approval_listing_edits_and_deletion_are_visible_on_the_next_request(api, make_user):
    seller = make_user()
    staff = make_user(staff=True)
    product = land_image(submitted(seller.user))
    assert listing(api)[0]["products"] == []

    services.product_approve(product_id=product.id, by=staff.user)
    assert [p["id"] for p in listing(api)[0]["products"]] == [str(product.id)]

    services.product_listing_set(product_id=product.id, user=seller.user, listed=False)
    assert listing(api)[0]["products"] == []
    services.product_listing_set(product_id=product.id, user=seller.user, listed=True)
    assert [p["id"] for p in listing(api)[0]["products"]] == [str(product.id)]

    revisions.product_edit(product_id=product.id, user=seller.user, price=Decimal("7.25"))
    assert listing(api)[0]["products"][0]["productPrice"] == 7.25
    revisions.product_edit(product_id=product.id, user=seller.user, product_name="Renamed")
    assert listing(api)[0]["products"][0]["productName"] == "Gucci shoes"  # under review
    revisions.revision_approve(product_id=product.id, by=staff.user)
    assert listing(api)[0]["products"][0]["productName"] == "Renamed"

    services.product_delete(Product.objects.get(pk=product.id))
    assert listing(api)[0]["products"] == []


def test_a_rolled_back_change_leaves_the_version_alone():
    product = product_make(quantity=5)
    before = catalogue_version()
    with pytest.raises(RuntimeError), transaction.atomic():
        stock.stock_reserve({product.id: 1}, order_id=uuid.uuid4())
        raise RuntimeError("the order failed")
    assert catalogue_version() == before
    assert Product.objects.get(pk=product.id).quantity == 5


def test_unapproved_products_never_enter_a_cached_page(api):
    product_make(status=ProductStatus.PENDING)
    product_make(status=ProductStatus.REJECTED)
    assert listing(api)[0]["products"] == []
    assert listing(api)[0]["products"] == []


def test_error_responses_are_not_cached(api):
    assert api.get(LISTING, {"pageSize": 0}).status_code == 400
    with CaptureQueriesContext(connection) as captured:
        assert api.get(LISTING, {"pageSize": 0}).status_code == 400
    assert len(captured.captured_queries) == 1  # the version read; nothing served from cache


def test_a_warm_page_is_answered_ahead_of_the_view_with_the_headers_it_was_first_served_with(
    api, monkeypatch
):
    """products.cache.CatalogueCacheMiddleware: the warm path skips the rest of the stack
    (the view would raise here) yet answers exactly what the full stack answered."""
    from products.api import ProductListView

    product_make()
    cold = api.get(LISTING, {"pageSize": 5})

    def view_reached(*args, **kwargs):
        raise AssertionError("a warm page must not reach the view")

    monkeypatch.setattr(ProductListView, "get", view_reached)
    warm = api.get(LISTING, {"pageSize": 5}, HTTP_X_REQUEST_ID="warm-1")
    assert warm.status_code == 200
    assert warm.content == cold.content
    own = {"X-Request-ID"}
    assert {k: v for k, v in warm.items() if k not in own} == {
        k: v for k, v in cold.items() if k not in own
    }
    assert warm["X-Request-ID"] == "warm-1"  # still the request's own id
    for header in ("Content-Type", "Content-Length", "X-Content-Type-Options", "X-Frame-Options"):
        assert header in warm, header


def test_only_get_is_served_from_the_cache(api):
    product_make()
    api.get(LISTING)
    assert api.post(LISTING, {}, format="json").status_code == 405
    assert api.head(LISTING).status_code == 200


def test_the_version_read_follows_the_connection_when_it_is_replaced(api):
    """catalogue_version keeps a cursor per DB-API connection: a new connection (after a
    restart, CONN_MAX_AGE or a failed health check) gets its own, not the closed one's."""
    product = product_make(quantity=5)
    assert quantities(listing(api)[0]) == {str(product.id): 5}
    connection.close()
    reserve(product, 1)
    assert quantities(listing(api)[0]) == {str(product.id): 4}
