"""The review admin in a real browser: Debian's headless Chromium, driven by Playwright.

A staff user logs in with a Django password, filters the pending products, sees the image
preview load from the emulator's S3, approves one with the bulk action, and the product is
then in the public catalogue. Screenshots go to var/test-artifacts/ (admin-changelist.png,
admin-approved.png, admin-approved-list.png).

Chromium and its settings: tests/support/browser.py.
"""

from __future__ import annotations

import uuid

import pytest
import requests
from playwright.sync_api import expect, sync_playwright

from accounts.models import User
from products.models import Product, ProductStatus
from tests.conftest import sent_emails, wait_for
from tests.products.factories import first_image, land_image, product_make, submitted
from tests.support.browser import ARTIFACTS, CHROMIUM_ARGS, TIMEOUT_MS

pytestmark = [pytest.mark.e2e]


def test_staff_approve_a_pending_product_in_the_admin_and_it_is_listed(
    chromium_path,
    live_server,
    make_user,
    quiet_storage,
    emulator_url,
    celery_worker,
    events_consumer,
):
    tag = uuid.uuid4().hex[:8]
    seller = make_user()
    product = land_image(submitted(seller.user, product_name=f"Browser lamp {tag}"))
    image_url = first_image(product).image_url  # read here: no queries inside Playwright's loop
    other = product_make(product_name=f"Approved hat {tag}")  # not in the pending filter
    password = f"pw-{uuid.uuid4().hex}"
    admin = User.objects.create_superuser(
        username=f"admin-{tag}", email=f"admin-{tag}@example.com", password=password
    )

    # No ORM calls while Playwright runs: its sync API keeps an event loop in this thread.
    static, errors = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on(
                "response",
                lambda r: static.append((r.url, r.status)) if "/static/" in r.url else None,
            )

            # Log in with the Django password.
            page.goto(f"{live_server.url}/admin/")
            page.fill("#id_username", admin.username)
            page.fill("#id_password", password)
            page.click("#login-form [type=submit]")
            expect(page.locator("#user-tools")).to_contain_text(admin.username)

            # The products changelist, then the list filter's "pending review" link.
            page.locator("#content-main a[href$='/admin/products/product/']").first.click()
            expect(page.locator("#result_list")).to_be_visible()
            page.locator("#changelist-filter a", has_text="pending review").click()
            page.wait_for_url("**/admin/products/product/?status__exact=pending")
            row = page.locator("#result_list tbody tr", has_text=product.product_name)
            expect(row).to_have_count(1)
            expect(row.locator("td.field-status")).to_have_text("pending review")
            expect(page.locator("#result_list", has_text=other.product_name)).to_have_count(0)

            # The preview is the image in the emulator's S3, and it really loaded.
            preview = row.locator("td.field-image_preview img")
            expect(preview).to_be_visible()
            expect(preview).to_have_attribute("src", image_url)
            page.wait_for_function(
                "img => img.complete && img.naturalWidth > 0", arg=preview.element_handle()
            )
            page.screenshot(path=ARTIFACTS / "admin-changelist.png", full_page=True)

            # Tick it, choose "Approve selected", run it.
            row.locator("input.action-select").check()
            page.select_option("select[name=action]", label="Approve selected")
            page.click("#changelist-form button[name=index]")
            expect(page.locator(".messagelist .success")).to_have_text("1 product(s) approved.")
            expect(
                page.locator("#result_list tbody tr", has_text=product.product_name)
            ).to_have_count(0)  # no longer pending
            page.screenshot(path=ARTIFACTS / "admin-approved.png", full_page=True)

            # Under "approved" it shows with its reviewer.
            page.locator("#changelist-filter a", has_text="approved").click()
            page.wait_for_url("**/admin/products/product/?status__exact=approved")
            row = page.locator("#result_list tbody tr", has_text=product.product_name)
            expect(row.locator("td.field-status")).to_have_text("approved")
            expect(row.locator("td.field-reviewed_by")).to_have_text(admin.email)
            page.screenshot(path=ARTIFACTS / "admin-approved-list.png", full_page=True)
        finally:
            browser.close()

    # The admin's CSS and JavaScript were served (DEBUG is off: the live server serves them).
    assert any(url.endswith("/admin/css/base.css") for url, _ in static), static
    assert any(url.endswith("/admin/js/actions.js") for url, _ in static), static
    assert all(status in (200, 304) for _, status in static), static
    assert errors == []

    # The public API lists it, with its image.
    response = requests.get(f"{live_server.url}/products/approve-products", timeout=10)
    assert response.status_code == 200
    listed = {p["id"]: p for p in response.json()["products"]}
    assert str(product.pk) in listed
    assert listed[str(product.pk)]["imageUrl"] == image_url
    image = requests.get(listed[str(product.pk)]["imageUrl"], timeout=10)
    assert (image.status_code, image.content[:8]) == (200, b"\x89PNG\r\n\x1a\n")

    product.refresh_from_db()
    assert (product.status, product.reviewed_by) == (ProductStatus.APPROVED, admin)
    assert Product.objects.get(pk=other.pk).status == ProductStatus.APPROVED
    # The decision's email, queued with it, is sent by the worker.
    [mail] = wait_for(lambda: sent_emails(emulator_url, to=seller.email), timeout=30)
    assert mail["subject"] == "Your product has been approved"
