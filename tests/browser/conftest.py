"""A real node for the web page tests, and a real Chromium driven by Selenium.

``node``: ``cta serve`` on a fresh SQLite file (``tests.integration.node_server.NodeServer``),
one per module. ``browser``: headless Chromium through Debian's chromedriver
(``/usr/bin/chromedriver``, the same version as ``/usr/bin/chromium``), one per module. Without
Chromium or Selenium the browser tests are skipped with the reason; with
``CTA_REQUIRE_BROWSER=1`` (set by ``.ci/run``, after ``tools/ensure_chromium.sh --require``)
they fail instead.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.node_server import NodeServer

ENSURE = "tools/ensure_chromium.sh"
CHROMIUM_NAMES = ("chromium", "chromium-browser")


def browser_required() -> bool:
    return os.environ.get("CTA_REQUIRE_BROWSER", "").strip().lower() in {"1", "true", "yes"}


def _unavailable(reason: str) -> None:
    if browser_required():
        pytest.fail(f"{reason} (CTA_REQUIRE_BROWSER=1: Chromium is required; {ENSURE} installs it)")
    pytest.skip(f"{reason}; run {ENSURE} as root to install it")


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    workdir = tmp_path_factory.mktemp("workbench-node")
    with NodeServer(f"sqlite:///{workdir / 'node.sqlite'}", workdir) as server:
        yield server


def _chromium() -> tuple[str, str] | None:
    binary = next((p for n in CHROMIUM_NAMES if (p := shutil.which(n))), None)
    driver = shutil.which("chromedriver")
    return (binary, driver) if binary and driver else None


@contextlib.contextmanager
def chromium(
    tmp_path_factory: pytest.TempPathFactory, *, log_network: bool = False
) -> Iterator[Any]:
    """Headless Chromium through Debian's chromedriver (skipped, or failed in CI, when either
    is missing); ``log_network``: keep Chromium's performance log (every request it makes)."""
    found = _chromium()
    if found is None:
        _unavailable("Chromium or chromedriver is not installed")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("the selenium package is not installed in this environment")
    assert found is not None
    binary, driver_path = found
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,2000",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)  # fmt: skip
    if log_network:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    log = Path(tmp_path_factory.mktemp("chromedriver")) / "chromedriver.log"
    driver = webdriver.Chrome(options=options, service=Service(driver_path, log_output=str(log)))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory) as driver:
        yield driver
