"""ecommerce.renderers.OrjsonRenderer writes what DRF's JSONRenderer writes, byte for byte."""

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from django.utils.translation import gettext_lazy
from rest_framework.renderers import JSONRenderer
from rest_framework.utils.serializer_helpers import ReturnDict

from ecommerce.renderers import OrjsonRenderer


@dataclass
class Point:
    x: int


SAMPLES = {
    "page": {
        "products": [
            {
                "id": str(uuid.uuid4()),
                "productName": "Gucci bag — ünïcode",
                "productPrice": 12.5,
                "quantity": 3,
                "isApproved": True,
                "imageUrl": "",
            }
        ],
        "next": None,
    },
    "python values": {
        "uuid": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "aware": datetime(2026, 11, 26, 19, 0, 0, 123456, tzinfo=UTC),
        "aware, whole second": datetime(2026, 11, 26, 19, 0, 0, tzinfo=UTC),
        "aware, another zone": datetime(
            2026, 11, 26, 19, 0, 0, 1, tzinfo=timezone(timedelta(hours=2))
        ),
        "naive": datetime(2026, 11, 26, 19, 0, 0),
        "date": date(2026, 11, 26),
        "decimal": Decimal("12.50"),
        "lazy": gettext_lazy("Not found."),
        "tuple": (1, 2),
        "set": {3},
        "returndict": ReturnDict({"a": 1}, serializer=None),
        1: "an int key",
    },
    "line separators": {"text": "a\u2028b\u2029c"},
    "too big for orjson": {"n": 2**70},
}


@pytest.mark.parametrize("name", SAMPLES)
def test_the_same_bytes_as_drf(name):
    data = SAMPLES[name]
    assert OrjsonRenderer().render(data) == JSONRenderer().render(data)


def test_what_drf_cannot_encode_fails_alike():
    for renderer in (OrjsonRenderer(), JSONRenderer()):
        with pytest.raises(TypeError):
            renderer.render({"point": Point(1)})


def test_indented_output_and_none_are_drfs():
    data = SAMPLES["page"]
    media = "application/json; indent=4"
    assert OrjsonRenderer().render(data, media) == JSONRenderer().render(data, media)
    assert OrjsonRenderer().render(None) == b""
