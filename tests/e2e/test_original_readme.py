"""The original system's README, "Usage", run as written with curl against gunicorn, the
events process and a Celery worker: `curl -d` bodies (sent as form-encoded), `curl -X PUT -T
file URL` uploads (no Content-Type). Only the hosts and our route prefixes differ."""

from __future__ import annotations

import json
import subprocess
import uuid

import pytest

from tests.conftest import Process, wait_for
from tests.support.uploads import png_bytes

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def curl(*args: str) -> tuple[int, dict | bytes, dict]:
    """Run curl as a user would; (status, JSON body or raw bytes, response headers)."""
    done = subprocess.run(
        ["curl", "-sS", "-D", "-", *args], capture_output=True, check=True, timeout=30
    )
    head, _, body = done.stdout.partition(b"\r\n\r\n")
    while head.startswith(b"HTTP/1.1 100"):  # curl -T waits for "100 Continue"
        head, _, body = body.partition(b"\r\n\r\n")
    status_line, *lines = head.decode().split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    if headers.get("content-type", "").startswith("application/json"):
        return int(status_line.split()[1]), json.loads(body), headers
    return int(status_line.split()[1]), body, headers


def test_the_original_readme_usage_works_with_curl_as_written(web_url, tmp_path):
    tag = uuid.uuid4().hex[:8]
    email, full_name = f"jay-{tag}@example.com", f"Jay S Prajapati {tag}"

    # 1. Sign up a user (and confirm, sign in: the README's auth section).
    sign_up = {"email": email, "fullName": full_name, "password": "Hello@123"}
    status, body, _ = curl("-X", "POST", f"{web_url}/auth/sign-up", "-d", json.dumps(sign_up))
    assert status == 201, body
    confirm = {"fullName": full_name, "confirmationCode": "274023"}
    status, body, _ = curl(
        "-X", "POST", f"{web_url}/auth/confirm-sign-up", "-d", json.dumps(confirm)
    )
    assert status == 200, body
    sign_in = {"fullName": full_name, "password": "Hello@123"}
    status, body, _ = curl("-X", "POST", f"{web_url}/auth/sign-in", "-d", json.dumps(sign_in))
    assert status == 200, body
    bearer = f"Authorization: Bearer {body['tokens']['IdToken']}"
    # Banners are staff's here: the operator's command makes this user staff.
    Process("set-staff", ["manage.py", "set_staff", email]).run()

    # 2. Upload a banner: get the URL, PUT the file with -T, see it listed, served as PNG.
    banner = tmp_path / "baner1.png"
    banner.write_bytes(png_bytes(f"banner {tag}"))
    request = {"fileName": "baner1.png", "fileType": "image/png"}
    status, body, _ = curl(
        "-X", "POST", f"{web_url}/banners/upload-url", "-H", bearer, "-d", json.dumps(request)
    )
    assert status == 201, body
    status, _, _ = curl("-X", "PUT", "-T", str(banner), body["uploadURL"])
    assert status == 200

    def banner_listed() -> str | None:
        listed = curl(f"{web_url}/banners")[1]["banners"]
        return next((b["imageUrl"] for b in listed if b["imageUrl"].endswith("/baner1.png")), None)

    image_url = wait_for(banner_listed, message="the banner to be listed")
    status, served, headers = curl(image_url)
    assert (status, headers["content-type"], served) == (200, "image/png", banner.read_bytes())

    # Submit a product with its image (the products section), approved by staff.
    shoes = tmp_path / "shoes.png"
    shoes.write_bytes(png_bytes(f"shoes {tag}"))
    product = {
        "fileName": "shoes.png",
        "fileType": "image/png",
        "productName": "gucci",
        "productPrice": 100,
        "description": "I love it.",
        "quantity": 40,
        "category": "Clothes",
    }
    status, body, _ = curl(
        "-X", "POST", f"{web_url}/products/get-upload-url", "-H", bearer, "-d", json.dumps(product)
    )
    assert status == 201, body
    product_id = body["productId"]
    assert curl("-X", "PUT", "-T", str(shoes), body["uploadUrl"])[0] == 200
    wait_for(
        lambda: curl(f"{web_url}/products/{product_id}", "-H", bearer)[1]["imageStatus"] == "ready",
        message="the product image to land",
    )
    assert curl("-X", "POST", f"{web_url}/products/{product_id}/approve", "-H", bearer)[0] == 200
    listed = curl(f"{web_url}/products/approve-products")[1]["products"]
    assert [p["productName"] for p in listed if p["id"] == product_id] == ["gucci"]

    # 3. Place an order.
    order = {"id": product_id, "quantity": 30}
    status, body, _ = curl(
        "-X", "POST", f"{web_url}/orders/create-order", "-H", bearer, "-d", json.dumps(order)
    )
    assert status == 201, body
    assert body["message"] == "order placed successfully"
    order_url = f"{web_url}/orders/{body['orderId']}"
    wait_for(
        lambda: curl(order_url, "-H", bearer)[1]["status"] == "shipping",
        message="the order to ship",
    )
