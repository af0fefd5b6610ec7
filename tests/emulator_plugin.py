"""Starts the AWS emulator before Django's settings are read (loaded with `-p`).

The emulator runs once per test session on a free port; every boto3 client, the Celery
transport and the subprocesses the suite starts (worker, events consumer) inherit
AWS_ENDPOINT_URL from the environment set here. Set TEST_AWS_ENDPOINT_URL to reuse an
emulator that is already running.
"""

import os

import pytest

_emulator = None


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    global _emulator
    if early_config.getoption("help", False) or early_config.getoption("version", 0):
        return
    url = os.environ.get("TEST_AWS_ENDPOINT_URL")
    if not url:
        from ecommerce import emulator

        _emulator, url = emulator.start()
    os.environ["AWS_ENDPOINT_URL"] = url
    os.environ.setdefault("AWS_RESOURCE_PREFIX", "test")
    os.environ.setdefault("CELERY_TASK_TIME_LIMIT", "30")
    # As `make run`: local front-ends on any port (the browser test's page among them).
    os.environ.setdefault("CORS_ALLOWED_ORIGINS", "http://localhost:*,http://127.0.0.1:*")
    # The catalogue cache has its own tests (tests/products/test_cache.py); elsewhere a
    # test's changes and reads happen in one uncommitted transaction, where no bump fires.
    os.environ.setdefault("CATALOGUE_CACHE_SECONDS", "0")
    # Tests sign many users up from one address; the throttling test sets its own rates.
    for scope in ("SIGN_IN", "SIGN_IN_ACCOUNT", "SIGN_UP", "PASSWORD_RESET", "ADMIN_LOGIN"):
        os.environ.setdefault(f"THROTTLE_{scope}", "10000/min")


def pytest_unconfigure(config):
    if _emulator is not None:
        _emulator.terminate()
        _emulator.wait(10)
