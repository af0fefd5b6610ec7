from __future__ import annotations

import pytest
import requests

from ecommerce.emulator import free_port
from tests.conftest import wait_for, web_process
from tests.support.browser import chromium_path  # noqa: F401 - a fixture


@pytest.fixture
def web_url(events_consumer, celery_worker, transactional_db) -> str:
    """gunicorn on a free port, with the events process and a worker: the whole stack."""
    port = free_port()
    web = web_process(port).start()
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _answers(f"{url}/healthz"), message="gunicorn to answer")
    yield url
    web.stop()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False
