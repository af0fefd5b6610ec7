"""Settings for the benchmark server: the app's own, plus benchmarks/urls.py."""

from ecommerce.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
