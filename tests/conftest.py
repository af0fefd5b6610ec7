"""Session-wide plumbing: the AWS resources, a real Celery worker, a real events consumer.

The emulator itself is started by tests/emulator_plugin.py before Django loads. Tests are
isolated by data rather than by wiping the emulator (the worker and the consumer keep
long-polling its queues): each test uses its own users, records and keys.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings
from rest_framework.test import APIClient

from ecommerce import aws
from ecommerce.bootstrap import bootstrap
from tests.support.uploads import quiet_storage, subscribe_inbox  # noqa: F401 - fixtures


def pytest_collection_modifyitems(items):
    """Tests that migrate the database back and forth run first, before any session process
    (the worker, the events process) holds the test database: their schema changes and the
    flush after them would wait on those processes' queries, and can deadlock with them.
    Then the tests that run processes of their own against other AWS resources: the
    session's processes, once started, would take their work (due work is database-wide)."""
    items.sort(
        key=lambda item: (
            item.get_closest_marker("schema_migration") is None,
            item.get_closest_marker("own_processes") is None,
        )
    )


ROOT = Path(__file__).resolve().parent.parent
LOG_DIR = ROOT / "var" / "test-logs"


@pytest.fixture(scope="session", autouse=True)
def aws_resources() -> dict[str, str]:
    """Every AWS resource, created once for the session."""
    return bootstrap()


@pytest.fixture
def api() -> APIClient:
    return APIClient()


@pytest.fixture(scope="session")
def emulator_url() -> str:
    return settings.AWS_ENDPOINT_URL


def emulator_data(url: str) -> dict:
    return requests.get(f"{url}/moto-api/data.json", timeout=10).json()


def sent_emails(url: str, to: str | None = None) -> list[dict]:
    """Mail SES accepted, as the emulator recorded it (optionally for one recipient)."""
    messages = []
    found = emulator_data(url).get("ses", {}).get("Message", [])
    # moto 5.2 keeps a flat list; older versions kept {region: {id: message}}.
    for region in found.values() if isinstance(found, dict) else [found]:
        messages.extend(region.values() if isinstance(region, dict) else region)
    if to is None:
        return messages
    return [m for m in messages if to in str(m.get("destinations", m))]


def wait_for(predicate, timeout: float = 30.0, interval: float = 0.2, message: str = ""):
    """Poll until predicate() is truthy; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message or predicate}")
        time.sleep(interval)


def concurrently(call, times: int) -> list:
    """Run `call()` in `times` threads released together, each on its own database
    connection; returns what each returned, or the exception it raised."""
    import threading

    from django.db import connection

    outcomes: list = []
    start = threading.Barrier(times)

    def run() -> None:
        start.wait()
        try:
            outcomes.append(call())
        except Exception as exc:  # noqa: BLE001 - the caller looks at every outcome
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _database_url() -> str:
    """The URL of the *test* database, for subprocesses that must see the tests' rows."""
    from django.db import connection

    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Process:
    """A project process (worker, events consumer) run as the deployment runs it."""

    def __init__(self, name: str, argv: list[str]):
        self.name, self.argv = name, argv
        self.popen: subprocess.Popen | None = None
        self.env = {**os.environ, "DATABASE_URL": _database_url(), "PYTHONUNBUFFERED": "1"}

    def start(self) -> Process:
        LOG_DIR.mkdir(parents=True, exist_ok=True)
        log = open(LOG_DIR / f"{self.name}.log", "ab")  # noqa: SIM115 - owned by the process
        self.popen = subprocess.Popen(
            [sys.executable, *self.argv],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: kill() takes its children too
        )
        return self

    def run(self) -> subprocess.CompletedProcess:
        """Run it to completion (a management command), its output captured."""
        return subprocess.run(
            [sys.executable, *self.argv],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
            timeout=60,
        )

    def kill(self) -> None:
        """SIGKILL the process and its children (a gunicorn master and its workers)."""
        if self.popen and self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait(10)

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.terminate()
            try:
                self.popen.wait(30)
            except subprocess.TimeoutExpired:
                self.kill()


def worker_process() -> Process:
    return Process(
        "worker",
        [
            "-m",
            "celery",
            "-A",
            "ecommerce",
            "worker",
            "--include",
            "tests.support.tasks",
            "--pool",
            "threads",
            "--concurrency",
            "2",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
    )


def events_process() -> Process:
    return Process("events", ["manage.py", "consume_events", "--wait", "1"])


def web_process(port: int) -> Process:
    """gunicorn as production runs it (one sync worker), serving the test database."""
    return Process(
        "web",
        ["-m", "gunicorn", "ecommerce.wsgi:application", "--bind", f"127.0.0.1:{port}"],
    )


@pytest.fixture(scope="session")
def celery_worker(django_db_setup, django_db_blocker) -> Process:
    """A real Celery worker consuming the emulator's SQS queue, for the whole session."""
    process = worker_process().start()
    yield process
    process.stop()


@pytest.fixture(scope="session")
def events_consumer(django_db_setup, django_db_blocker) -> Process:
    """The real events process (manage.py consume_events), for the whole session."""
    process = events_process().start()
    yield process
    process.stop()


@pytest.fixture
def fresh_queue(emulator_url) -> str:
    """A new, empty SQS queue for one test."""
    import uuid

    sqs = aws.client("sqs")
    url = sqs.create_queue(QueueName=f"probe-{uuid.uuid4().hex[:12]}")["QueueUrl"]
    yield url
    sqs.delete_queue(QueueUrl=url)


# --- signed-in users (real Cognito users on the emulator, real tokens) -------------------


class SignedIn:
    """A confirmed Cognito user with tokens and an API client sending the ID token."""

    def __init__(self, *, staff: bool = False, password: str = "passw0rd-123"):
        import uuid

        from accounts import services

        tag = uuid.uuid4().hex[:10]
        self.full_name = f"Test User {tag}"
        self.email = f"user-{tag}@example.com"
        self.password = password
        self.user = services.user_sign_up(
            email=self.email, full_name=self.full_name, password=password
        )
        services.user_confirm_sign_up(full_name=self.full_name, code="123456")
        if staff:
            self.user.is_staff = True
            self.user.save(update_fields=["is_staff"])
        self.tokens = services.user_sign_in(full_name=self.full_name, password=password)
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {self.tokens['IdToken']}")


@pytest.fixture
def make_user(db):
    """make_user(staff=False) → SignedIn (use with transactional_db for cross-process tests)."""
    return SignedIn


@pytest.fixture
def user_api(make_user) -> APIClient:
    """An API client signed in as a fresh, confirmed, non-staff user (`.signed_in`)."""
    signed_in = make_user()
    signed_in.client.signed_in = signed_in
    return signed_in.client


@pytest.fixture
def staff_api(make_user) -> APIClient:
    """An API client signed in as a fresh staff user (`.signed_in`)."""
    signed_in = make_user(staff=True)
    signed_in.client.signed_in = signed_in
    return signed_in.client
