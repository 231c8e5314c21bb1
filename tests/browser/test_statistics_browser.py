"""The statistics pages in a real Chromium against a real ``cta serve`` (issue 13): an analyst
signs in and sees every chart drawn with data; with the keyboard alone chooses a period and
reaches every table and CSV link; in each of the five languages no string of the pages is left
in English, axe-core finds no serious or critical violation, the page fits a 360 px screen and
weighs under 200 KB; each is kept as a screenshot."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cta.adapters.storage.engine import make_engine
from cta.domain.roles import Role
from cta.entrypoints.web.i18n import LANGUAGES
from cta.services.statistics_pages import FIGURES
from tests.browser.web_keys import (
    ARTEFACTS,
    active_id,
    axe_violations,
    keys,
    screenshot,
    tab_to,
    wait_for,
)
from tests.integration.node_server import NodeServer, add_user
from tests.integration.test_statistics_figures import history
from tests.unit.web.catalogs import catalog, extracted

OCTOBER = "from=2026-10-01&to=2026-10-31"
# every text node and label of the page, trimmed (the SVG's title and desc included)
_TEXTS = """
const found = [];
const walker = document.createTreeWalker(document.documentElement, NodeFilter.SHOW_TEXT);
while (walker.nextNode()) {
  const text = walker.currentNode.nodeValue.trim();
  if (text && !['SCRIPT', 'STYLE'].includes(walker.currentNode.parentNode.nodeName)) {
    found.push(text);
  }
}
for (const el of document.querySelectorAll('[aria-label]')) {
  found.push(el.getAttribute('aria-label'));
}
return found;
"""


_CAPTIONS_OFF_SCREEN = """
return [...document.querySelectorAll('.statistics-table caption')].filter(caption => {
  const range = document.createRange();
  range.selectNodeContents(caption);
  const lines = [...range.getClientRects()];
  return !lines.length || lines.some(line => line.left < 0 || line.right > window.innerWidth);
}).map(caption => caption.id);
"""


@pytest.fixture(scope="module")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    workdir = tmp_path_factory.mktemp("statistics-node")
    with NodeServer(f"sqlite:///{workdir / 'node.sqlite'}", workdir) as server:
        engine = make_engine(server.database_url)
        try:
            history(engine)  # October 2026 (tests/integration/test_statistics_figures.py)
        finally:
            engine.dispose()
        yield server


@pytest.fixture(scope="module")
def analyst(node: NodeServer) -> str:
    return add_user(node.database_url, "analyst.browser", Role.ANALYST)


def _sign_in(browser: Any, node: NodeServer, token: str, lang: str = "en") -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(1280, 2000)
    browser.get(f"{node.base_url}/sign-in?lang={lang}")
    browser.delete_all_cookies()  # a new session for each test
    browser.get(f"{node.base_url}/statistics?{OCTOBER}&lang={lang}")  # leads to sign-in
    wait_for(browser, "token")
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.ID, "sign-in-token").click()
    wait_for(browser, "period-form")


def _marks(browser: Any) -> dict[str, int]:
    from selenium.webdriver.common.by import By

    return {name: len(browser.find_element(By.ID, f"chart-{name.replace('_', '-')}")
                      .find_elements(By.CSS_SELECTOR, "rect, path"))
            for name in FIGURES}  # fmt: skip


def _with_data(browser: Any) -> dict[str, bool]:
    """Whether each chart draws a number above zero: a bar of some length, a line with a point
    above its baseline (not merely a line that is not level: the overstays are level when the
    node's rounding of the small cells happens to fall alike every week), a shaded square of
    the matrix."""
    return dict(browser.execute_script("""
const found = {};
for (const svg of document.querySelectorAll('svg.chart')) {
  const bars = [...svg.querySelectorAll('rect')].some(r => +r.getAttribute('width') > 0
    && r.getAttribute('fill') !== '#f3f2f1');
  const axis = svg.querySelector('line');  // a line chart's first line is its baseline
  const base = axis ? +axis.getAttribute('y1') : 0;
  const lines = [...svg.querySelectorAll('path')].some(p => p.getAttribute('d')
    .match(/[ML][0-9.]+ ([0-9.]+)/g).some(m => +m.split(' ')[1] < base));
  found[svg.id] = bars || lines;
}
return found;"""))


def test_an_analyst_sees_every_chart_drawn_with_data(
    browser: Any, node: NodeServer, analyst: str
) -> None:
    from selenium.webdriver.common.by import By

    _sign_in(browser, node, analyst)
    assert browser.current_url.endswith(f"/statistics?{OCTOBER}&lang=en")
    marks = _marks(browser)
    assert all(marks.values()), marks
    drawn = _with_data(browser)
    assert drawn == {f"chart-{name.replace('_', '-')}": True for name in FIGURES}, drawn
    bars = browser.find_element(By.ID, "chart-crossings-by-point").find_elements(
        By.CSS_SELECTOR, "rect")
    assert sum(float(b.get_attribute("width")) > 0 for b in bars) == 4  # 4 non-zero bars
    flows = browser.find_element(By.ID, "chart-flows").find_elements(By.TAG_NAME, "text")
    assert "12" in [t.text for t in flows]
    chart = browser.find_element(By.ID, "chart-flows")
    assert chart.get_attribute("role") == "img"
    assert chart.get_attribute("aria-labelledby") == "chart-flows-title chart-flows-desc"
    screenshot(browser, "statistics-october-en")
    browser.set_window_size(1100, 1500)  # the first screen, for the README
    browser.execute_script("window.scrollTo(0, 0)")
    browser.save_screenshot(str(ARTEFACTS / "statistics-october-en-top.png"))
    browser.get(f"{node.base_url}/statistics?from=2020-01-01&to=2020-01-31")  # nothing then
    wait_for(browser, "period-form")
    assert not any(_with_data(browser).values())  # the check itself sees an empty chart


def test_with_the_keyboard_alone_a_period_is_chosen_and_each_table_reached(
    browser: Any, node: NodeServer, analyst: str
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    _sign_in(browser, node, analyst)
    tab_to(browser, "from", limit=40)
    keys(browser, "10052026")  # Chromium's date field, en-US: month, day, year
    tab_to(browser, "show", limit=10)
    keys(browser, Keys.ENTER)
    wait_for(browser, "period-form")
    assert "from=2026-10-05" in browser.current_url
    assert browser.find_element(By.ID, "from").get_attribute("value") == "2026-10-05"
    for name in FIGURES:  # every table scrolls by keyboard, every CSV link is reached
        tab_to(browser, f"{name}-csv", limit=80)
        assert active_id(browser) == f"{name}-csv"
    link = browser.find_element(By.ID, "flows-csv").get_attribute("href")
    csv = httpx.get(link, cookies={c["name"]: c["value"] for c in browser.get_cookies()},
                    timeout=30)  # fmt: skip
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_every_language_is_whole_accessible_narrow_and_light(
    browser: Any, node: NodeServer, analyst: str, code: str
) -> None:
    _sign_in(browser, node, analyst, code)
    assert browser.find_element("tag name", "html").get_attribute("lang") == code
    assert all(_marks(browser).values())
    texts = set(browser.execute_script(_TEXTS))
    if code != "en":
        translations = catalog(code)
        english = {m for m in extracted() if isinstance(m, str)
                   and translations.get(m) is not None and translations[m].string != m}
        assert sorted(texts & english) == [], code  # a message shown in English
    violations = axe_violations(browser)
    screenshot(browser, f"statistics-{code}")
    browser.set_window_size(360, 900)
    wide = browser.execute_script(
        "return document.documentElement.scrollWidth > window.innerWidth")
    # a table wider than the screen scrolls in its region: its caption stays on the screen
    # (centred over the whole table it ran off the screen)
    hidden = browser.execute_script(_CAPTIONS_OFF_SCREEN)
    screenshot(browser, f"statistics-{code}-360")
    browser.set_window_size(1280, 2000)
    assert violations == []
    assert not wide
    assert hidden == [], hidden
    size = len(httpx.get(f"{node.base_url}/statistics?{OCTOBER}&lang={code}", timeout=30,
                         cookies={c["name"]: c["value"] for c in browser.get_cookies()}).content)
    assert 10_000 < size < 200 * 1024, size


def test_a_wrong_period_is_named_at_the_top_and_beside_its_field(
    browser: Any, node: NodeServer, analyst: str
) -> None:
    from selenium.webdriver.common.by import By

    _sign_in(browser, node, analyst)
    browser.get(f"{node.base_url}/statistics?from=2026-10-31&to=2026-10-01&lang=ru")
    summary = wait_for(browser, "error-summary")
    link = summary.find_element(By.TAG_NAME, "a")
    assert link.get_attribute("hash") == "#from"
    assert browser.find_element(By.ID, "from").get_attribute("aria-invalid") == "true"
    assert "366" in browser.find_element(By.ID, "from-error").text
    assert all(_marks(browser).values())  # the last 90 days are shown meanwhile
    assert axe_violations(browser) == []
    screenshot(browser, "statistics-wrong-period-ru")
