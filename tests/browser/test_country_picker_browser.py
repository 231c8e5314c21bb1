"""The country pickers in Chromium: a traveller typing a Russian name into the nationality
list gets the country they mean whether they write ё or е (the shipped names use both: the
browser's own type-ahead chose the US Minor Outlying Islands for "Соединенные"), and the list
is sorted with ё as е."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.web_keys import keys, tab_to, wait_for
from tests.integration.node_server import NodeServer


def _typed(browser: Any, node: NodeServer, text: str, path: str = "/traveller/days") -> str:
    """The nationality chosen by typing ``text`` into the focused list, as a keyboard user."""
    browser.get(f"{node.base_url}{path}?lang=ru")
    wait_for(browser, "nationality")
    tab_to(browser, "nationality")
    for letter in text:
        keys(browser, letter)
    return str(browser.execute_script("return document.getElementById('nationality').value"))


@pytest.mark.parametrize(("text", "code"), [
    ("Соединенные", "USA"),
    ("Соединённые", "USA"),
    ("соединенные штаты м", "UMI"),
    ("Соединённые штаты Малых Удалённых", "UMI"),
    ("Объединенные", "ARE"),
    ("Грузия", "GEO"),
])  # fmt: skip
def test_a_russian_name_is_chosen_typed_with_yo_or_e_alike(
    browser: Any, node: NodeServer, text: str, code: str
) -> None:
    assert _typed(browser, node, text) == code


def test_the_application_s_nationality_list_chooses_alike(
    browser: Any, node: NodeServer
) -> None:
    assert _typed(browser, node, "Соединенные", "/traveller/apply") == "USA"


def test_a_name_no_country_has_keeps_the_choice(browser: Any, node: NodeServer) -> None:
    assert _typed(browser, node, "Грузия") == "GEO"
    for letter in "Ъъъ":
        keys(browser, letter)
    assert browser.execute_script("return document.getElementById('nationality').value") == "GEO"


def test_the_list_sorts_yo_as_e(browser: Any, node: NodeServer) -> None:
    browser.get(f"{node.base_url}/traveller/days?lang=ru")
    names = browser.execute_script(
        "return Array.from(document.querySelectorAll('#nationality option')).map(o => o.value)")
    assert names.index("USA") == names.index("UMI") - 1  # the shorter name first
