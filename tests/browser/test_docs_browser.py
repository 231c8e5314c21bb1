"""The start page, /docs (the API documents as a plain page) and the developers' viewers
(Swagger UI, ReDoc) in a real browser, with no outside network.

The API documents must render from the files the node serves itself: a border post is often
offline. Chromium's performance log lists every request the pages make; none may leave the
loopback address (here the outside network is unreachable anyway, so a CDN script would leave
the page blank).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.browser.conftest import chromium
from tests.integration.node_server import NodeServer


@pytest.fixture(scope="module")
def logged_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium (as ``browser``) that keeps a log of its network requests."""
    with chromium(tmp_path_factory, log_network=True) as driver:
        yield driver


def _requested(browser: Any) -> list[str]:
    """The URLs the browser asked for since the last call."""
    urls = []
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def _outside(urls: list[str]) -> list[str]:
    return [
        url for url in urls
        if urlsplit(url).scheme not in {"data", "blob", "about"}
        and urlsplit(url).hostname not in {"127.0.0.1", "localhost"}
    ]  # fmt: skip


def _wait_for_text(browser: Any, css: str, text: str, seconds: float = 30.0) -> Any:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, seconds).until(
        expected_conditions.text_to_be_present_in_element((By.CSS_SELECTOR, css), text)
    )
    return browser.find_element(By.CSS_SELECTOR, css)


def test_swagger_ui_renders_the_operations_offline(
    logged_browser: Any, node: NodeServer
) -> None:
    from selenium.webdriver.common.by import By

    _requested(logged_browser)
    logged_browser.get(f"{node.base_url}/developer/swagger-ui")
    _wait_for_text(logged_browser, "#swagger-ui", "/v1/checks")
    summaries = [
        " ".join(element.text.split())
        for element in logged_browser.find_elements(By.CSS_SELECTOR, ".opblock-summary")
    ]
    assert any(s.startswith("POST /v1/checks") for s in summaries), summaries
    assert any(s.startswith("GET /v1/health") for s in summaries), summaries
    urls = _requested(logged_browser)
    assert f"{node.base_url}/openapi.json" in urls
    assert f"{node.base_url}/static/vendor/swagger-ui/swagger-ui-bundle.js" in urls
    assert _outside(urls) == []


def test_redoc_renders_the_operations_offline(logged_browser: Any, node: NodeServer) -> None:
    _requested(logged_browser)
    logged_browser.get(f"{node.base_url}/developer/redoc")
    shown = _wait_for_text(logged_browser, "body", "/v1/checks")
    assert "Decide a border check" in shown.text
    urls = _requested(logged_browser)
    assert f"{node.base_url}/static/vendor/redoc/redoc.standalone.js" in urls
    assert _outside(urls) == []


def test_the_start_page_leads_to_the_api_documents_and_they_to_the_viewers(
    logged_browser: Any, node: NodeServer
) -> None:
    from selenium.webdriver.common.by import By

    _requested(logged_browser)
    logged_browser.get(f"{node.base_url}/?lang=en")
    assert logged_browser.title.endswith("CTA node of Georgia")
    links = logged_browser.find_elements(By.CSS_SELECTOR, "#links a")
    names = [a.text for a in links]
    links[names.index("API documents")].click()
    shown = _wait_for_text(logged_browser, "#post-v1-checks", "Decide a border check")
    assert logged_browser.current_url == f"{node.base_url}/docs"
    assert "A token is needed." in shown.text
    logged_browser.find_element(By.CSS_SELECTOR, '#api-contents a[href="#get-v1-health"]').click()
    assert logged_browser.current_url.endswith("/docs#get-v1-health")
    urls = _requested(logged_browser)
    assert not [u for u in urls if u.endswith(".js")]  # the page draws with no script
    assert _outside(urls) == []
    logged_browser.find_element(By.CSS_SELECTOR, '#developer-links a[href="/developer/swagger-ui"]'
                                ).click()  # fmt: skip
    _wait_for_text(logged_browser, "#swagger-ui", "POST")
    assert _outside(_requested(logged_browser)) == []
