"""Fuzzing: schemathesis against the OpenAPI schema the app serves.

Every operation of `/api/schema` is called through the real Django WSGI application (the
whole middleware stack, the real database, the session's AWS emulator) by four callers: no
credentials, whatever bearer token schemathesis makes up, a signed-in user and a staff user
(real Cognito ID tokens). Each operation gets valid (positive) and schema-violating
(negative) requests, and operations with ids in their path get some with ids that exist.
Every response is checked: no 5xx, status code and body as documented (the error body
included: ecommerce/openapi.py), content type, documented headers, schema-violating input
refused, and every 4xx in the error shape {"error": str, "code": str}.

Deterministic: derandomized Hypothesis, no example database. `FUZZ_EXAMPLES=100` digs
deeper locally (the default keeps the run well under a minute).
"""

from __future__ import annotations

import collections
import os
import time
from dataclasses import dataclass
from pathlib import Path

import hypothesis.configuration
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from banners.models import Banner
from banners.services import banner_upload_start
from categories.models import Category
from categories.services import category_upload_start
from ecommerce import aws, uploads
from ecommerce.uploads import S3Object
from ecommerce.wsgi import application
from orders.placement import order_place
from products.services import product_approve
from tests.products.factories import first_image, land_image, submitted
from tests.support.uploads import png_bytes

pytestmark = [pytest.mark.e2e]

# Hypothesis keeps a cache next to the working directory; keep it under var/ with the rest.
hypothesis.configuration.set_hypothesis_home_dir(Path(__file__).parents[2] / "var" / "hypothesis")

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))  # per operation, caller and mode
MIN_REQUESTS = 1000


def error_shape(ctx, response, case):
    """Every 4xx is {"error": str, "code": str} (DESIGN.md, section 4)."""
    if 400 <= response.status_code < 500:
        body = response.json()
        assert isinstance(body, dict), f"not an object: {body!r}"
        assert isinstance(body.get("error"), str), f"no 'error' string: {body!r}"
        assert isinstance(body.get("code"), str), f"no 'code' string: {body!r}"


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    response_headers_conformance,
    negative_data_rejection,
    error_shape,
]


def land(model, record) -> None:
    """Put a PNG at the record's upload key and run the landing checks in-process."""
    aws.client("s3").put_object(
        Bucket=model.bucket(), Key=record.upload_key, Body=png_bytes(), ContentType="image/png"
    )
    uploads.image_landed(model, S3Object(model.bucket(), record.upload_key, 0, "fuzz"))


def seed(user, staff) -> dict[str, list]:
    """Rows for the path parameters to hit: each kind of record the API serves."""
    on_sale = land_image(submitted(user.user, quantity=1_000_000))
    product_approve(product_id=on_sale.pk, by=staff.user)
    pending = submitted(user.user)
    order = order_place(user=user.user, lines={on_sale.pk: 1}).order
    banner, _ = banner_upload_start(file_name="sale.png", content_type="image/png")
    land(Banner, banner)
    category, _ = category_upload_start(name="Fuzz", file_name="c.png", content_type="image/png")
    land(Category, category)
    return {
        "product_id": [str(on_sale.pk), str(pending.pk)],
        "image_id": [str(image.pk) for image in (first_image(on_sale), first_image(pending))],
        "order_id": [str(order.pk)],
        "banner_id": [str(banner.pk)],
        "name": [category.name, category.name.upper()],
    }


def strategies(operation, known: dict[str, list]):
    """(name, strategy) for each kind of request to send to one operation."""
    yield "positive", operation.as_strategy(generation_mode=GenerationMode.POSITIVE)
    if operation.body or any(True for _ in operation.iter_parameters()):
        yield "negative", operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)
    names = [parameter.name for parameter in operation.path_parameters]
    if names:
        ids = st.fixed_dictionaries({name: st.sampled_from(known[name]) for name in names})
        yield (
            "existing ids",
            ids.flatmap(lambda fixed: operation.as_strategy(path_parameters=fixed)),
        )
    if operation.label == "POST /orders/create-order":
        yield (
            "product on sale",
            operation.as_strategy().map(lambda case: _with_body_id(case, known["product_id"][0])),
        )


def _with_body_id(case, product_id: str):
    if isinstance(case.body, dict):
        case.body = {**case.body, "id": product_id}
    return case


@dataclass(frozen=True)
class Caller:
    name: str
    authorization: str | None = None  # None: no credentials
    made_up_token: bool = False  # send the bearer token schemathesis generated instead

    def prepare(self, case) -> None:
        if self.made_up_token or case.operation.schema.is_security_param_negated(case):
            return  # a negative case that leaves out or breaks the token is sent as generated
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
        if self.authorization:
            headers["Authorization"] = self.authorization
        case.headers = headers


def fuzz(strategy, caller: Caller, sent: collections.Counter) -> None:
    """Send EXAMPLES cases drawn from `strategy`; raise on the first failed check."""

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    def call(case):
        caller.prepare(case)
        response = case.call()
        sent[response.status_code] += 1
        case.validate_response(response, checks=CHECKS)

    call()


def test_every_operation_answers_as_documented(transactional_db, make_user, capsys):
    schema = schemathesis.openapi.from_wsgi("/api/schema", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    user, staff = make_user(), make_user(staff=True)
    known = seed(user, staff)
    callers = [
        Caller("anonymous"),
        Caller("made-up token", made_up_token=True),
        Caller("user", f"Bearer {user.tokens['IdToken']}"),
        Caller("staff", f"Bearer {staff.tokens['IdToken']}"),  # last: it deletes the seeds
    ]
    sent = collections.Counter()
    failures = []
    started = time.monotonic()
    for caller in callers:
        for operation in operations:
            for kind, strategy in strategies(operation, known):
                try:
                    fuzz(strategy, caller, sent)
                except (Exception, FailureGroup) as exc:  # noqa: BLE001 - report them all
                    failures.append(f"{caller.name} {operation.label} ({kind}): {exc}")
    total = sum(sent.values())
    with capsys.disabled():
        print(
            f"\nfuzz: {len(operations)} operations, {total} requests in "
            f"{time.monotonic() - started:.0f}s, by status {dict(sorted(sent.items()))}"
        )
    assert not failures, "\n\n".join(failures)
    assert total >= MIN_REQUESTS
