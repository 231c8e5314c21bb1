"""A consultation from one state's consular console to another's and back, over the federation:
three real nodes (``area``), each consul in their own node's pages, nothing through the API but
the traveller's application. On SQLite and on PostgreSQL.

Georgia's consul consults Armenia from the application's page; the request travels as a signed
record; Armenia's consul finds it in Armenia's "consultations asked of us" and answers there;
the answer travels back, and Georgia's page of the application shows Armenia's opinion with its
reasons."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest

from cta.domain.roles import Role
from tests.integration.area import Member, area_on, wait_until
from tests.integration.node_server import BOTH_DATABASES, add_user
from tests.integration.test_applications_api import NO, form
from tests.integration.web_client import csrf_token, signed_in


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def nodes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Member]]:
    yield from area_on(request, tmp_path_factory, "consultation-pages")


def _applied_in(node: Member) -> str:
    """An application to ``node`` that waits for a consul (a removal order declared)."""
    with node.server.client(purpose=None) as client:
        answer = client.post("/v1/applications", json=form(answers=NO | {"removal_orders": True}),
                             headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
    assert answer.status_code == 201, answer.text
    assert answer.json()["status"] == "manual"
    return str(answer.json()["number"])


def _post_form(client: httpx.Client, page_path: str, action: str, **fields: str) -> httpx.Response:
    page = client.get(page_path)
    assert page.status_code == 200, page.text[-2000:]
    return client.post(action, data={"csrf_token": csrf_token(page), **fields})


def _consultations_row(page: httpx.Response) -> str:
    """The text of the application page's table of consultations (tags dropped)."""
    table = page.text.split('id="consultations"', 1)[1].split("</table>", 1)[0]
    return html.unescape(re.sub(r"<[^>]+>", " ", table))


def test_a_consul_consults_another_state_whose_consul_answers_in_its_own_console(
    nodes: dict[str, Member],
) -> None:
    tag = uuid.uuid4().hex[:6]
    consul = {state: add_user(nodes[state].url, f"consul.{tag}", Role.CONSULAR_OFFICER)
              for state in ("GEO", "ARM")}  # fmt: skip
    number = _applied_in(nodes["GEO"])
    question = f"Does Armenia object to this traveller? ({tag})"
    application = f"/consular/applications/{number}"

    with signed_in(nodes["GEO"].server, consul["GEO"], "/consular") as geo:
        claimed = _post_form(geo, application, f"{application}/claim")
        assert claimed.status_code == 303
        asked = _post_form(geo, application, f"{application}/consult", consult_state="ARM",
                           question=question)  # fmt: skip
        assert asked.status_code == 303, asked.text[-2000:]
        shown = _consultations_row(geo.get(f"{application}?lang=en"))
        assert "Armenia" in shown and question in shown and "negative" not in shown

    with signed_in(nodes["ARM"].server, consul["ARM"], "/consular") as arm:
        def asked_of_arm() -> str | None:
            page = arm.get("/consular/consultations?lang=en")
            for ref, body in re.findall(r'<section class="consultation" id="consultation-'
                                        r'([^"]+)"(.*?)</section>', page.text, re.DOTALL):
                if question in html.unescape(body):
                    assert number in body  # the application it is about
                    return str(ref)
            return None

        wait_until(lambda: asked_of_arm() is not None, what="GEO's consultation reached ARM")
        ref = asked_of_arm()
        assert ref is not None and ref.startswith("GEO-")
        answered = _post_form(arm, "/consular/consultations",
                              f"/consular/consultations/{ref}/answer", opinion="negative",
                              reasons="an entry ban in Armenia until 2030")  # fmt: skip
        assert answered.status_code == 303, answered.text[-2000:]
        page = arm.get("/consular/consultations?lang=en")
        mine = page.text.split(f'id="consultation-{ref}"', 1)[1].split("</section>", 1)[0]
        assert "negative: objects: an entry ban in Armenia until 2030" in mine

    with signed_in(nodes["GEO"].server, consul["GEO"], "/consular") as geo:
        def opinion() -> str:
            return _consultations_row(geo.get(f"{application}?lang=en"))

        wait_until(lambda: "negative: objects" in opinion(), what="ARM's answer reached GEO")
        assert "an entry ban in Armenia until 2030" in opinion()
        in_russian = _consultations_row(geo.get(f"{application}?lang=ru"))
        assert "an entry ban in Armenia until 2030" in in_russian
        assert "negative: objects" not in in_russian  # the opinion's words are translated
