"""Temporary checks at internal borders in a real Chromium: at a post where checks are in force
the officer's console says so and until when, and the start page lists them; axe-core finds no
serious or critical violation in any language, at 1280 and at 360 pixels."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cta.domain.roles import Role
from cta.entrypoints.web.i18n import LANGUAGES
from tests.browser.web_keys import axe_violations, screenshot, wait_for
from tests.integration.node_server import NodeServer, add_user, node_today


def test_the_console_and_the_start_page_show_checks_in_force(
    browser: Any, node: NodeServer
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    admin = add_user(node.database_url, "admin.internal", Role.ADMIN)
    today = node_today()
    with node.client(admin, None) as client:
        declared = client.post("/v1/internal-checks", json={
            "crossing_points": ["GEO-GUGUTI"], "from": today.isoformat(),
            "to": (today + timedelta(days=13)).isoformat(), "ground": "a serious threat"})
    assert declared.status_code == 201, declared.text
    token = add_user(node.database_url, "officer.internal", Role.BORDER_OFFICER)
    browser.set_window_size(1280, 2000)
    browser.get(f"{node.base_url}/sign-in?next=/officer&lang=en")
    browser.find_element(By.ID, "token").send_keys(token)
    browser.find_element(By.ID, "sign-in-token").click()
    wait_for(browser, "who")
    Select(browser.find_element(By.ID, "crossing_point")).select_by_value("GEO-GUGUTI")
    browser.find_element(By.ID, "use-post").click()
    notice = wait_for(browser, "internal-checks")
    assert "until" in notice.text
    found = {}
    for code in LANGUAGES:
        for width in (1280, 360):
            browser.set_window_size(width, 2000)
            browser.get(f"{node.base_url}/officer?lang={code}")
            wait_for(browser, "internal-checks")
            found[f"officer-{code}-{width}"] = axe_violations(browser)
            browser.get(f"{node.base_url}/?lang={code}")
            listed = wait_for(browser, "internal-checks")
            assert listed.tag_name == "ul", code
            found[f"start-{code}-{width}"] = axe_violations(browser)
        screenshot(browser, f"internal-checks-start-{code}")
    assert found == {name: [] for name in found}
    browser.set_window_size(1280, 2000)
    browser.get(f"{node.base_url}/officer?lang=en")
    browser.find_element(By.ID, "sign-out").click()
    wait_for(browser, "signed-out")
