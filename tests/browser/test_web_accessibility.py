"""axe-core (vendored in the package, static/vendor/axe-core/) finds no serious or critical
violation on any page built on the web foundation: the start page, the API documents, sign-in
(empty and with its errors), the officer's page signed in, the stay calculator (empty, with its
errors, and with an answer), and the policy workbench (whole, and with its errors, at 1280 and
360 pixels), in every language."""

from __future__ import annotations

from typing import Any

import pytest

from cta.domain.roles import Role
from cta.entrypoints.web.i18n import LANGUAGES
from tests.browser.web_keys import axe_violations, screenshot, wait_for
from tests.integration.node_server import NodeServer, add_user


def _submit(browser: Any, button_id: str, fields: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By

    for name, value in fields.items():
        field = browser.find_element(By.ID, name)
        field.clear()
        field.send_keys(value)
    browser.find_element(By.ID, button_id).click()


def _pages(browser: Any, base: str, code: str) -> list[tuple[str, Any]]:
    """(name, a function that shows the page) for each page and state of a page."""
    return [
        ("start", lambda: browser.get(f"{base}/?lang={code}")),
        ("api-documents", lambda: browser.get(f"{base}/docs?lang={code}")),
        ("sign-in", lambda: browser.get(f"{base}/sign-in?lang={code}")),
        ("sign-in-errors", lambda: _submit(browser, "sign-in", {"name": "", "password": ""})),
        ("stay", lambda: browser.get(f"{base}/traveller/stay?lang={code}")),
        ("stay-errors", lambda: _submit(browser, "calculate", {"entry-0": "2027-13-01"})),
        ("stay-answer", lambda: _submit(browser, "calculate", {
            "entry-0": "2027-01-01", "exit-0": "2027-04-10", "on": "2027-04-01"})),
    ]  # fmt: skip


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_no_page_has_a_serious_or_critical_violation(
    browser: Any, node: NodeServer, code: str
) -> None:
    browser.set_window_size(1280, 2000)
    found = {}
    for name, show in _pages(browser, node.base_url, code):
        show()
        wait_for(browser, "main")
        if name.endswith("errors"):
            wait_for(browser, "error-summary")
        if name == "stay-answer":
            wait_for(browser, "overstays")  # 100 days: over the limit, drawn in red
        found[name] = axe_violations(browser)
        screenshot(browser, f"{name}-{code}")
        browser.set_window_size(1280, 2000)
    assert found == {name: [] for name in found}


def test_the_officer_page_signed_in_has_no_serious_or_critical_violation(
    browser: Any, node: NodeServer
) -> None:
    token = add_user(node.database_url, "officer.axe", Role.BORDER_OFFICER)
    browser.get(f"{node.base_url}/sign-in?next=/officer&lang=en")
    _submit(browser, "sign-in-token", {"token": token})
    wait_for(browser, "who")
    assert "officer.axe" in browser.find_element("id", "who").text
    assert axe_violations(browser) == []
    for code in LANGUAGES:
        browser.get(f"{node.base_url}/officer?lang={code}")
        wait_for(browser, "who")
        assert axe_violations(browser) == [], code
        screenshot(browser, f"officer-{code}")
        browser.set_window_size(1280, 2000)
    browser.find_element("id", "sign-out").click()
    wait_for(browser, "signed-out")


def test_the_checker_itself_finds_a_violation(browser: Any, node: NodeServer) -> None:
    """A page made worse on purpose (an image without a text alternative, a field without a
    label): the same check reports it, so an empty answer above means something."""
    browser.get(f"{node.base_url}/?lang=en")
    wait_for(browser, "main")
    browser.execute_script(
        "const main = document.getElementById('main');"
        "const input = document.createElement('input'); main.appendChild(input);"
        "const img = document.createElement('img'); img.src = '/static/x.png';"
        "main.appendChild(img);")  # fmt: skip
    found = {v["id"] for v in axe_violations(browser)}
    assert {"image-alt", "label"} <= found


WORKBENCH = "/policy/workbench?nationality=USA&on=2027-01-01&trip=GEO:60,ARM:40&from=2027-06-01"


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_the_policy_workbench_has_no_serious_or_critical_violation(
    browser: Any, node: NodeServer, code: str
) -> None:
    found = {}
    for width in (1280, 360):
        for name, query in (("workbench", WORKBENCH),
                            ("workbench-errors", "/policy/workbench?nationality=Atlantis&trip=X")):
            browser.set_window_size(width, 2000)
            browser.get(f"{node.base_url}{query}&lang={code}")
            wait_for(browser, "error-summary" if name.endswith("errors") else "trip-days")
            assert browser.execute_script("return document.documentElement.lang") == code
            found[f"{name}-{width}"] = axe_violations(browser)
            screenshot(browser, f"{name}-{code}-{width}")
    browser.set_window_size(1280, 2000)
    assert found == {name: [] for name in found}
