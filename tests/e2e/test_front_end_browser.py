"""A shop front-end on another origin, in a real browser (headless Chromium, Playwright):
a static page served from its own port signs in, lists the catalogue, submits a product and
PUTs its image to the presigned S3 URL with `fetch`, places an order, and fills and checks
out a basket (PUT and DELETE across origins), against gunicorn,
the events process and a worker. CORS is what lets it: the API's and the bucket's.
The page: tests/e2e/front_end/index.html; its screenshot: var/test-artifacts/front-end.png.
"""

from __future__ import annotations

import functools
import json
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests
from playwright.sync_api import sync_playwright

from ecommerce.emulator import free_port
from tests.conftest import wait_for
from tests.products.factories import product_make
from tests.support.browser import ARTIFACTS, CHROMIUM_ARGS, TIMEOUT_MS

pytestmark = [pytest.mark.e2e]

PAGE_DIR = Path(__file__).parent / "front_end"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the base class's name
        pass


@pytest.fixture
def front_end_url():
    """The page's own origin: http://localhost:<port> (the API is on 127.0.0.1)."""
    handler = functools.partial(QuietHandler, directory=str(PAGE_DIR))
    server = ThreadingHTTPServer(("127.0.0.1", free_port()), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_front_end_on_another_origin_signs_in_lists_uploads_orders_and_checks_out(
    chromium_path, web_url, front_end_url, make_user
):
    buyer = make_user()
    product = product_make(product_name="Browser-bought scarf", quantity=5)

    errors = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.goto(f"{front_end_url}/index.html?api={web_url}")
            page.evaluate(
                "([name, password, id]) => run(name, password, id)",
                [buyer.full_name, buyer.password, str(product.pk)],
            )
            results = json.loads(page.locator("#results").text_content())
            page.screenshot(path=ARTIFACTS / "front-end.png", full_page=True)
        finally:
            browser.close()

    assert errors == [] and "error" not in results, (errors, results)
    assert results["signIn"] == 200
    assert results["catalogue"]["status"] == 200
    assert str(product.pk) in results["catalogue"]["ids"]
    assert (results["submit"]["status"], results["upload"]) == (201, 200)
    gallery = results["gallery"]
    assert (gallery["added"], gallery["upload"], gallery["statuses"]) == (201, 200, ["ready"] * 2)
    assert gallery["thumbnail"] == [16, 16]  # a 16-pixel PNG is never upscaled
    assert results["search"] == {"ids": [str(product.pk)], "facetsTotal": 1}
    assert results["order"]["status"] == 201
    assert results["order"]["requestId"]  # an exposed header, readable by the page
    basket = results["basket"]
    assert (basket["put"], basket["lines"], basket["deleted"], basket["left"]) == (200, 1, 200, 0)
    assert basket["checkout"] == 201

    # What the browser did reached the back end: the image landed, the order ships.
    submitted = f"{web_url}/products/{results['submit']['productId']}"
    headers = {"Authorization": f"Bearer {buyer.tokens['IdToken']}"}

    def image_status() -> str:
        return requests.get(submitted, headers=headers, timeout=10).json()["imageStatus"]

    wait_for(lambda: image_status() == "ready", message="the browser's upload to land")
    for order_id in (results["order"]["orderId"], results["basket"]["orderId"]):
        order = f"{web_url}/orders/{order_id}"
        wait_for(
            lambda order=order: (
                requests.get(order, headers=headers, timeout=10).json()["status"] == "shipping"
            ),
            message="the orders to ship",
        )


@pytest.mark.parametrize(("path", "rendered"), [("/api/docs", ".opblock"), ("/api/redoc", "h1")])
def test_the_docs_render_in_a_browser_from_this_host_alone(
    chromium_path, live_server, path, rendered
):
    tried, blocked, errors = [], [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.on("request", lambda request: tried.append(request.url))
            # A request the page's CSP blocks never leaves the browser.
            page.on(
                "requestfailed",
                lambda r: blocked.append(r.url) if (r.failure or "").lower() == "csp" else None,
            )
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{live_server.url}{path}")
            page.wait_for_selector(rendered)
            page.wait_for_load_state("networkidle")
        finally:
            browser.close()
    sent = [url for url in tried if url not in blocked and url.startswith("http")]
    assert {urlsplit(url).netloc for url in sent} == {urlsplit(live_server.url).netloc}, sent
    assert errors == []
