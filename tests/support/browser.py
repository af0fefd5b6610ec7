"""Headless Chromium for the browser tests, driven by Playwright.

Debian's Chromium (/usr/bin/chromium): Playwright never downloads a browser here. Outside CI
a test that needs it is skipped when it is missing (`apt-get install chromium`); in CI
(CI=true) it runs regardless, so a missing browser fails it. Screenshots go to ARTIFACTS.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts"
# Headless, and no background traffic: the machines' network is closed to the outside.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 15_000


@pytest.fixture
def chromium_path() -> str:
    if not CHROMIUM.exists() and os.environ.get("CI", "").lower() not in ("1", "true"):
        pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium); CI always runs this")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return str(CHROMIUM)
