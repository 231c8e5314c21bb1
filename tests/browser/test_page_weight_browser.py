"""Every page is under 200 KB transferred (issue 13's budget), with its CSS, scripts and fonts,
as Chromium fetches them with its cache disabled: the public pages and the staff's, in every
language. (Sizes, not times: ``python -m bench web`` measures both on the demo area.)"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cta.domain.roles import Role
from cta.entrypoints.web.i18n import LANGUAGES
from tests.browser.conftest import chromium
from tests.browser.web_keys import bytes_transferred, no_cache, wait_for
from tests.integration.node_server import NodeServer, add_user, passport

BUDGET = 200 * 1024
PUBLIC = ("/", "/sign-in", "/traveller", "/traveller/stay", "/traveller/apply", "/traveller/days",
          "/traveller/status", "/policy/workbench", "/docs",
          "/policy/workbench?nationality=USA&trip=GEO:60,ARM:40&from=2027-06-01")  # fmt: skip


@pytest.fixture(scope="module")
def weighing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    with chromium(tmp_path_factory, log_network=True) as driver:
        no_cache(driver)
        yield driver


def _sign_in(browser: Any, node: NodeServer, role: Role, then: str) -> None:
    token = add_user(node.database_url, f"{role.value}.weight", role)
    browser.get(f"{node.base_url}/v1/health")
    browser.delete_all_cookies()
    browser.get(f"{node.base_url}/sign-in?next={then}")
    wait_for(browser, "token").send_keys(token)
    browser.find_element("id", "sign-in-token").click()
    wait_for(browser, "who" if then == "/officer" else "main")


def _weigh(browser: Any, show: Any, new_page: bool = True) -> tuple[int, dict[str, int]]:
    total, parts = bytes_transferred(browser, show)
    if new_page:  # the style was counted (a decision is drawn in the console's page: none)
        assert any(url.endswith("/static/cta.css") for url in parts)
    return total, parts


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_public_page_is_under_200_kb(weighing: Any, node: NodeServer, code: str) -> None:
    sizes = {}
    for path in PUBLIC:
        sep = "&" if "?" in path else "?"
        sizes[path], _ = _weigh(weighing, lambda p=path, s=sep: weighing.get(
            f"{node.base_url}{p}{s}lang={code}"))
    assert {p: s for p, s in sizes.items() if s > BUDGET} == {}
    assert min(sizes.values()) > 3000  # documents and their style were counted


def test_the_officer_s_pages_are_under_200_kb(weighing: Any, node: NodeServer) -> None:
    from selenium.webdriver.support.ui import Select

    _sign_in(weighing, node, Role.BORDER_OFFICER, "/officer")
    if weighing.find_element("id", "post-details").get_attribute("open") is None:
        weighing.find_element("css selector", "#post-details summary").click()
    Select(weighing.find_element("id", "crossing_point")).select_by_value("GEO-TBS")
    weighing.find_element("id", "direction-entry").click()
    weighing.find_element("id", "use-post").click()
    wait_for(weighing, "check-form")
    for code in LANGUAGES:
        console, parts = _weigh(weighing, lambda c=code: weighing.get(
            f"{node.base_url}/officer?lang={c}"))
        assert any(url.endswith("/static/officer.js") for url in parts)

        def scan() -> None:
            weighing.execute_script("document.getElementById('mrz').value = arguments[0]",
                                    "\n".join(passport("USA", surname="WEIGHED")))
            weighing.find_element("id", "check").click()
            wait_for(weighing, "decision")

        decision, parts = _weigh(weighing, scan, new_page=False)
        assert any(url.endswith("/officer/check") for url in parts)  # the answer was counted
        assert console < BUDGET and decision < BUDGET, (code, console, decision)


def test_the_consul_s_pages_are_under_200_kb(weighing: Any, node: NodeServer) -> None:
    _sign_in(weighing, node, Role.CONSULAR_OFFICER, "/consular")
    for code in LANGUAGES:
        for path in ("/consular", "/consular/consultations"):
            size, _ = _weigh(weighing, lambda p=path, c=code: weighing.get(
                f"{node.base_url}{p}?lang={c}"))
            assert size < BUDGET, (path, code, size)
