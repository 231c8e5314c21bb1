"""Driving pages with the keyboard alone, and axe-core (vendored) over a page."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cta.entrypoints.web.start import STATIC_DIR

ARTEFACTS = Path(__file__).parent / "artefacts"
AXE = STATIC_DIR / "vendor" / "axe-core" / "axe.min.js"


def bytes_transferred(browser: Any, show: Callable[[], object]) -> tuple[int, dict[str, int]]:
    """The bytes that went over the wire while ``show`` loaded a page, in all and by address:
    the ``encodedDataLength`` (headers and body as sent) of every response in Chromium's
    performance log (a browser made with ``log_network``). Call ``no_cache`` first, so that
    the CSS, scripts and fonts count on every page."""
    browser.get_log("performance")  # what came before
    show()
    time.sleep(0.3)  # late requests of the page (the favicon) come after its load event
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if message["method"] == "Network.requestWillBeSent":
            urls[params["requestId"]] = params["request"]["url"]
        elif message["method"] == "Network.loadingFinished":
            sizes[params["requestId"]] = int(params["encodedDataLength"])
    by_url: dict[str, int] = {}
    for request, size in sizes.items():
        url = urls.get(request, request)
        by_url[url] = by_url.get(url, 0) + size
    return sum(by_url.values()), by_url


def no_cache(browser: Any) -> None:
    """Chromium fetches everything again on every page (as a first visit does)."""
    browser.execute_cdp_cmd("Network.enable", {})
    browser.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})


def active_id(browser: Any) -> str:
    return str(browser.execute_script("return document.activeElement.id || ''"))


def focus_on(browser: Any, element_id: str, seconds: float = 10.0) -> str:
    """The id of the focused element once it is ``element_id``, or when ``seconds`` have
    passed: a new page's ``autofocus`` is applied by the browser after the page is there, a
    moment later on a busy machine (a fresh-clone run at load 13 looked too soon)."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    with contextlib.suppress(TimeoutException):
        WebDriverWait(browser, seconds).until(lambda driver: active_id(driver) == element_id)
    return active_id(browser)


def keys(browser: Any, *typed: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).send_keys(*typed).perform()


def tab_to(browser: Any, element_id: str, limit: int = 60) -> None:
    """Press Tab until the element with this id has the focus (as a keyboard user would)."""
    from selenium.webdriver.common.keys import Keys

    for _ in range(limit):
        if active_id(browser) == element_id:
            return
        keys(browser, Keys.TAB)
    raise AssertionError(f"Tab never reached #{element_id} (at #{active_id(browser)})")


def replace_text(browser: Any, text: str) -> None:
    """Select what the focused field holds and type over it."""
    from selenium.webdriver.common.keys import Keys

    keys(browser, Keys.END)
    keys(browser, *([Keys.BACKSPACE] * 40))
    keys(browser, text)


def wait_for(browser: Any, element_id: str, seconds: float = 15.0) -> Any:
    """The element once the page has it. A look that the page's own navigation interrupts
    (chromedriver: "aborted by navigation", seen after a click that submits a form) is made
    again, as a look that found nothing yet is."""
    from selenium.common.exceptions import NoSuchElementException, WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def present(driver: Any) -> Any:
        try:
            return driver.find_element(By.ID, element_id)
        except NoSuchElementException:
            return False
        except WebDriverException as exc:
            if "aborted by navigation" in str(exc):
                return False
            raise

    return WebDriverWait(browser, seconds).until(present)


def screenshot(browser: Any, name: str) -> Path:
    """The whole page as a PNG under tests/browser/artefacts/ (kept by CI, ignored by git)."""
    ARTEFACTS.mkdir(exist_ok=True)
    height = int(browser.execute_script("return document.documentElement.scrollHeight"))
    width = int(browser.execute_script("return window.innerWidth"))
    browser.set_window_size(max(width, 360), min(max(height + 150, 800), 8000))
    path = ARTEFACTS / f"{name}.png"
    browser.save_screenshot(str(path))
    return path


def axe_violations(browser: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations of the page now shown."""
    browser.set_script_timeout(60)
    if not browser.execute_script("return typeof window.axe !== 'undefined'"):
        browser.execute_script(AXE.read_text(encoding="utf-8"))
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(JSON.stringify(r.violations)), e => done(JSON.stringify("
        "[{id: 'axe-error', impact: 'critical', help: String(e), nodes: []}])));"
    )
    violations = json.loads(result)
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"],
         "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in violations if v.get("impact") in {"serious", "critical"}
    ]  # fmt: skip
