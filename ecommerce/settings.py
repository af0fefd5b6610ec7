"""Settings for the e-commerce backend, read from the environment (12-factor).

Every default runs the embedded stack: SQLite and moto on loopback. `.env.example`
lists every variable.
"""

import os
import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import environ
from corsheaders.defaults import default_headers
from django.core.exceptions import ImproperlyConfigured

from ecommerce.names import Names

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DJANGO_DEBUG", default=False)
SECRET_KEY = env("DJANGO_SECRET_KEY", default="insecure-local-only-change-me")
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
if env.bool("DJANGO_ALLOW_OWN_ADDRESS", default=False):
    # A load balancer's health checks name the task's own address as Host (ECS on Fargate:
    # the task's private address, which its host name resolves to).
    ALLOWED_HOSTS.append(socket.gethostbyname(socket.gethostname()))
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# --- Behind TLS (docs/operations.md) ------------------------------------------------------
# The embedded stack speaks plain HTTP on loopback; production sets DJANGO_SECURE=true: HTTPS
# only, secure cookies, HSTS. A load balancer that terminates TLS says so in
# X-Forwarded-Proto, trusted only from the proxies NUM_PROXIES counts.
SECURE = env.bool("DJANGO_SECURE", default=False)
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=SECURE)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=31_536_000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # the load balancer's probes are HTTP

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI and ReDoc served from our own static files
    "django_celery_beat",
    "ecommerce",
    "accounts",
    "banners",
    "categories",
    "products",
    "orders",
    "cart",
]

MIDDLEWARE = [
    "ecommerce.logging.RequestIdMiddleware",
    # API errors are JSON in every mode; oversized bodies are refused here.
    "ecommerce.errors.JsonErrorsMiddleware",
    # Preflights are answered here, before authentication; every API answer gets its headers.
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Cached catalogue pages are answered here, before the rest of the stack.
    "products.cache.CatalogueCacheMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # the admin's static files under gunicorn
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ecommerce.urls"
WSGI_APPLICATION = "ecommerce.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database: SQLite by default, DATABASE_URL for PostgreSQL ---------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}"),
}
# The password may come on its own (an ECS secret from Secrets Manager), kept out of the URL.
if env("DATABASE_PASSWORD", default=""):
    DATABASES["default"]["PASSWORD"] = env("DATABASE_PASSWORD")
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
# A health check is one more round trip on every request's first query; a connection broken
# by a database restart fails one request, and Django then drops it. Opt in where restarts
# are frequent.
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("DB_CONN_HEALTH_CHECKS", default=False)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DB_PREPARED_STATEMENTS", default=True
):
    # Parameters bound on the server, and a statement run 5 times on a connection prepared
    # there (psycopg): the planning of the hot queries is done once per connection. False
    # (Django's defaults) for a pooler that cannot keep prepared statements.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": 5}
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    (BASE_DIR / "var").mkdir(exist_ok=True)  # the default database file lives there
    # Web, worker, beat and events share one file: wait for locks instead of failing, and
    # take the write lock at BEGIN so two writers never deadlock on a lock upgrade.
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
    # Tests run a real worker in another process, so the test database must be a file
    # (one per test run, so that two runs on one machine do not share it).
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / "var" / f"test-{os.getpid()}.sqlite3")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"

# --- HTTP API -----------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "ecommerce.openapi.AutoSchema",  # documents the error shape
    "EXCEPTION_HANDLER": "ecommerce.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["ecommerce.renderers.OrjsonRenderer"],  # DRF output, faster
    # JSON bodies, whatever the original API's clients call them (ecommerce/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "ecommerce.parsers.FormBodyAsJsonParser",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "ecommerce.parsers.JsonWhenUntyped",
    "DEFAULT_AUTHENTICATION_CLASSES": ["accounts.authentication.CognitoJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Per client address, for sign-in, sign-up (and confirm), resend and password reset;
    # per account for sign-in (many addresses guessing one password) and the admin's login.
    "DEFAULT_THROTTLE_RATES": {
        "sign_in": env("THROTTLE_SIGN_IN", default="10/min"),
        "sign_in_account": env("THROTTLE_SIGN_IN_ACCOUNT", default="10/min"),
        "sign_up": env("THROTTLE_SIGN_UP", default="10/min"),
        "password_reset": env("THROTTLE_PASSWORD_RESET", default="5/min"),
        "admin_login": env("THROTTLE_ADMIN_LOGIN", default="10/min"),
    },
    # The proxies in front that append to X-Forwarded-For (a load balancer: 1). 0: none,
    # the client address is the connection's; X-Forwarded-For is not believed.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}
if REST_FRAMEWORK["NUM_PROXIES"]:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Browser front-ends on other origins (django-cors-headers) ----------------------------
# Origins allowed to call the API and to PUT images to the buckets (bootstrap_aws): exact
# (https://shop.example.com) or with one "*" as S3 allows it (http://localhost:*). None by
# default; `make run` allows http://localhost:* and http://127.0.0.1:*. An optional regex
# adds origins for the API (the buckets cannot take one: list those origins too).
ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOWED_ORIGINS = [origin for origin in ALLOWED_ORIGINS if "*" not in origin]
CORS_ALLOWED_ORIGIN_REGEXES = [
    "^" + re.escape(origin).replace(r"\*", "[^/]*") + "$"
    for origin in ALLOWED_ORIGINS
    if "*" in origin
] + env.list("CORS_ALLOWED_ORIGIN_REGEX", default=[])
CORS_URLS_REGEX = r"^/(?!admin/).*$"  # the API, not the admin
CORS_ALLOW_HEADERS = (*default_headers, "idempotency-key")
CORS_EXPOSE_HEADERS = ["X-Request-ID", "Idempotent-Replayed", "Retry-After"]
CORS_PREFLIGHT_MAX_AGE = 600

# Upper bound on a cached catalogue page's life (0 disables the cache); see products/cache.py.
CATALOGUE_CACHE_SECONDS = env.int("CATALOGUE_CACHE_SECONDS", default=60)

# "default": per-process memory; "throttle": the database, shared by every web worker so a
# client cannot multiply its rate by the number of workers. (Rendered catalogue pages are
# kept per process by products/cache.py itself, keyed by the catalogue version.)
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "cache_throttle",
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "E-commerce backend API",
    "DESCRIPTION": "Auth, banners, categories, products and orders on Cognito, S3, SNS, SQS, "
    "Step Functions and SES.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "ecommerce.openapi.resolve_links",  # the views' links between operations
    ],
    # Request bodies are documented as JSON (the form-encoded reading is for old clients).
    "PARSER_WHITELIST": ["rest_framework.parsers.JSONParser"],
    # Swagger UI and ReDoc from the app's own static files: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: Swagger UI would send the schema's URL to validator.swagger.io.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    # Choice sets shared by several fields get one stable name.
    "ENUM_NAME_OVERRIDES": {
        "OrderStatusEnum": "orders.models.OrderStatus",
        "ProductStatusEnum": ["pending", "approved", "rejected"],  # products.serializers
        "ImageStatusEnum": ["pending", "ready", "rejected"],  # an image upload's state
    },
}

# --- AWS ------------------------------------------------------------------------------------
# When AWS_ENDPOINT_URL is set every boto3 client and the Celery SQS transport talk to it
# (the embedded moto server); unset, the normal AWS endpoints and credential chain are used.
AWS_ENDPOINT_URL = env("AWS_ENDPOINT_URL", default="http://127.0.0.1:4566")
AWS_REGION = env("AWS_REGION", default="us-east-1")
# Needed to build queue URLs without an API call; the emulator's account is 123456789012.
AWS_ACCOUNT_ID = env("AWS_ACCOUNT_ID", default="123456789012")
AWS_CONNECT_TIMEOUT = env.float("AWS_CONNECT_TIMEOUT", default=2.0)
AWS_READ_TIMEOUT = env.float("AWS_READ_TIMEOUT", default=10.0)
AWS_MAX_ATTEMPTS = env.int("AWS_MAX_ATTEMPTS", default=3)
if AWS_ENDPOINT_URL:
    # The emulator accepts any credentials; real AWS uses the normal chain.
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", AWS_REGION)

# Every AWS resource name derives from this prefix (buckets, queues, topic, pool, ...).
AWS_RESOURCE_PREFIX = env("AWS_RESOURCE_PREFIX", default="ecommerce-local")
# Optional: the Cognito ids. Empty means "read them from the SSM parameters written by
# bootstrap_aws" (the old service's approach), so a re-bootstrapped pool is picked up.
COGNITO_USER_POOL_ID = env("COGNITO_USER_POOL_ID", default="")
COGNITO_CLIENT_ID = env("COGNITO_CLIENT_ID", default="")
# The JWKS URL and the expected `iss` are separate: the emulator serves the keys at its own
# address but its tokens name the real Cognito issuer. Empty: derived from the pool id.
COGNITO_JWKS_URL = env("COGNITO_JWKS_URL", default="")
COGNITO_ISSUER = env("COGNITO_ISSUER", default="")
JWT_LEEWAY_SECONDS = env.int("JWT_LEEWAY_SECONDS", default=30)
JWKS_MIN_REFETCH_SECONDS = env.int("JWKS_MIN_REFETCH_SECONDS", default=60)
SES_SENDER = env("SES_SENDER", default="no-reply@shop.example.com")
# The role CloudFormation assumes to deploy the app's stack (bootstrap_aws, on AWS: the
# one-off task then needs only to ask for the deployment). Empty: the caller's permissions.
AWS_CLOUDFORMATION_ROLE_ARN = env("AWS_CLOUDFORMATION_ROLE_ARN", default="")

# --- Celery ---------------------------------------------------------------------------------
CELERY_TASK_ALWAYS_EAGER = False
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=120)
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - 10
# SQS visibility must outlast any task, or a running task is redelivered to another worker.
SQS_VISIBILITY_TIMEOUT = env.int("SQS_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT * 3)
SQS_MAX_RECEIVE_COUNT = env.int("SQS_MAX_RECEIVE_COUNT", default=5)
CELERY_TASK_DEFAULT_QUEUE = "celery"
# SQS broker: the emulator's when AWS_ENDPOINT_URL is set. Queues are predefined (created
# with their dead-letter queues by bootstrap_aws), so Celery never creates queues itself.
_celery_queue = Names(AWS_RESOURCE_PREFIX).celery_queue
if AWS_ENDPOINT_URL:
    _endpoint = urlsplit(AWS_ENDPOINT_URL)
    _default_broker = f"sqs://{_endpoint.hostname}:{_endpoint.port or 80}"
    _celery_queue_url = f"{AWS_ENDPOINT_URL.rstrip('/')}/{AWS_ACCOUNT_ID}/{_celery_queue}"
else:
    _default_broker = "sqs://"
    _celery_queue_url = f"https://sqs.{AWS_REGION}.amazonaws.com/{AWS_ACCOUNT_ID}/{_celery_queue}"
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=_default_broker)
if CELERY_BROKER_URL.startswith("sqs://"):
    # kombu's SQS transport, fixed so that a failed poll does not kill the worker.
    CELERY_BROKER_TRANSPORT = "ecommerce.celery_sqs:Transport"
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "region": AWS_REGION,
    "is_secure": not AWS_ENDPOINT_URL.startswith("http://"),
    "visibility_timeout": SQS_VISIBILITY_TIMEOUT,
    "wait_time_seconds": 10,
    "polling_interval": 0.2,
    "predefined_queues": {CELERY_TASK_DEFAULT_QUEUE: {"url": _celery_queue_url}},
}
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Logging: one JSON line per event -------------------------------------------------------
LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "ecommerce.logging.JsonFormatter"}},
    "filters": {"context": {"()": "ecommerce.logging.ContextFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["context"]}
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "botocore": {"level": "WARNING"},
        "urllib3": {"level": "WARNING"},
        "django.db.backends": {"level": "WARNING"},
    },
}

# --- Events process (ecommerce/events.py): message type → handler ---------------------------
# S3 ObjectCreated records need no entry: every upload model declares its bucket.
EVENT_HANDLERS: dict[str, str] = {
    # The order workflow's report (OrderWorkflow in deploy/app-resources.yaml).
    "order.shipping": "orders.processing.order_shipping_reported",
}
# Event handlers are quick; a message whose consumer died comes back after this long.
EVENTS_VISIBILITY_TIMEOUT = env.int("EVENTS_VISIBILITY_TIMEOUT", default=60)

# --- Work the worker owes rows (ecommerce/duework.py): orders, emails ----------------------
# After an AWS outage a row is due again in RETRY_BACKOFF_SECONDS × 2^n (full jitter), capped.
RETRY_BACKOFF_SECONDS = env.int("RETRY_BACKOFF_SECONDS", default=2)
RETRY_BACKOFF_MAX_SECONDS = env.int("RETRY_BACKOFF_MAX_SECONDS", default=120)
# An email handed to the worker and neither sent nor failed this long is handed over again.
EMAIL_LEASE_SECONDS = env.int("EMAIL_LEASE_SECONDS", default=300)
# Emails handed over this often and still not sent are given up (logged).
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)
# An email claimed but not going out this long is taken over (its sender died in between).
EMAIL_CLAIM_SECONDS = env.int("EMAIL_CLAIM_SECONDS", default=10)
if min(SQS_VISIBILITY_TIMEOUT, EMAIL_LEASE_SECONDS) <= EMAIL_CLAIM_SECONDS:
    # Otherwise the next try (a redelivery, the next hand-over) would find a dead sender's
    # claim still fresh and skip it.
    raise ImproperlyConfigured(
        "EMAIL_CLAIM_SECONDS must be below SQS_VISIBILITY_TIMEOUT and EMAIL_LEASE_SECONDS"
    )

# --- Image uploads (ecommerce/uploads.py) ---------------------------------------------------
# Checked after the upload lands (a presigned PUT cannot limit the size).
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
# Larger images are refused before their pixels are decoded (decompression bombs).
UPLOAD_MAX_PIXELS = env.int("UPLOAD_MAX_PIXELS", default=40_000_000)
UPLOAD_URL_EXPIRES_SECONDS = env.int("UPLOAD_URL_EXPIRES_SECONDS", default=300)
# Records whose upload has not landed this long after the URL was handed out are deleted.
CLEANUP_INTERVAL_SECONDS = env.int("CLEANUP_INTERVAL_SECONDS", default=120)
CLEANUP_MAX_AGE_SECONDS = env.int("CLEANUP_MAX_AGE_SECONDS", default=3600)
if CLEANUP_MAX_AGE_SECONDS <= UPLOAD_URL_EXPIRES_SECONDS:
    # Otherwise a record could be deleted while its upload URL still works.
    raise ImproperlyConfigured("CLEANUP_MAX_AGE_SECONDS must exceed UPLOAD_URL_EXPIRES_SECONDS")
# One entry cleans every upload purpose. `expires`: a run the worker could not start within
# one interval is dropped, not queued up.
CELERY_BEAT_SCHEDULE["uploads-cleanup"] = {
    "task": "ecommerce.tasks.uploads_cleanup",
    "schedule": float(CLEANUP_INTERVAL_SECONDS),
    "options": {"expires": CLEANUP_INTERVAL_SECONDS},
}

# --- Products (products/) ------------------------------------------------------------------
# How often beat checks every product's stock against its stock ledger (products/stock.py).
STOCK_CHECK_INTERVAL_SECONDS = env.int("STOCK_CHECK_INTERVAL_SECONDS", default=24 * 3600)
CELERY_BEAT_SCHEDULE["stock-check"] = {
    "task": "products.tasks.stock_check",
    "schedule": float(STOCK_CHECK_INTERVAL_SECONDS),
    "options": {"expires": STOCK_CHECK_INTERVAL_SECONDS},
}

# --- Orders (orders/) -----------------------------------------------------------------------
# An order handed to the worker and still pending or processing this long (a lost message, a
# dead worker, a lost workflow report) is handed over again ...
ORDER_LEASE_SECONDS = env.int("ORDER_LEASE_SECONDS", default=300)
# ... and failed (stock released, customer emailed) once handed over this often.
ORDER_MAX_ATTEMPTS = env.int("ORDER_MAX_ATTEMPTS", default=5)
