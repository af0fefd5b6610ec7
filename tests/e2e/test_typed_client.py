"""A typed client compiles against the served schema (clients/typescript/README.md).

TypeScript types are generated from `/api/schema` of the running stack with the pinned
openapi-typescript, and a front-end's calls (sign in, list the catalogue, submit a product,
place an order) are type-checked against them with `tsc --noEmit`. The same check against
the schema with one response field renamed fails: the types, not luck, hold the client.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest
import requests

from tests.conftest import ROOT

pytestmark = [pytest.mark.e2e]

CLIENT = ROOT / "clients" / "typescript"


def npx(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["npx", "--no-install", *args], cwd=CLIENT, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def node_modules():
    # As for the browser tests: skipped outside CI without Node.js, failing in CI.
    if shutil.which("npm") is None and os.environ.get("CI", "").lower() not in ("1", "true"):
        pytest.skip("Node.js 20+ and npm are not installed (apt-get install nodejs npm)")
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund"], cwd=CLIENT, check=True, capture_output=True
    )


def type_check(schema_source: str) -> subprocess.CompletedProcess:
    generated = npx("openapi-typescript", schema_source, "--output", "src/schema.d.ts")
    assert generated.returncode == 0, generated.stderr
    return npx("tsc", "--noEmit")


def test_the_client_type_checks_against_the_served_schema(web_url, node_modules):
    checked = type_check(f"{web_url}/api/schema")
    assert checked.returncode == 0, checked.stdout


def test_a_renamed_response_field_fails_the_check(web_url, node_modules, tmp_path):
    schema = requests.get(f"{web_url}/api/schema", params={"format": "json"}, timeout=10).json()
    order = schema["components"]["schemas"]["OrderOutput"]
    order["properties"]["name"] = order["properties"].pop("productName")
    order["required"] = ["name" if f == "productName" else f for f in order["required"]]
    renamed = tmp_path / "schema.json"
    renamed.write_text(json.dumps(schema))

    checked = type_check(str(renamed))

    assert checked.returncode != 0
    assert "Property 'productName' does not exist" in checked.stdout, checked.stdout
