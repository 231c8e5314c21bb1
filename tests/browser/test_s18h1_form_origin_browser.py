"""Forms sent from the node's own pages by Debian's Chromium still go through the check of
where a form comes from (``security.from_another_site``): the sign-in and the post chosen
(plain form posts) and the console's check (the page's script, ``fetch``) each carry
``Origin`` and ``Sec-Fetch-Site: same-origin``, as Chromium's network log shows, and each is
answered, none refused."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from tests.browser.conftest import chromium
from tests.browser.test_officer_console_browser import _choose_post, _decision, _scan, _sign_in
from tests.integration.node_server import NodeServer, node_today, passport


@pytest.fixture(scope="module")
def logged_browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """Headless Chromium that keeps a log of its network requests (their headers as sent)."""
    with chromium(tmp_path_factory, log_network=True) as driver:
        yield driver


def _posts(browser: Any) -> list[tuple[str, dict[str, str], int]]:
    """Each POST since the last call: its address, its headers as sent, its answer's status."""
    urls: dict[str, str] = {}
    headers: dict[str, dict[str, str]] = {}
    status: dict[str, int] = {}
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            if params["request"]["method"] == "POST":
                urls[params["requestId"]] = params["request"]["url"]
        # a redirect's next request has the same id: the first of each is the POST's
        elif message["method"] == "Network.requestWillBeSentExtraInfo":
            headers.setdefault(params["requestId"],
                               {k.lower(): v for k, v in params["headers"].items()})
        elif message["method"] == "Network.responseReceivedExtraInfo":
            status.setdefault(params["requestId"], int(params["statusCode"]))
    return [(url, headers.get(rid, {}), status.get(rid, 0)) for rid, url in urls.items()]


def test_forms_from_the_node_s_own_pages_carry_their_origin_and_are_taken(
    logged_browser: Any, node: NodeServer
) -> None:
    browser = logged_browser
    browser.get_log("performance")  # nothing before
    _sign_in(browser, node, "officer.origin-browser")
    _choose_post(browser)
    _scan(browser, passport("USA", surname="REFUSED", expiry_date=node_today() - timedelta(days=9)))
    assert _decision(browser)[0] == "refuse"
    sent = {url.removeprefix(node.base_url).split("?")[0]: (head, code)
            for url, head, code in _posts(browser)}  # fmt: skip
    assert {"/sign-in", "/officer/post", "/officer/check"} <= sent.keys(), sent.keys()
    for path in ("/sign-in", "/officer/post", "/officer/check"):
        head, code = sent[path]
        assert head.get("origin") == node.base_url, (path, head)
        assert head.get("sec-fetch-site") == "same-origin", (path, head)
        assert code in (200, 303), (path, code)
