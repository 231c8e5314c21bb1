"""The traveller's self-service in a real browser (Debian's Chromium): a traveller applies for
a travel authorisation with the keyboard alone, in English and in Russian (the passport typed
field by field in one, its MRZ typed in the other), and follows the application to its grant
on the status page; and every page and state of a page (the index, each step of the
application with and without errors, "check your answers", the confirmation, nothing to apply
for, the status, "My days") in every language has no serious or critical axe-core violation,
at 1280 px and at 360 px, with a screenshot of each under tests/browser/artefacts/."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from cta.entrypoints.web.i18n import LANGUAGES, language
from tests.browser.web_keys import (
    active_id,
    axe_violations,
    keys,
    replace_text,
    screenshot,
    tab_to,
    wait_for,
)
from tests.integration.node_server import NodeServer, node_today, passport

EXPIRY = node_today() + timedelta(days=900)
# a nationality that applies for an authorisation, whose name no other name begins with
NATIONALITY = {"en": "USA", "ru": "JPN"}


def _surname() -> str:
    return "".join(chr(ord("A") + int(c, 16)) for c in uuid.uuid4().hex[:8])


def _type_in(browser: Any, field: str, text: str) -> None:
    tab_to(browser, field)
    replace_text(browser, text)


def _press(browser: Any, button: str, then: str) -> None:
    from selenium.webdriver.common.keys import Keys

    tab_to(browser, button)
    keys(browser, Keys.ENTER)
    wait_for(browser, then)


def _answer_no(browser: Any, question: str) -> None:
    """Tab into a group of radios and choose its second answer with an arrow key."""
    from selenium.webdriver.common.keys import Keys

    tab_to(browser, f"{question}-yes")
    keys(browser, Keys.ARROW_DOWN)
    assert active_id(browser) == f"{question}-no"


@pytest.mark.parametrize("code", ["en", "ru"])
def test_a_traveller_applies_with_the_keyboard_and_follows_it_to_the_grant(
    browser: Any, node: NodeServer, code: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    lang, nationality = language(code), NATIONALITY[code]
    browser.set_window_size(1280, 2000)
    browser.get(f"{node.base_url}/traveller?lang={code}")
    _press(browser, "link-apply", "nationality")
    tab_to(browser, "nationality")
    keys(browser, lang.country(nationality))  # a select chooses the option typed
    assert browser.find_element(By.ID, "nationality").get_attribute("value") == nationality
    _press(browser, "continue", "route")
    route = browser.find_element(By.ID, "route").text
    assert route == lang.gettext(
        "As a national of %(country)s, you need a travel authorisation. It lets you visit the "
        "area for up to 90 days in any 180 days, for three years or until your passport "
        "expires if that is sooner.", country=lang.country(nationality))
    surname = _surname()
    if code == "en":
        _type_in(browser, "surname", surname.title())
        _type_in(browser, "given_names", "Anna Maria")
        _type_in(browser, "document_number", "K" + uuid.uuid4().hex[:8].upper())
        _type_in(browser, "birth_date", "17.05.1990")
        tab_to(browser, "sex-F")
        keys(browser, Keys.SPACE)
        _type_in(browser, "expiry_date", EXPIRY.isoformat())
    else:
        first, second = passport(nationality, surname=surname, expiry_date=EXPIRY)
        tab_to(browser, "mrz_typed")
        keys(browser, first, Keys.ENTER, second)
    _press(browser, "continue", "email")
    for field, value in (("email", "anna@example.org"), ("phone", "+1 555 0100"),
                         ("address", "1 Main Street"), ("birth_place", "Springfield"),
                         ("occupation", "teacher")):  # fmt: skip
        _type_in(browser, field, value)
    keys(browser, Keys.ENTER)  # Enter in a field sends the step
    wait_for(browser, "convictions")
    for question in ("convictions", "conflict_zones", "removal_orders"):
        _answer_no(browser, question)
    _press(browser, "continue", "answers")
    assert surname in browser.find_element(By.ID, "row-mrz").text
    answer = browser.find_element(By.CSS_SELECTOR, "#row-convictions .summary__value")
    assert answer.text == lang.gettext("No")
    _press(browser, "submit", "confirmation")
    number = browser.find_element(By.ID, "application-number").text
    access_code = browser.find_element(By.ID, "access-code").text
    assert number.startswith("GEO-") and len(access_code) >= 32
    assert browser.current_url.endswith("/traveller/apply")  # nothing in the address
    assert axe_violations(browser) == []
    screenshot(browser, f"traveller-apply-done-keyboard-{code}")

    _press(browser, "follow", "status-form")
    _type_in(browser, "number", number)
    _type_in(browser, "code", access_code)
    keys(browser, Keys.ENTER)
    wait_for(browser, "result")
    assert browser.find_element(By.ID, "application-status").text == lang.gettext(
        "Your application is granted.")
    assert browser.find_element(By.ID, "valid-from").text == lang.date(node_today())
    assert browser.find_element(By.ID, "valid-to").text  # three years, or the passport's end
    assert access_code not in browser.current_url and number not in browser.current_url
    assert axe_violations(browser) == []
    screenshot(browser, f"traveller-status-granted-{code}")


def _choose(browser: Any, select_id: str, value: str) -> None:
    browser.execute_script(
        "document.getElementById(arguments[0]).value = arguments[1]", select_id, value)


def _fill(browser: Any, fields: dict[str, str]) -> None:
    from selenium.webdriver.common.by import By

    for name, value in fields.items():
        element = browser.find_element(By.ID, name)
        if element.get_attribute("type") == "radio":
            element.click()
        else:
            element.clear()
            element.send_keys(value)


def _click(browser: Any, button: str, then: str) -> None:
    from selenium.webdriver.common.by import By

    browser.find_element(By.ID, button).click()
    wait_for(browser, then)


def _visa_pages(browser: Any, base: str, code: str) -> list[tuple[str, Any]]:
    """(name, a function that shows the page) for each page and state of a page, in order."""
    arrival = node_today() + timedelta(days=20)
    mrz = passport("AFG", surname=_surname(), expiry_date=EXPIRY)
    shown: dict[str, str] = {}

    def done() -> None:
        from selenium.webdriver.common.by import By

        _click(browser, "submit", "confirmation")
        shown["number"] = browser.find_element(By.ID, "application-number").text
        shown["code"] = browser.find_element(By.ID, "access-code").text

    def status() -> None:
        _fill(browser, {"number": shown["number"], "code": shown["code"]})
        _click(browser, "show", "result")

    return [
        ("index", lambda: browser.get(f"{base}/traveller?lang={code}")),
        ("apply-nationality", lambda: browser.get(f"{base}/traveller/apply?lang={code}")),
        ("apply-nationality-errors", lambda: _click(browser, "continue", "error-summary")),
        ("apply-none", lambda: (_choose(browser, "nationality", "ARM"),
                                _click(browser, "continue", "nothing-to-apply"))),
        ("apply-document", lambda: (browser.get(f"{base}/traveller/apply?lang={code}"),
                                    _choose(browser, "nationality", "AFG"),
                                    _click(browser, "continue", "route"))),
        ("apply-document-errors", lambda: (_fill(browser, {"birth_date": "1990-02-30"}),
                                           _click(browser, "continue", "error-summary"))),
        ("apply-contact", lambda: (_fill(browser, {"mrz_typed": "\n".join(mrz)}),
                                   _click(browser, "continue", "email"))),
        ("apply-contact-errors", lambda: (_fill(browser, {"email": "no"}),
                                          _click(browser, "continue", "error-summary"))),
        ("apply-questions", lambda: (_fill(browser, {
            "email": "a@example.org", "phone": "+93 20 000 0000", "address": "Kabul",
            "birth_place": "Herat", "occupation": "engineer"}),
            _click(browser, "continue", "convictions"))),
        ("apply-questions-errors", lambda: _click(browser, "continue", "error-summary")),
        ("apply-journey", lambda: (_fill(browser, {"convictions-no": "", "conflict_zones-no": "",
                                                   "removal_orders-no": ""}),
                                   _click(browser, "continue", "purpose"))),
        ("apply-journey-errors", lambda: _click(browser, "continue", "error-summary")),
        ("apply-check", lambda: (_fill(browser, {
            "purpose": "tourism", "arrival": arrival.isoformat(),
            "departure": (arrival + timedelta(days=7)).isoformat(), "entries-1": "",
            "duration_days": "8", "accommodation": "Hotel Rustaveli, Tbilisi",
            "means_of_subsistence": "savings", "travel_medical_insurance-yes": ""}),
            _click(browser, "continue", "answers"))),
        ("apply-done", done),
        ("status", lambda: browser.get(f"{base}/traveller/status?lang={code}")),
        ("status-errors", lambda: _click(browser, "show", "error-summary")),
        ("status-answer", status),
        ("days", lambda: browser.get(f"{base}/traveller/days?lang={code}")),
        ("days-errors", lambda: _click(browser, "show-days", "error-summary")),
        ("days-answer", lambda: (_fill(browser, {"document_number": "A12345678",
                                                 "birth": "1990-05-17"}),
                                 _choose(browser, "nationality", "USA"),
                                 _click(browser, "show-days", "result"))),
    ]  # fmt: skip


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_no_traveller_page_has_a_serious_or_critical_violation(
    browser: Any, node: NodeServer, code: str
) -> None:
    found = {}
    for name, show in _visa_pages(browser, node.base_url, code):
        browser.set_window_size(1280, 2000)
        show()
        wait_for(browser, "main")
        found[name] = axe_violations(browser)
        screenshot(browser, f"traveller-{name}-{code}")
        browser.set_window_size(360, 800)
        found[f"{name}-360px"] = axe_violations(browser)
        wide = browser.execute_script(
            "return document.documentElement.scrollWidth > window.innerWidth + 1")
        assert not wide, f"{name} scrolls sideways at 360 px"
        if name in ("apply-check", "status-answer", "days-answer"):
            screenshot(browser, f"traveller-{name}-{code}-360px")
    assert found == {name: [] for name in found}
