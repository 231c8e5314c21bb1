"""The screening's reasons for a possible match in the officer's language, on a real server:
a Georgian and a Russian console word each one (under the hit and inside the check's H reason);
``POST /v1/checks`` answers the same English sentences as ever (the API's contract)."""

from __future__ import annotations

import re
from datetime import date

from cta.domain.roles import Role
from tests.integration.node_server import NodeServer, add_user
from tests.integration.test_officer_console_http import (  # the module's node and helpers
    _at_post,
    _check,
    _section,
    authorised,
    node,
)
from tests.integration.web_client import signed_in

__all__ = ["node"]

BORN = date(1979, 11, 2)  # the alert GEO-T-1's (``test_officer_console_http.ALERT``)
ENGLISH = ["names match (1.00): LOMIDZE = LOMIDZE, GRIGOL = GRIGOL",
           f"birth dates agree ({BORN.isoformat()})", "nationality USA agrees",
           "sex F, the alert says M"]  # fmt: skip


def _hit(page_text: str) -> str:
    found = re.search(r'<div class="hit" id="hit-GEO-T-1">(.*?)<form', page_text, re.S)
    assert found is not None, page_text[:3000]
    return found.group(1)


def test_a_possible_match_s_reasons_read_in_the_page_s_language_and_the_api_keeps_english(
    node: NodeServer,
) -> None:
    from cta.entrypoints.web.i18n import language

    mrz = authorised(node, surname="LOMIDZE", given_names="GRIGOL", birth_date=BORN)
    officer = add_user(node.database_url, "officer.hit-words", Role.BORDER_OFFICER)
    shown = {
        "ka": ("სახელები ემთხვევა (1,00): LOMIDZE = LOMIDZE, GRIGOL = GRIGOL",
               "დაბადების თარიღები ემთხვევა ({})", "მოქალაქეობა ემთხვევა ({})",
               "სქესი: მდედრობითი, გაფრთხილებაში: მამრობითი"),
        "ru": ("имена совпадают (1,00): LOMIDZE = LOMIDZE, GRIGOL = GRIGOL",
               "даты рождения совпадают ({})", "гражданство совпадает ({})",
               "пол: женский, в оповещении: мужской"),
    }  # fmt: skip
    with signed_in(node, officer) as client:
        token = _at_post(client)
        for code, (names, born, nationality, sex) in shown.items():
            lang = language(code)
            client.get(f"/officer?lang={code}")
            page = _check(client, token, mrz)
            assert page.status_code == 200
            hit, reasons = _hit(page.text), _section(page, "ul", "reasons")
            wanted = [names, born.format(lang.date(BORN)),
                      nationality.format(lang.country("USA")), sex]
            assert [f"<li>{line}</li>" for line in wanted] == re.findall(r"<li>.*?</li>", hit)
            assert "; ".join(wanted) in reasons  # the H reason joins them as the API does
            for part in (hit, reasons):
                assert 'lang="en"' not in part and BORN.isoformat() not in part
                assert not any(english in part for english in ENGLISH)
    with node.client(officer, "the API's words for the console's check") as api:
        body = api.post("/v1/checks", json={"mrz": mrz, "crossing_point": "GEO-TBS",
                                            "direction": "entry"}).json()  # fmt: skip
    [hit_json] = body["alert_hits"]
    assert hit_json["reasons"] == ENGLISH
    assert body["person_id"] is not None  # the authorisation filed the traveller
    with signed_in(node, officer) as client:  # the traveller's file words them too
        file = client.get(f"/officer/persons/{body['person_id']}?lang=ru").text
    hit = file.split('data-alert="GEO-T-1"', 1)[1].split("</li>", 1)[0]
    names, born, nationality, sex = shown["ru"]
    russian = language("ru")
    assert "; ".join([names, born.format(russian.date(BORN)),
                      nationality.format(russian.country("USA")), sex]) in hit
    assert 'lang="en"' not in hit and not any(english in hit for english in ENGLISH)
    assert {"code": "H", "message": "alert GEO-T-1 (refuse_entry) may match (score 0.95: "
            + "; ".join(ENGLISH) + "): confirm or dismiss the hit"} in body["reasons"]
