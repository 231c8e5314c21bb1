"""Text that another person typed, as one long unbroken word, stays on the screen (the sweep of
session 17): a consul's question of 2,000 letters on the applicant's status page, an
applicant's answers of 500 on the consul's file. Both pages were 37,000 px wide at 1280 and
360 px: the reader scrolled sideways to read one line."""

from __future__ import annotations

import uuid
from typing import Any

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from cta.domain.roles import Role
from tests.integration.node_server import NodeServer, add_user, passport

YES = {"convictions": True, "conflict_zones": False, "removal_orders": False}


def _wider_than_the_screen(browser: Any) -> list[int]:
    """The page's width at 1280 and 360 px when it is wider than the screen."""
    wide = []
    for width in (1280, 360):
        browser.set_window_size(width, 1000)
        scroll, client = browser.execute_script(
            "var e = document.documentElement; return [e.scrollWidth, e.clientWidth]")
        if scroll > client + 1:
            wide.append(scroll)
    browser.set_window_size(1280, 2000)
    return wide


def test_a_long_unbroken_question_or_answer_stays_on_the_screen(
    node: NodeServer, browser: Any
) -> None:
    body = {"kind": "authorization", "mrz": passport("USA"), "email": "a@example.org",
            "phone": "+995 555 1234", "address": "Ш" * 500, "birth_place": "Tbilisi",
            "occupation": "W" * 500, "first_state": "GEO", "language": "en", "answers": YES}
    with node.client(None, None) as public:
        answer = public.post("/v1/applications", json=body,
                             headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
    assert answer.status_code == 201, answer.text
    number, code = answer.json()["number"], answer.json()["access_code"]
    consul = add_user(node.database_url, f"consul.{uuid.uuid4().hex[:6]}", Role.CONSULAR_OFFICER)
    with node.client(consul, "consular examination") as client:
        assert client.post(f"/v1/applications/{number}/claim").status_code == 200
        asked = client.post(f"/v1/applications/{number}/information-request",
                            json={"questions": "Q" * 2000})  # fmt: skip
        assert asked.status_code == 200, asked.text
    browser.delete_all_cookies()
    browser.get(f"{node.base_url}/traveller/status")
    browser.find_element(By.ID, "number").send_keys(number)
    browser.find_element(By.ID, "code").send_keys(code)
    browser.find_element(By.ID, "code").submit()
    WebDriverWait(browser, 20).until(lambda b: b.find_elements(By.ID, "question"))
    assert _wider_than_the_screen(browser) == []
    browser.get(f"{node.base_url}/sign-in?next=/consular/applications/{number}")
    browser.find_element(By.ID, "token").send_keys(consul)
    browser.find_element(By.ID, "sign-in-token").click()
    WebDriverWait(browser, 20).until(lambda b: number in b.current_url)
    assert _wider_than_the_screen(browser) == []
