"""The node's refusals the consoles quote, in the page's language, on a real server (SQLite and
PostgreSQL): a consul's grant of an application nobody claimed, in Russian; an entry recorded
against a refusing check with no reason, in Georgian. The API's ``detail`` is as before."""

from __future__ import annotations

import re

import httpx

from cta.domain.roles import Role
from tests.integration.node_server import NodeServer, add_user
from tests.integration.test_applications_api import visa_form
from tests.integration.test_consular_pages_http import Console, act, console, submit
from tests.integration.test_officer_console_http import _at_post, expired, node
from tests.integration.web_client import signed_in

__all__ = ["console", "node"]


def _summary(page: httpx.Response) -> str:
    found = re.search(r'<ul class="error-summary__list">(.*?)</ul>', page.text, re.S)
    assert found is not None, page.text[:3000]
    return found.group(1)


def test_a_consul_is_told_to_claim_first_in_the_page_s_language(console: Console) -> None:
    number = submit(console, visa_form())
    with signed_in(console.server, console.consul, "/consular") as client:
        client.get(f"/consular/applications/{number}?lang=ru")
        unclaimed = act(client, number, "grant", **{"territory-GEO": "on"})
        assert unclaimed.status_code == 409
        said = _summary(unclaimed)
        assert f"Узел не смог это сделать: заявление {number} никем не взято: сначала " \
            "возьмите его" in said, said
        assert 'lang="en"' not in said and "claim it first" not in said
    with console.server.client(console.consul, "the API's words") as api:
        answer = api.post(f"/v1/applications/{number}/decision",
                          json={"outcome": "granted", "territorial_validity": ["GEO"]})
    assert answer.status_code == 409
    assert answer.json() == {"detail": f"application {number} is claimed by no one: claim it "
                                       "first"}


def test_an_entry_against_a_refusing_check_asks_for_the_reason_in_the_page_s_language(
    node: NodeServer,
) -> None:
    officer = add_user(node.database_url, "officer.refusal-words", Role.BORDER_OFFICER)
    mrz = expired(surname="UNREASONED")
    with signed_in(node, officer) as client:
        token = _at_post(client)
        client.get("/officer?lang=ka")
        entry = client.post("/officer/record", data={"csrf_token": token, "mrz": "\n".join(mrz)})
        assert entry.status_code == 409
        said = _summary(entry)
        assert re.search(r"კვანძმა ეს უარყო: შემოწმების გადაწყვეტილება: უარი \([A-I, ]+\); ამ "
                         "შესვლის დასარეგისტრირებლად მიუთითეთ გადაწყვეტილებიდან გადახვევის "
                         "მიზეზი", said), said
        assert 'lang="en"' not in said and "needs override_reason" not in said
    with node.client(officer, "the API's words") as api:
        answer = api.post("/v1/crossings", json={"mrz": mrz, "crossing_point": "GEO-TBS",
                                                 "direction": "entry"})  # fmt: skip
    assert answer.status_code == 409
    assert re.fullmatch(r"the check decided refuse \([A-I, ]+\): recording this entry needs "
                        r"override_reason", answer.json()["detail"]), answer.json()
