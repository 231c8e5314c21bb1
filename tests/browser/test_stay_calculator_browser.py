"""The traveller's stay calculator in a real browser, with the keyboard alone, in each of the
five languages: two trips entered (the second through "Add another trip"), the days counted,
the window drawn; a screenshot of each language kept under tests/browser/artefacts/."""

from __future__ import annotations

from typing import Any

import pytest

from cta.entrypoints.web.i18n import LANGUAGES, language
from tests.browser.web_keys import (
    active_id,
    focus_on,
    keys,
    replace_text,
    screenshot,
    tab_to,
    wait_for,
)
from tests.integration.node_server import NodeServer

# 50 days and 26 days: 76 of 90 used on 1 February 2027, 14 more fit (to 14 February)
TRIPS = [("2026-10-03", "2026-11-21"), ("15.12.2026", "2027-01-09")]
ON = "2027-02-01"


def _type_in(browser: Any, field: str, text: str) -> None:
    tab_to(browser, field)
    replace_text(browser, text)


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_a_traveller_counts_their_days_with_the_keyboard_alone(
    browser: Any, node: NodeServer, code: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1280, 2000)
    browser.get(f"{node.base_url}/traveller/stay?lang={code}")
    wait_for(browser, "stay-form")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == code
    keys(browser, Keys.TAB)
    assert active_id(browser) == ""  # the skip link comes first
    assert browser.execute_script("return document.activeElement.className") == "skip-link"
    keys(browser, Keys.ENTER)
    _type_in(browser, "entry-0", TRIPS[0][0])
    _type_in(browser, "exit-0", TRIPS[0][1])
    tab_to(browser, "add-trip")
    keys(browser, Keys.ENTER)
    wait_for(browser, "entry-1")
    assert focus_on(browser, "entry-1") == "entry-1"  # the new trip's first field has it
    replace_text(browser, TRIPS[1][0])
    _type_in(browser, "exit-1", TRIPS[1][1])
    tab_to(browser, "state-1")
    keys(browser, Keys.ARROW_DOWN)  # the first member state of the list
    _type_in(browser, "on", ON)
    tab_to(browser, "calculate")
    keys(browser, Keys.ENTER)
    wait_for(browser, "result")

    lang = language(code)
    shown = {k: browser.find_element(By.ID, k).text
             for k in ("days-used", "days-left", "max-stay", "latest-exit", "next-entry")}
    assert shown["days-used"] == lang.gettext("%(used)s of %(limit)s", used="76", limit="90")
    assert shown["days-left"] == "14"
    assert shown["max-stay"] == lang.ngettext("%(n)s day", "%(n)s days", 14)
    assert shown["latest-exit"] == lang.date(_day("2027-02-14"))
    assert shown["next-entry"] == lang.date(_day(ON))
    cells = browser.find_elements(By.CSS_SELECTOR, "#window .day")
    assert len(cells) == 180
    present = [c.get_attribute("data-day") for c in cells if "day--in" in c.get_attribute("class")]
    assert len(present) == 76 and present[0] == "2026-10-03" and present[-1] == "2027-01-09"
    assert browser.find_element(By.ID, "state-1").get_attribute("value") == "AZE"
    assert screenshot(browser, f"stay-keyboard-{code}").stat().st_size > 10_000
    _table_opens_with_the_keyboard(browser)


def _table_opens_with_the_keyboard(browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    details = browser.find_element(By.ID, "days-table")
    assert details.get_attribute("open") is None
    browser.execute_script("document.getElementById('main').focus()")
    for _ in range(60):
        keys(browser, Keys.TAB)
        if browser.execute_script("return document.activeElement.tagName") == "SUMMARY":
            break
    keys(browser, Keys.ENTER)
    assert details.get_attribute("open") is not None
    rows = browser.find_elements(By.CSS_SELECTOR, "#days tbody tr")
    assert len(rows) == 76


def test_mistakes_are_listed_at_the_top_and_lead_to_their_field(
    browser: Any, node: NodeServer
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(f"{node.base_url}/traveller/stay?lang=en")
    wait_for(browser, "stay-form")
    _type_in(browser, "entry-0", "2027-02-30")
    _type_in(browser, "exit-0", "2027-03-05")
    tab_to(browser, "calculate")
    keys(browser, Keys.ENTER)
    summary = wait_for(browser, "error-summary")
    assert browser.title.startswith("Error:")
    links = summary.find_elements(By.TAG_NAME, "a")
    assert [a.get_attribute("hash") for a in links] == ["#entry-0"]
    assert "trip 1" in links[0].text
    field = browser.find_element(By.ID, "entry-0")
    assert field.get_attribute("aria-invalid") == "true"
    assert field.get_attribute("value") == "2027-02-30"  # what was typed is kept


def test_enter_in_a_field_counts_the_days_and_removes_no_trip(
    browser: Any, node: NodeServer
) -> None:
    """The form's first submit button (hidden) counts: Enter in a field never presses a trip's
    Remove button, which comes earlier in the page than the visible Count button."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(f"{node.base_url}/traveller/stay?lang=en")
    wait_for(browser, "stay-form")
    tab_to(browser, "add-trip")
    keys(browser, Keys.ENTER)
    wait_for(browser, "remove-1")
    _type_in(browser, "entry-0", "2027-01-01")
    _type_in(browser, "exit-0", "2027-01-10")
    _type_in(browser, "on", "2027-01-20")
    keys(browser, Keys.ENTER)
    assert wait_for(browser, "days-used").text == "10 of 90"
    assert len(browser.find_elements(By.CSS_SELECTOR, "fieldset.trip")) == 2


def test_the_page_fits_a_360_pixel_screen(browser: Any, node: NodeServer) -> None:
    browser.set_window_size(360, 1400)
    try:
        for name, path in (("stay-ka", "/traveller/stay?lang=ka"), ("start-hy", "/?lang=hy"),
                           ("sign-in-az", "/sign-in?lang=az")):
            browser.get(node.base_url + path)
            wait_for(browser, "main")
            wide = browser.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth")
            assert wide <= 0, path
            screenshot(browser, f"{name}-360px")
            browser.set_window_size(360, 1400)
        browser.get(f"{node.base_url}/traveller/stay?lang=hy")
        for field, value in (("entry-0", "2027-01-01"), ("exit-0", "2027-04-10"),
                             ("on", "2027-04-01")):
            wait_for(browser, field).clear()
            browser.find_element("id", field).send_keys(value)
        browser.find_element("id", "calculate").click()
        wait_for(browser, "window")  # the widest part: the window's 180 days
        wide = browser.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth")
        assert wide <= 0
        screenshot(browser, "stay-answer-hy-360px")
    finally:
        browser.set_window_size(1280, 2000)


def _day(text: str) -> Any:
    from datetime import date

    return date.fromisoformat(text)
