"""The workbench page in a real browser (headless Chromium): fill the form, read what it shows."""

from __future__ import annotations

from typing import Any

from tests.integration.node_server import NodeServer


def _open(browser: Any, node: NodeServer, query: str = "") -> None:
    browser.get(f"{node.base_url}/policy/workbench{query}")


def _by_id(browser: Any, element_id: str, seconds: float = 10.0) -> Any:
    """The element, waiting up to ``seconds`` for it: after a click the next page may still be
    loading when the test looks."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, seconds).until(
        expected_conditions.presence_of_element_located((By.ID, element_id))
    )


def _rows(table: Any) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    return [
        [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        for row in table.find_elements(By.CSS_SELECTOR, "tbody tr")
    ]


def test_a_policy_maker_compares_a_nationality_and_a_trip_through_the_form(
    browser: Any, node: NodeServer
) -> None:
    _open(browser, node)
    assert browser.title.startswith("CTA policy workbench")
    for field, value in (("nationality", "United States"), ("trip", "GEO:20,ARM:10,AZE:15")):
        _by_id(browser, f"field-{field}").send_keys(value)
    browser.execute_script(
        "document.getElementById('field-on').value = '2027-01-01';"
        "document.getElementById('field-from').value = '2027-06-01';"
    )
    _by_id(browser, "submit").click()
    compare = {row[0]: row for row in _rows(_by_id(browser, "compare"))}
    assert compare["AZE"][1:] == ["e-visa", "set by the visa", "an e-visa before travel"]
    assert compare["GEO"][3] == "nothing (visa-free, 365 days per entry)"
    union = {row[0]: row for row in _rows(_by_id(browser, "compare-union"))}
    assert union["union, rule all"][1] == "visa"
    days = _rows(_by_id(browser, "trip-days"))
    assert len(days) == 45
    assert days[-1] == ["Jul 15, 2027", "AZE", "–", "15", "45"]
    assert "e-visa" in _by_id(browser, "trip-needs").text


def test_the_chart_draws_bars_with_the_table_s_numbers(browser: Any, node: NodeServer) -> None:
    from selenium.webdriver.common.by import By

    _open(browser, node, "?on=2027-01-01")
    bars = _by_id(browser, "impact-chart-visitors").find_elements(By.TAG_NAME, "rect")
    values = [int(bar.get_attribute("data-value")) for bar in bars]
    totals = [row for row in _rows(_by_id(browser, "impact")) if row[1] == "total"]
    expected = []
    for row in totals:
        expected += [int(row[6].replace(",", "")), int(row[8].replace(",", ""))]
    assert values == expected
    widths = [float(bar.get_attribute("width")) for bar in bars]
    assert widths[-1] == max(widths)  # rule all: the most visitors lose access
    assert bars[0].is_displayed()


def test_a_bad_trip_is_named_on_the_page(browser: Any, node: NodeServer) -> None:
    _open(browser, node, "?nationality=USA&trip=GEO:0")
    errors = _by_id(browser, "errors").text
    assert "leg 1 'GEO:0': a leg lasts 1 day or more, not 0" in errors
    assert _by_id(browser, "impact").is_displayed()
