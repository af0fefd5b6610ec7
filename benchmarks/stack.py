"""The production-shaped stack for benchmarks: PostgreSQL, gunicorn, the worker, the events
consumer, and the AWS emulator, each a real process on loopback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import requests

from ecommerce import emulator

ROOT = Path(__file__).resolve().parent.parent
LOGS = ROOT / "var" / "bench-logs"
PG = "postgres://postgres@127.0.0.1:5432"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def drop_database(name: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def recreate_database(name: str) -> str:
    drop_database(name)
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


def peak_rss_kib(pid: int) -> int:
    """Peak resident set (VmHWM) of a process and its children, in KiB."""
    total = 0
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total


class Stack:
    def __init__(self, *, database: str = "bench", web_workers: int = 2, env: dict | None = None):
        self.database = database
        self.web_workers = web_workers
        self.extra_env = env or {}
        self.processes: dict[str, subprocess.Popen] = {}
        self.web_port = free_port()
        self.aws_port = free_port()
        self.env: dict[str, str] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def _spawn(self, name: str, argv: list[str], env: dict | None = None) -> subprocess.Popen:
        LOGS.mkdir(parents=True, exist_ok=True)
        log = open(LOGS / f"{name}.log", "ab")  # noqa: SIM115 - owned by the process
        process = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env or self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes[name] = process
        return process

    def manage(self, *args: str, env: dict | None = None) -> None:
        subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            check=True,
            stdout=subprocess.DEVNULL,
        )

    def run_module(self, module: str, *args: str, env: dict | None = None) -> str:
        """`python -m module args` with the stack's environment (and `env` over it); returns
        its last output line."""
        out = subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            check=True,
            capture_output=True,
            text=True,
        )
        return out.stdout.strip().splitlines()[-1]

    def db(self) -> psycopg.Connection:
        return psycopg.connect(self.env["DATABASE_URL"], autocommit=True)

    def query(self, sql: str, params: tuple | list = ()) -> list[tuple]:
        with self.db() as conn:
            return conn.execute(sql, params).fetchall()

    def sqs(self):
        """A boto3 SQS client for the stack's emulator."""
        import boto3

        return boto3.client(
            "sqs",
            endpoint_url=self.env["AWS_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def start_aws_and_database(self) -> None:
        self.env = {
            **os.environ,
            "DATABASE_URL": recreate_database(self.database),
            "AWS_ENDPOINT_URL": f"http://127.0.0.1:{self.aws_port}",
            "AWS_RESOURCE_PREFIX": "bench",
            "DJANGO_DEBUG": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            "MOTO_PORT": str(self.aws_port),
            # The app's settings plus the benchmark-only endpoint (benchmarks/urls.py).
            "DJANGO_SETTINGS_MODULE": "benchmarks.bench_settings",
            **self.extra_env,
        }
        LOGS.mkdir(parents=True, exist_ok=True)
        with open(LOGS / "emulator.log", "ab") as log:  # ready and configured on return
            self.processes["emulator"], _ = emulator.start(port=self.aws_port, log=log)
        self.manage("migrate", "--no-input", "-v", "0")
        self.manage("bootstrap_aws")

    def start_web(self, extra_env: dict | None = None, *, name: str = "web") -> str:
        """(Re)start gunicorn as process `name` ("web" is the one base_url names); returns
        its base URL."""
        self.stop(name)
        port = free_port()
        if name == "web":
            self.web_port = port
        self._spawn(
            name,
            [
                sys.executable,
                "-m",
                "gunicorn",
                "ecommerce.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(self.web_workers),
                "--worker-class",
                "sync",
                "--log-level",
                "warning",
            ],
            env={**self.env, **(extra_env or {})},
        )
        base_url = f"http://127.0.0.1:{port}"
        self.wait_http(f"{base_url}/healthz")
        return base_url

    def start_events(self) -> None:
        """The events process: S3 and workflow events in, due work handed over."""
        if "events" not in self.processes:
            self._spawn("events", [sys.executable, "manage.py", "consume_events", "--wait", "1"])

    def start_workers(self) -> None:
        self._spawn(
            "worker",
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "ecommerce",
                "worker",
                "--loglevel",
                "WARNING",
                "--concurrency",
                "2",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
        )
        self.start_events()

    @staticmethod
    def wait_http(url: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                if requests.get(url, timeout=1).status_code < 500:
                    return
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(url)
            time.sleep(0.2)

    def stop(self, name: str) -> None:
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()

    @contextmanager
    def emulator_in_background(self) -> Iterator[None]:
        """Run the emulator at the lowest CPU priority inside the block.

        In production SQS is a remote service; here moto shares the web processes' two
        cores and spends more CPU on a message than the web spends on the whole order
        (5.6 ms a SendMessage at an empty queue, measured with boto3 against moto 5.2.5,
        and growing with the queue's depth). At nice 19 it only gets what the app leaves."""
        pid = self.processes["emulator"].pid
        os.setpriority(os.PRIO_PROCESS, pid, 19)
        try:
            yield
        finally:
            os.setpriority(os.PRIO_PROCESS, pid, 0)

    def purge_queues(self) -> None:
        """Empty the Celery and events queues (earlier runs' messages would delay this one)."""
        sqs = self.sqs()
        for queue in ("bench-celery", "bench-events"):
            sqs.purge_queue(QueueUrl=sqs.get_queue_url(QueueName=queue)["QueueUrl"])

    def close(self) -> None:
        # Last started, first stopped: the emulator goes after the processes that use it.
        for name in reversed(list(self.processes)):
            self.stop(name)

    def __enter__(self) -> Stack:
        self.start_aws_and_database()
        return self

    def __exit__(self, *exc) -> None:
        self.close()
