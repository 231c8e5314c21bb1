"""The border officer's console in Debian's Chromium: an officer signs in, chooses the post,
scans a refused traveller's MRZ as a keyboard-wedge reader types it (each line ending in
Enter: the page's script sends the form when the lines are whole), sees the refusal and its
letters, scans an admitted traveller and records the entry, opens the traveller's file; and
axe-core finds no serious or critical violation on any of these pages in any language, with a
screenshot of each kept under tests/browser/artefacts/."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from typing import Any

import pytest

from cta.domain.roles import Role
from cta.entrypoints.web.i18n import LANGUAGES
from tests.browser.web_keys import (
    active_id,
    axe_violations,
    keys,
    screenshot,
    tab_to,
    wait_for,
)
from tests.integration.node_server import NodeServer, add_user, node_today, passport
from tests.integration.test_officer_console_http import authorised


def _scan(browser: Any, mrz: list[str]) -> None:
    """What a keyboard-wedge reader does: each line typed, then Enter, into the focused field."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    # the page's script gives the field the focus once loaded: a moment after it is there
    with contextlib.suppress(TimeoutException):
        WebDriverWait(browser, 10, poll_frequency=0.05).until(lambda b: active_id(b) == "mrz")
    assert browser.execute_script("return document.activeElement.id") == "mrz"
    for line in mrz:
        keys(browser, line, Keys.ENTER)


def _sign_in(browser: Any, node: NodeServer, name: str, code: str = "en") -> None:
    token = add_user(node.database_url, name, Role.BORDER_OFFICER)
    browser.get(f"{node.base_url}/v1/health")
    browser.delete_all_cookies()  # a new officer, a new browser session
    browser.get(f"{node.base_url}/sign-in?next=/officer&lang={code}")
    wait_for(browser, "token")
    browser.find_element("id", "token").send_keys(token)
    browser.find_element("id", "sign-in-token").click()
    wait_for(browser, "who")


def _choose_post(browser: Any) -> None:
    from selenium.webdriver.support.ui import Select

    if browser.find_element("id", "post-details").get_attribute("open") is None:
        browser.find_element("css selector", "#post-details summary").click()
    Select(browser.find_element("id", "crossing_point")).select_by_value("GEO-TBS")
    browser.find_element("id", "direction-entry").click()
    browser.find_element("id", "use-post").click()
    wait_for(browser, "check-form")


def _decision(browser: Any) -> tuple[str, set[str]]:
    word = wait_for(browser, "decision-word")
    letters = {e.get_attribute("data-letter")
               for e in browser.find_elements("css selector", "#reasons .reason")}  # fmt: skip
    return str(word.get_attribute("data-outcome")), letters


def test_an_officer_scans_a_refused_traveller_then_records_another_s_entry(
    browser: Any, node: NodeServer
) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1280, 2000)
    _sign_in(browser, node, "officer.browser")
    _choose_post(browser)
    refused = passport("USA", surname="REFUSED", expiry_date=node_today() - timedelta(days=9))
    _scan(browser, refused)
    outcome, letters = _decision(browser)
    assert outcome == "refuse" and "A" in letters
    assert "has no valid travel document" in browser.find_element("id", "reasons").text
    assert browser.find_element("id", "letter-A").is_selected()
    screenshot(browser, "officer-refused-en")
    browser.set_window_size(1280, 2000)
    admitted = authorised(node, surname="WELCOME")
    _scan(browser, admitted)  # the scan field has the focus again, empty
    outcome, letters = _decision(browser)
    assert outcome == "admit" and letters == set()
    assert "WELCOME" in browser.find_element("id", "traveller").text
    tab_to(browser, "record")
    keys(browser, Keys.ENTER)
    wait_for(browser, "recorded")
    assert "Entry recorded" in browser.find_element("id", "recorded").text
    browser.find_element("id", "file-link").click()
    wait_for(browser, "timeline")
    assert "Entry at Tbilisi International Airport" in browser.find_element("id", "timeline").text
    assert len(browser.find_elements("css selector", "#window .day--in")) == 1


def test_after_an_entry_is_recorded_the_reader_s_next_scan_checks_the_next_traveller(
    browser: Any, node: NodeServer
) -> None:
    """The page that said "Entry recorded" had no field: the next passport the reader typed
    went nowhere, and the officer had to find the "Check the next traveller" button first."""
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1280, 2000)
    _sign_in(browser, node, "officer.next-scan")
    _choose_post(browser)
    _scan(browser, authorised(node, surname="FIRSTONE"))
    assert _decision(browser)[0] == "admit"
    tab_to(browser, "record")
    keys(browser, Keys.ENTER)
    wait_for(browser, "recorded")
    _scan(browser, authorised(node, surname="SECONDONE"))  # into the field that has the focus
    outcome, _ = _decision(browser)
    assert outcome == "admit"
    assert "SECONDONE" in browser.find_element("id", "traveller").text
    assert browser.find_elements("id", "record")  # and the console to record it


def test_a_refusal_is_recorded_and_its_form_printed(browser: Any, node: NodeServer) -> None:
    _sign_in(browser, node, "officer.refusal")
    _choose_post(browser)
    _scan(browser, passport("USA", surname="NOAUTH"))  # no travel authorisation: C
    outcome, letters = _decision(browser)
    assert outcome == "refuse" and letters == {"C"}
    browser.find_element("id", "letter-E").click()
    browser.find_element("id", "refuse").click()
    wait_for(browser, "refusal-form")
    chosen = {e.get_attribute("data-letter")
              for e in browser.find_elements("css selector", "#refusal-letters .chosen")}
    assert chosen == {"C", "E"}
    assert "NOAUTH" in browser.find_element("id", "refused-person").text


def _pages(browser: Any, node: NodeServer, code: str) -> list[tuple[str, Any, str]]:
    """(name, what shows it, the element to wait for) for each page of the console."""
    def scan(mrz: list[str]) -> Any:
        return lambda: (browser.get(f"{node.base_url}/officer?lang={code}"),
                        wait_for(browser, "mrz"), _scan(browser, mrz))

    def refuse() -> None:
        browser.find_element("id", "refuse").click()

    return [
        ("officer-console", lambda: browser.get(f"{node.base_url}/officer?lang={code}"), "mrz"),
        ("officer-refuse", scan(passport("USA", surname="AXE")), "decision"),
        ("officer-refusal-form", refuse, "refusal-form"),
        ("officer-admit", scan(authorised(node, surname="AXE")), "decision"),
        ("officer-recorded", lambda: browser.find_element("id", "record").click(), "recorded"),
        ("officer-file", lambda: browser.find_element("id", "file-link").click(), "timeline"),
    ]


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_no_page_of_the_console_has_a_serious_or_critical_violation(
    browser: Any, node: NodeServer, code: str
) -> None:
    _sign_in(browser, node, f"officer.axe-{code}", code)
    _choose_post(browser)
    found = {}
    for name, show, element in _pages(browser, node, code):
        browser.set_window_size(1280, 2000)
        show()
        wait_for(browser, element)
        found[name] = axe_violations(browser)
        screenshot(browser, f"{name}-{code}")
    assert found == {name: [] for name in found}


def test_the_console_is_usable_at_360_pixels(browser: Any, node: NodeServer) -> None:
    _sign_in(browser, node, "officer.narrow")
    _choose_post(browser)
    browser.set_window_size(360, 800)
    _scan(browser, passport("USA", surname="NARROW"))
    _decision(browser)
    wide = browser.execute_script(
        "return document.documentElement.scrollWidth > window.innerWidth + 1")
    assert wide is False  # no sideways scrolling
    assert axe_violations(browser) == []
    screenshot(browser, "officer-refuse-360")


def test_the_decision_is_drawn_in_place_and_said_and_an_ended_session_signs_in_again(
    browser: Any, node: NodeServer
) -> None:
    """The page's script sends the check and draws the answer in the same page (no new page
    to build: the budget of issue 13); the last traveller's decision goes as soon as the next
    scan is sent, a screen reader hears the new one, and the field is ready for the next scan.
    A session that ended leads to sign-in, as a plain form would."""
    _sign_in(browser, node, "officer.in-place")
    _choose_post(browser)
    _scan(browser, passport("USA", surname="EARLIER"))
    assert _decision(browser)[0] == "refuse"
    browser.execute_script("window.samePage = true;"
                           "window.seen = [];"
                           "new MutationObserver(function () {"
                           "  window.seen.push(!!document.getElementById('decision'));"
                           "}).observe(document.body, {childList: true, subtree: true});")
    _scan(browser, authorised(node, surname="LATER"))  # the field has the focus again
    wait_for(browser, "decision-word")
    assert "LATER" in browser.find_element("id", "traveller").text
    assert browser.execute_script("return window.samePage === true")  # no new page
    assert browser.current_url.endswith("/officer")
    assert browser.execute_script("return window.seen[0]") is False  # the old one went first
    said = browser.execute_script("return document.querySelector('[aria-live]').textContent")
    assert said.startswith("Admit") and "LATER" in said, said
    assert browser.execute_script("return document.activeElement.id") == "mrz"
    assert browser.title.startswith("Border officer's console")

    browser.execute_script(  # the session ends in the background, as one that expired
        "return fetch('/sign-out', {method: 'POST', body: new URLSearchParams("
        "{csrf_token: document.querySelector('[name=csrf_token]').value})})")
    _scan(browser, passport("USA", surname="AFTER"))
    wait_for(browser, "token")
    assert "/sign-in" in browser.current_url
