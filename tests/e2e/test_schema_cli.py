"""Schemathesis' own command line against the whole stack over HTTP (gunicorn, the worker,
the events process, the emulator), as a front-end developer would run it against `make
run`: every phase (examples, coverage, fuzzing, stateful, following the schema's links) and
every check, as each kind of caller. It reads schemathesis.toml from the repository's root.

Deterministic: a fixed seed, no example database. `SCHEMA_CLI_EXAMPLES=100` digs deeper.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cart.services import cart_line_set
from orders.placement import order_place
from products.services import product_approve
from tests.conftest import LOG_DIR, ROOT
from tests.products.factories import land_image, submitted

pytestmark = [pytest.mark.e2e]

EXAMPLES = os.environ.get("SCHEMA_CLI_EXAMPLES", "25")
SEED = os.environ.get("SCHEMA_CLI_SEED", "7")


def a_running_shop(make_user, buyer) -> None:
    """An approved product with stock, and an order of the caller's and a basket holding
    the product (when signed in), as a running shop has: the links lead from the catalogue
    to placing an order, from the basket to its lines and its checkout, and from the orders
    to an order and its cancelling."""
    seller, staff = make_user(), make_user(staff=True)
    product = land_image(submitted(seller.user, quantity=1_000_000))
    product_approve(product_id=product.pk, by=staff.user)
    if buyer is not None:
        order_place(user=buyer.user, lines={product.pk: 1})
        cart_line_set(user=buyer.user, product_id=product.pk, quantity=1)


@pytest.mark.parametrize("caller", ["anonymous", "user", "staff"])
def test_schemathesis_cli_finds_no_failure_in_any_phase(web_url, make_user, caller):
    headers, buyer = [], None
    if caller != "anonymous":
        buyer = make_user(staff=caller == "staff")
        headers = ["-H", f"Authorization: Bearer {buyer.tokens['IdToken']}"]
    a_running_shop(make_user, buyer)
    st = Path(sys.executable).with_name("st")
    command = [
        str(st),
        "run",
        f"{web_url}/api/schema",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--max-examples",
        EXAMPLES,
        "--seed",
        SEED,
        "--generation-database",
        "none",
        "--workers",
        "1",
        "--no-color",
        "--output-sanitize",
        "false",  # test tokens: the log shows each request as sent
        *headers,
    ]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    (LOG_DIR / f"schemathesis-{caller}.log").write_text(done.stdout + done.stderr)
    summary = done.stdout[done.stdout.rfind("SUMMARY") :]
    assert done.returncode == 0, done.stdout[-6000:]
    assert "generated" in summary, summary
