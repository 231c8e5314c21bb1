"""The MRZ reader's problems and the refusals given a code this session, in the page's language,
on a real server (SQLite and PostgreSQL): an officer's check of a passport whose birth date check
digit is wrong, and a passport scanned in the visa's field, in Russian; a traveller's typed MRZ
with a character where a digit belongs, in Georgian; a consul's grant beyond the passport's
expiry, in Armenian. The API's reasons and details keep their English words."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import httpx

from cta.domain.roles import Role
from tests.integration.node_server import NodeServer, add_user, node_today, passport
from tests.integration.test_applications_api import visa_form
from tests.integration.test_consular_pages_http import Console, act, console, submit
from tests.integration.test_officer_console_http import _at_post, node
from tests.integration.test_traveller_pages_http import errors_of, send
from tests.integration.web_client import signed_in

__all__ = ["console", "node"]


def _reasons(page: httpx.Response) -> str:
    found = re.search(r'<ul class="reasons" id="reasons">(.*?)</ul>', page.text, re.S)
    assert found is not None, page.text[:3000]
    return found.group(1)


def _wrong_birth_check_digit(lines: list[str]) -> list[str]:
    digit = str((int(lines[1][19]) + 1) % 10)  # the birth date's check digit, position 20
    return [lines[0], lines[1][:19] + digit + lines[1][20:]]


def test_an_officer_reads_a_wrong_check_digit_in_the_page_s_language(node: NodeServer) -> None:
    officer = add_user(node.database_url, "officer.mrz-words", Role.BORDER_OFFICER)
    good = passport("USA", surname="MISREAD")
    mrz = _wrong_birth_check_digit(good)
    right = good[1][19]
    with signed_in(node, officer) as client:
        token = _at_post(client)
        client.get("/officer?lang=ru")
        shown = client.post("/officer/check", data={"csrf_token": token, "mrz": "\n".join(mrz)})
        assert shown.status_code == 200
        said = _reasons(shown)
        assert (f"машиносчитываемая зона не прошла проверку: контрольная цифра даты рождения — "
                f"{mrz[1][19]}, ожидалась {right} (строка 2, позиция 20)") in said, said
        assert "составная контрольная цифра" in said  # the composite one, guarding it too
        assert 'lang="en"' not in said and "check digit" not in said
    with node.client(officer, "the API's words") as api:
        answer = api.post("/v1/checks", json={"mrz": mrz, "crossing_point": "GEO-TBS",
                                               "direction": "entry"}).json()  # fmt: skip
    message = f"birth date check digit is {mrz[1][19]}, expected {right} (line 2, position 20)"
    assert any(r["message"].startswith(f"the machine readable zone fails validation: {message}; "
                                       "composite check digit is ")
               for r in answer["reasons"]), answer["reasons"]  # fmt: skip


def test_a_traveller_reads_what_is_wrong_with_the_typed_mrz_in_the_page_s_language(
    node: NodeServer,
) -> None:
    good = passport("USA", surname="TYPOED")
    typed = [good[0], good[1][:15] + "O" + good[1][16:]]  # the birth month's 0 typed as an O
    with node.client(purpose=None) as client:
        first = client.get("/traveller/apply?lang=ka")
        document = send(client, first, "/traveller/apply", nationality="USA", action="continue")
        bad = send(client, document, "/traveller/apply", mrz_typed="\n".join(typed),
                   action="continue")  # fmt: skip
    assert bad.status_code == 422 and errors_of(bad) == ["mrz_typed"]
    summary = re.search(r'id="error-summary".*?</ul>', bad.text, re.S)
    assert summary is not None
    said = html.unescape(summary.group(0))
    assert ("პასპორტის მანქანით წასაკითხი ზონა სწორად არ იკითხება: დაბადების თარიღი: სიმბოლო "
            "'O' (სტრიქონი 2, პოზიცია 16) იქ, სადაც მოსალოდნელია ციფრი (ოპტიკური ამოცნობის "
            "შეცდომა: იქნებ '0'?)") in said, said
    assert 'lang="en"' not in said and "expected" not in said


def test_a_passport_scanned_in_the_visa_s_field_is_refused_in_the_page_s_language(
    node: NodeServer,
) -> None:
    officer = add_user(node.database_url, "officer.visa-field", Role.BORDER_OFFICER)
    mrz = passport("USA", surname="TWICE")
    with signed_in(node, officer) as client:
        token = _at_post(client)
        client.get("/officer?lang=ru")
        shown = client.post("/officer/check", data={"csrf_token": token, "mrz": "\n".join(mrz),
                                                    "visa_mrz": "\n".join(mrz)})  # fmt: skip
    assert shown.status_code == 422
    summary = re.search(r'id="error-summary".*?</ul>', shown.text, re.S)
    assert summary is not None
    said = html.unescape(summary.group(0))
    assert ("Узел отказал: строки визы — машиносчитываемая зона TD3, а не визы (MRV-A или MRV-B, "
            "начинается с V): отсканируйте паспорт в поле проездного документа") in said, said
    assert 'lang="en"' not in said


def test_a_consul_granting_beyond_the_passport_s_expiry_is_told_so_in_the_page_s_language(
    console: Console,
) -> None:
    number = submit(console, visa_form())
    first = node_today() + timedelta(days=30)
    last = node_today() + timedelta(days=6 * 365)  # the passport expires in 5 years
    with signed_in(console.server, console.consul, "/consular") as client:
        client.get(f"/consular/applications/{number}?lang=hy")
        assert act(client, number, "claim").status_code == 303
        granted = act(client, number, "grant", valid_from=first.isoformat(),
                      valid_to=last.isoformat(), **{"territory-GEO": "on"})  # fmt: skip
    assert granted.status_code == 422
    summary = re.search(r'id="error-summary".*?</ul>', granted.text, re.S)
    assert summary is not None
    said = html.unescape(summary.group(0))
    assert "վավերականության վերջին օրը՝ " in said and ("ճանապարհորդական փաստաթղթի "
                                                       "վավերականության ավարտից (") in said, said
    assert 'lang="en"' not in said and "does not outlive" not in said
    with console.server.client(console.consul, "the API's words") as api:
        answer = api.post(f"/v1/applications/{number}/decision", json={
            "outcome": "granted", "valid_from": first.isoformat(), "valid_to": last.isoformat(),
            "territorial_validity": ["GEO"]})  # fmt: skip
    assert answer.status_code == 422
    assert re.fullmatch(rf"valid_to {last} is after the document expires \(\d{{4}}-\d\d-\d\d\): "
                        "a permit does not outlive its document", answer.json()["detail"]), (
        answer.json())
