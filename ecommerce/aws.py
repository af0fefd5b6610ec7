"""The one AWS client factory, the one call wrapper, and the names of every resource.

Region, endpoint, retries and timeouts are configured here once. Clients are cached per
(service, endpoint) because boto3 client creation is slow and clients are thread-safe.
Every call the app makes goes through `call` (or `unavailable_as` around a library that
calls AWS itself): an outage becomes `AwsUnavailable` (a 503, or a retry in a worker),
any other refusal stays the botocore error for the caller to interpret.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings

from ecommerce.names import Names

__all__ = ["AwsUnavailable", "BotoCoreError", "ClientError", "call", "client", "unavailable_as"]

logger = logging.getLogger(__name__)

_lock = threading.Lock()
_clients: dict[tuple, object] = {}


class AwsUnavailable(Exception):
    """An AWS dependency could not be reached (mapped to 503 by the error handler)."""

    def __init__(self, service: str, detail: str = ""):
        self.service = service
        super().__init__(f"{service} is unavailable{': ' + detail if detail else ''}")


def endpoint_url() -> str | None:
    return settings.AWS_ENDPOINT_URL or None


# SQS's longest long poll (ReceiveMessage's WaitTimeSeconds): a long-polling client waits
# this much longer for an answer, or an idle poll would end in a read timeout.
MAX_LONG_POLL_SECONDS = 20


def client_config(service: str, *, long_poll: bool = False) -> Config:
    """Region, timeouts and retries for every client; for S3, SigV4 (presigned URLs) and
    path-style addressing (the emulator only does that)."""
    extra = {}
    if service == "s3":
        extra = {
            "signature_version": "s3v4",
            "s3": {"addressing_style": "path" if endpoint_url() else "auto"},
        }
    return Config(
        region_name=settings.AWS_REGION,
        connect_timeout=settings.AWS_CONNECT_TIMEOUT,
        read_timeout=settings.AWS_READ_TIMEOUT + (MAX_LONG_POLL_SECONDS if long_poll else 0),
        retries={"max_attempts": settings.AWS_MAX_ATTEMPTS, "mode": "standard"},
        **extra,
    )


def client(service: str, *, long_poll: bool = False):
    """A boto3 client for `service`, pointed at the emulator when AWS_ENDPOINT_URL is set;
    `long_poll` for one that waits on SQS long polls."""
    key = (service, endpoint_url(), settings.AWS_REGION, long_poll)
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        if key not in _clients:
            _clients[key] = boto3.session.Session().client(
                service,
                endpoint_url=endpoint_url(),
                config=client_config(service, long_poll=long_poll),
            )
    return _clients[key]


def reset_clients() -> None:
    """Forget cached clients and looked-up ids (tests that move the endpoint use it)."""
    global _ids_reread_at
    with _lock:
        _clients.clear()
        _ids_reread_at = 0.0
    ssm_parameter.cache_clear()


# Error codes that mean "overloaded or failing", whatever the HTTP status says.
_UNAVAILABLE_CODES = {
    "ThrottlingException",
    "TooManyRequestsException",
    "LimitExceededException",
    "InternalErrorException",
}


def is_unavailable(exc: BaseException) -> bool:
    """True for errors meaning "AWS could not be reached or is overloaded", not "bad request"."""
    if isinstance(exc, BotoCoreError):
        return True
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        return status >= 500 or error_code(exc) in _UNAVAILABLE_CODES
    return False


def error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


@contextmanager
def unavailable_as(service: str) -> Iterator[None]:
    """Inside the block, an AWS outage raises AwsUnavailable(service); other errors pass."""
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        if is_unavailable(exc):
            raise AwsUnavailable(service, str(exc)) from exc
        raise


def call(service: str, operation: str, **params):
    """`client(service).<operation>(**params)`, with outages raised as AwsUnavailable."""
    with unavailable_as(service):
        return getattr(client(service), operation)(**params)


# --- resource names --------------------------------------------------------------------------


def names(prefix: str | None = None) -> Names:
    return Names(prefix or settings.AWS_RESOURCE_PREFIX)


def queue_url(name: str) -> str:
    return client("sqs").get_queue_url(QueueName=name)["QueueUrl"]


def topic_arn(prefix: str | None = None) -> str:
    """The notifications topic's ARN, built without an API call (like the queue URLs)."""
    return f"arn:aws:sns:{settings.AWS_REGION}:{settings.AWS_ACCOUNT_ID}:{names(prefix).topic}"


def state_machine_arn(prefix: str | None = None) -> str:
    """The order workflow's ARN, built without an API call (like the queue URLs)."""
    machine = names(prefix).state_machine
    return f"arn:aws:states:{settings.AWS_REGION}:{settings.AWS_ACCOUNT_ID}:stateMachine:{machine}"


def execution_arn(name: str, prefix: str | None = None) -> str:
    """The ARN of the order workflow's execution called `name`."""
    machine = names(prefix).state_machine
    return (
        f"arn:aws:states:{settings.AWS_REGION}:{settings.AWS_ACCOUNT_ID}:execution:{machine}:{name}"
    )


@functools.lru_cache(maxsize=64)
def ssm_parameter(name: str) -> str:
    """An SSM parameter value, cached for the process (bootstrap writes the Cognito ids)."""
    try:
        return call("ssm", "get_parameter", Name=name)["Parameter"]["Value"]
    except ClientError as exc:  # a missing parameter: bootstrap_aws has not run
        raise AwsUnavailable("ssm", str(exc)) from exc


def cognito_ids() -> tuple[str, str]:
    """(user pool id, app client id): from settings, else from SSM."""
    pool = settings.COGNITO_USER_POOL_ID or ssm_parameter(names().parameter("cognito/user-pool-id"))
    app = settings.COGNITO_CLIENT_ID or ssm_parameter(names().parameter("cognito/client-id"))
    return pool, app


_ids_reread_at = 0.0


def cognito_ids_reread(min_interval: float = 0.0) -> bool:
    """Read the Cognito ids from SSM again: bootstrap_aws may have replaced the pool while
    this process ran (they are cached per process). Returns whether they changed. Does
    nothing (False) if the last re-read is less than `min_interval` seconds old, so that
    requests cannot make a process hammer SSM. Raises AwsUnavailable when SSM is down."""
    global _ids_reread_at
    with _lock:
        now = time.monotonic()
        if _ids_reread_at and now - _ids_reread_at < min_interval:
            return False
        _ids_reread_at = now
    before = cognito_ids()
    ssm_parameter.cache_clear()
    after = cognito_ids()
    if after != before:
        logger.warning(
            "the Cognito pool changed (SSM): using the new ids", extra={"pool": after[0]}
        )
    return after != before
