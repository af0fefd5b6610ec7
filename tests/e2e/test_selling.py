"""A seller manages a product over HTTP against the whole stack (gunicorn, the worker
sending through SES on the emulator): a price change is listed at once, a name change only
once staff approve it, a rejected change leaves the live version; one email per decision."""

from __future__ import annotations

import pytest
import requests

from products.services import product_approve
from tests.conftest import sent_emails, wait_for
from tests.products.factories import land_image, submitted

pytestmark = [pytest.mark.e2e]


def session_of(user) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {user.tokens['IdToken']}"
    return session


def test_price_at_once_names_after_review_one_email_per_decision(web_url, make_user, emulator_url):
    seller, staff = make_user(), make_user(staff=True)
    product = land_image(submitted(seller.user, product_name="Wool hat", price=10))
    product_approve(product_id=product.pk, by=staff.user)
    shop, me, reviewer = requests.Session(), session_of(seller), session_of(staff)
    url = f"{web_url}/products/{product.pk}"

    def live() -> dict:
        return shop.get(url).json()

    assert me.patch(url, json={"productPrice": 12.5}).status_code == 200
    assert live()["productPrice"] == 12.5

    assert me.patch(url, json={"productName": "Woollen hat"}).status_code == 200
    assert live()["productName"] == "Wool hat"
    assert me.get(url).json()["revision"]["status"] == "pending"
    assert reviewer.post(f"{url}/revision/approve").status_code == 200
    assert live()["productName"] == "Woollen hat"

    me.patch(url, json={"productName": "WOOLLEN HAT!!!"})
    rejected = reviewer.post(f"{url}/revision/reject", json={"reason": "No shouting."})
    assert rejected.status_code == 200
    assert live()["productName"] == "Woollen hat"
    assert me.get(url).json()["revision"]["rejectionReason"] == "No shouting."

    def decisions() -> list[str]:
        return sorted(
            m["subject"]
            for m in sent_emails(emulator_url, to=seller.email)
            if "changes" in m["subject"]
        )

    wait_for(lambda: len(decisions()) == 2, timeout=30, message="the two decision emails")
    assert decisions() == [
        "Your product changes have been approved",
        "Your product changes were not approved",
    ]
    # A repeated decision sends nothing more.
    reviewer.post(f"{url}/revision/reject", json={"reason": "Again."})
    assert len(decisions()) == 2
