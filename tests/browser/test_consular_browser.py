"""The consular console in a real Chromium against a real ``cta serve``: a consul signs in,
opens the oldest application of the queue with the keyboard alone, sees its reasons, claims
and grants it (a visa: its sticker), refuses another (its refusal form); axe-core finds no
serious or critical violation on any of the console's pages in any language, none is wider
than a 360 px screen, and each is kept as a screenshot."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cta.domain.roles import Role
from cta.entrypoints.web.i18n import LANGUAGES
from tests.browser.web_keys import active_id, axe_violations, keys, screenshot, tab_to, wait_for
from tests.integration.node_server import NodeServer, add_user
from tests.integration.test_applications_api import NO, form, visa_form
from tests.integration.test_consular_pages_http import Console, _asked_of_us


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    workdir = tmp_path_factory.mktemp("consular-node")
    env = {"CTA_APPLICATIONS_PER_MINUTE": "1000"}
    with NodeServer(f"sqlite:///{workdir / 'node.sqlite'}", workdir, env=env) as server:
        yield server


def _submit(node: NodeServer, body: dict[str, Any]) -> str:
    with httpx.Client(base_url=node.base_url, timeout=30) as client:
        answer = client.post("/v1/applications", json=body,
                             headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return str(answer.json()["number"])


@pytest.fixture(scope="module")
def numbers(node: NodeServer) -> dict[str, str]:
    """A visa application (the oldest), an authorisation's with a yes answer, one more."""
    found = {"visa": _submit(node, visa_form()),
             "authorisation": _submit(node, form(answers=NO | {"conflict_zones": True})),
             "open": _submit(node, form(answers=NO | {"convictions": True}))}  # fmt: skip
    _asked_of_us(Console(node, node.database_url, "", ""), "ARM-C-7001", 40)
    return found


_consuls: dict[str, str] = {}


def _sign_in(browser: Any, node: NodeServer) -> None:
    from selenium.webdriver.common.by import By

    token = _consuls.get(node.base_url) or add_user(node.database_url, "consul.browser",
                                                    Role.CONSULAR_OFFICER)  # fmt: skip
    _consuls[node.base_url] = token  # the same consul in every test: the claims are theirs
    browser.get(f"{node.base_url}/sign-in?next=/consular&lang=en")
    browser.delete_all_cookies()  # a new session for each test
    browser.get(f"{node.base_url}/sign-in?next=/consular&lang=en")
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.ID, "sign-in-token").click()
    wait_for(browser, "figures")


def _press(browser: Any, element_id: str) -> None:
    from selenium.webdriver.common.keys import Keys

    tab_to(browser, element_id, limit=200)
    keys(browser, Keys.ENTER)


def test_a_consul_grants_the_oldest_and_refuses_another_with_the_keyboard(
    browser: Any, node: NodeServer, numbers: dict[str, str]
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1280, 2000)
    _sign_in(browser, node)
    rows = browser.find_elements(By.CSS_SELECTOR, "#queue tbody tr")
    assert rows[0].get_attribute("data-number") == numbers["visa"]  # the oldest deadline
    assert "left" in rows[0].find_element(By.CLASS_NAME, "time-left").text
    screenshot(browser, "consular-queue-flow")
    browser.set_window_size(1280, 2000)
    oldest = rows[0].find_element(By.TAG_NAME, "a")
    browser.execute_script("arguments[0].focus()", oldest)  # the first link of the table
    keys(browser, Keys.ENTER)
    wait_for(browser, "application-summary")
    _press(browser, "claim")
    wait_for(browser, "grant-form")
    assert browser.find_element(By.ID, "done").text == "You claimed this application."
    assert browser.find_element(By.ID, "territory-GEO").is_selected()  # the whole area
    _press(browser, "grant")
    wait_for(browser, "sticker-link")
    assert browser.find_element(By.ID, "status").text == "granted"
    _press(browser, "sticker-link")
    mrz = wait_for(browser, "sticker-mrz").text.split("\n")
    assert [len(line) for line in mrz] == [44, 44] and mrz[0].startswith("V<GEO")
    family = browser.execute_script(
        "return getComputedStyle(document.getElementById('sticker-mrz')).fontFamily")
    assert "OCR-B" in family and "monospace" in family
    browser.get(f"{node.base_url}/consular/applications/{numbers['authorisation']}")
    reasons = browser.find_elements(By.CSS_SELECTOR, "#review .review-reason")
    assert reasons and "answer" in reasons[0].text
    _press(browser, "claim")
    wait_for(browser, "refuse-form")
    _press(browser, "refuse")  # no ground ticked: the mistake is named at the top
    summary = wait_for(browser, "error-summary")
    link = summary.find_element(By.TAG_NAME, "a")
    assert link.get_attribute("hash") == "#ground-invalid_document"
    tab_to(browser, "ground-doubts", limit=200)
    keys(browser, Keys.SPACE)
    assert active_id(browser) == "ground-doubts"
    assert browser.find_element(By.ID, "ground-doubts").is_selected()
    _press(browser, "refuse")
    wait_for(browser, "refusal-link")
    assert browser.find_element(By.ID, "status").text == "refused"
    _press(browser, "refusal-link")
    chosen = wait_for(browser, "refusal-grounds").find_elements(By.CLASS_NAME, "ground--chosen")
    words = [" ".join(c.text.split()) for c in chosen]
    assert words == ["X Applies: There are reasonable and serious doubts about the data, the "
                     "statements or the supporting documents given."]


def _pages(base: str, numbers: dict[str, str]) -> list[tuple[str, str]]:
    a = f"{base}/consular/applications"
    return [("queue", f"{base}/consular"),
            ("application-open", f"{a}/{numbers['open']}"),
            ("application-granted", f"{a}/{numbers['visa']}"),
            ("application-refused", f"{a}/{numbers['authorisation']}"),
            ("sticker", f"{a}/{numbers['visa']}/sticker"),
            ("refusal", f"{a}/{numbers['authorisation']}/refusal"),
            ("consultations", f"{base}/consular/consultations")]  # fmt: skip


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_no_console_page_has_a_serious_violation_or_is_too_wide(
    browser: Any, node: NodeServer, numbers: dict[str, str], code: str
) -> None:
    from selenium.webdriver.common.by import By

    _sign_in(browser, node)
    browser.get(f"{node.base_url}/consular/applications/{numbers['open']}")
    if browser.find_elements(By.ID, "claim"):
        browser.find_element(By.ID, "claim").click()
        wait_for(browser, "grant-form")
    found, wide = {}, {}
    for name, url in _pages(node.base_url, numbers):
        browser.set_window_size(1280, 2000)
        browser.get(f"{url}?lang={code}")
        wait_for(browser, "main")
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == code
        found[name] = axe_violations(browser)
        screenshot(browser, f"consular-{name}-{code}")
        browser.set_window_size(360, 900)
        wide[name] = browser.execute_script(
            "return document.documentElement.scrollWidth > window.innerWidth")
    browser.set_window_size(1280, 2000)
    browser.get(f"{node.base_url}/consular/applications/{numbers['open']}?lang={code}")
    browser.find_element(By.ID, "refuse").click()  # no ground: the page with its errors
    wait_for(browser, "error-summary")
    found["application-errors"] = axe_violations(browser)
    screenshot(browser, f"consular-application-errors-{code}")
    browser.set_window_size(1280, 2000)
    assert found == {name: [] for name in found}
    assert wide == {name: False for name in wide}
