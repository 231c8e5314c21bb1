"""The traveller's self-service pages over real HTTP from a real ``cta serve`` (issue 13), on
SQLite and on PostgreSQL: applying step by step (the route from the nationality, the
passport's fields or its MRZ, the errors naming each field, "check your answers", a double
submit that is one application), following the application to its decision and answering a
request for information, "My days" with nothing leaked for an unknown document, the
allowances per client, and no code or number ever in an address or a cache."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from cta.adapters.storage import tables as t
from cta.domain.roles import Role
from tests.integration.node_server import (
    BOTH_DATABASES,
    NodeServer,
    add_user,
    module_database,
    node_today,
    passport,
)

PAGES = ["/traveller", "/traveller/apply", "/traveller/status", "/traveller/days",
         "/traveller/apply?lang=ru", "/traveller/days?lang=ka"]  # fmt: skip
_HIDDEN = re.compile(r'<input type="hidden" name="([^"]+)" value="([^"]*)">')


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def node(request: pytest.FixtureRequest,
         tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:  # fmt: skip
    workdir = tmp_path_factory.mktemp(f"traveller-{request.param}")
    many = {"CTA_APPLICATIONS_PER_MINUTE": "1000", "CTA_APPLICATION_READS_PER_MINUTE": "1000"}
    with module_database(request, workdir) as url, NodeServer(url, workdir, env=many) as server:
        yield server


def rows(node: NodeServer, query: Any) -> list[Any]:
    """What the query finds in the node's database (read directly, beside the node)."""
    engine = create_engine(node.database_url)
    try:
        with engine.connect() as db:
            return list(db.execute(query).all())
    finally:
        engine.dispose()


def hidden(page: httpx.Response) -> dict[str, str]:
    """The hidden fields of the page's form (the token, the step, the answers so far)."""
    return {name: html.unescape(value) for name, value in _HIDDEN.findall(page.text)}


def send(client: httpx.Client, page: httpx.Response, path: str, **fields: str) -> httpx.Response:
    return client.post(path, data=hidden(page) | fields)


def errors_of(page: httpx.Response) -> list[str]:
    """The fields the error summary links to."""
    summary = re.search(r'id="error-summary".*?</ul>', page.text, re.DOTALL)
    return re.findall(r'href="#([^"]+)"', summary.group(0)) if summary else []


def surname() -> str:
    return "".join(chr(ord("A") + int(c, 16)) for c in uuid.uuid4().hex[:8])


CONTACT = {"email": "anna@example.org", "phone": "+1 555 0100", "address": "1 Main Street",
           "birth_place": "Springfield", "occupation": "teacher",
           "parents_first_names": "Maria, John", "education": "university"}  # fmt: skip
NO = {"convictions": "no", "conflict_zones": "no", "removal_orders": "no"}


def apply(client: httpx.Client, nationality: str, document: dict[str, str],
          questions: dict[str, str] = NO, journey: dict[str, str] | None = None,
          lang: str = "en") -> httpx.Response:  # fmt: skip
    """Every step of the form, answered; the "check your answers" page."""
    page = client.get(f"/traveller/apply?lang={lang}")
    for fields in ({"nationality": nationality}, document, CONTACT, questions, journey):
        if fields is None:
            continue
        page = send(client, page, "/traveller/apply", action="continue", **fields)
        assert page.status_code == 200 and not errors_of(page), (fields, errors_of(page))
        ids = re.findall(r'\sid="([^"]+)"', page.text)
        assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert 'id="answers"' in page.text  # check your answers
    return page


def fields_of(nationality: str, name: str, number: str) -> dict[str, str]:
    expiry = node_today() + timedelta(days=900)
    return {"surname": name, "given_names": "Anna Maria", "document_number": number,
            "birth_date": "17.05.1990", "sex": "F", "expiry_date": expiry.isoformat()}


def done(page: httpx.Response) -> tuple[str, str]:
    number = re.search(r'id="application-number">([^<]+)<', page.text)
    code = re.search(r'id="access-code">([^<]+)<', page.text)
    assert number and code, page.text[:2000]
    return number.group(1), html.unescape(code.group(1))


def status(client: httpx.Client, number: str, code: str) -> httpx.Response:
    form = client.get("/traveller/status")
    return send(client, form, "/traveller/status", number=number, code=code, action="show")


def test_every_page_is_strict_and_never_cached(node: NodeServer) -> None:
    with node.client(purpose=None) as client:
        for path in PAGES:
            page = client.get(path)
            assert page.status_code == 200, path
            assert page.headers["cache-control"] == "no-store", path
            assert len(page.content) < 200_000, path  # the budget of every page
            assert page.headers["referrer-policy"] == "same-origin"
            assert "unsafe" not in page.headers["content-security-policy"]
            # no inline script or style (the CSP would block it); a script is a file of ours
            assert not re.search(r"<script(?![^>]*\ssrc=\"/static/)|<style|\sstyle=|\son\w+=",
                                 page.text), path  # fmt: skip
            for form in re.findall(r"<form[^>]*>", page.text):
                assert 'method="post"' in form, (path, form)  # nothing typed goes in an address
        start = client.get("/").text
        assert 'href="/traveller"' in start
        index = client.get("/traveller?lang=hy")
        for link in ("/traveller/stay", "/traveller/apply", "/traveller/status", "/traveller/days"):
            assert f'href="{link}"' in index.text
        assert index.headers["content-language"] == "hy"


def test_an_authorisation_applied_for_step_by_step_is_granted_and_followed(
    node: NodeServer,
) -> None:
    name = surname()
    with node.client(purpose=None) as client:
        check = apply(client, "USA", fields_of("USA", name, "C1" + uuid.uuid4().hex[:7].upper()))
        assert name in check.text and "anna@example.org" in check.text
        other_names = re.search(r'id="row-other_names">(.*?)</div>', check.text, re.DOTALL)
        assert other_names and "Not given" in other_names.group(1)  # an optional field left out
        sent = send(client, check, "/traveller/apply", action="continue")
        assert sent.status_code == 200, sent.text[:3000]
        number, code = done(sent)
        assert number.startswith("GEO-") and len(code) >= 32
        again = send(client, check, "/traveller/apply", action="continue")  # a double submit
        assert done(again) == (number, code)
        assert str(sent.url).endswith("/traveller/apply") and code not in str(sent.url)

        shown = status(client, number, code)
        assert shown.status_code == 200
        assert 'id="application-status"' in shown.text and "granted" in shown.text
        today = node_today()
        assert re.search(r'id="valid-from">[^<]+<', shown.text)
        assert re.search(r'id="valid-to">[^<]+<', shown.text)
        assert str(today.year + 3) in shown.text or str(today.year + 2) in shown.text
        assert shown.headers["cache-control"] == "no-store"

        wrong = status(client, number, code[:-2] + "xx")
        unknown = status(client, "GEO-000000000000", code)
        assert wrong.status_code == unknown.status_code == 404
        assert errors_of(wrong) == errors_of(unknown) == ["number"]
        assert wrong.text.replace(number, "N") == unknown.text.replace("GEO-000000000000", "N")
    kinds = rows(node, select(t.applications.c.kind, t.applications.c.status)
                 .where(t.applications.c.number == number))  # fmt: skip
    assert kinds == [("authorization", "granted")]  # one application for two submits


def test_the_route_follows_the_nationality(node: NodeServer) -> None:
    with node.client(purpose=None) as client:
        first = client.get("/traveller/apply")
        member = send(client, first, "/traveller/apply", nationality="ARM", action="continue")
        assert 'id="nothing-to-apply"' in member.text and "member state" in member.text
        visa = send(client, first, "/traveller/apply", nationality="AFG", action="continue")
        assert "you need a visa" in visa.text
        authorisation = send(client, first, "/traveller/apply", nationality="USA",
                             action="continue")  # fmt: skip
        assert "you need a travel authorisation" in authorisation.text
        assert "step 2 of 5" in authorisation.text and "step 2 of 6" in visa.text


def test_a_visa_application_asks_for_the_journey_and_waits_for_an_officer(
    node: NodeServer,
) -> None:
    arrival = node_today() + timedelta(days=30)
    journey = {"purpose": "tourism", "arrival": arrival.isoformat(),
               "departure": (arrival + timedelta(days=10)).isoformat(), "entries": "1",
               "duration_days": "11", "accommodation": "Hotel Rustaveli, Tbilisi",
               "means_of_subsistence": "savings", "travel_medical_insurance": "yes"}  # fmt: skip
    mrz = passport("AFG", surname=surname(), expiry_date=node_today() + timedelta(days=900))
    with node.client(purpose=None) as client:
        check = apply(client, "AFG", {"mrz_typed": "\n".join(mrz)}, journey=journey)
        assert "Hotel Rustaveli" in check.text and 'id="change-arrival"' in check.text
        number, code = done(send(client, check, "/traveller/apply", action="continue"))
        shown = status(client, number, code)
    assert "A consular officer is examining your application." in shown.text
    assert 'id="deadline"' in shown.text
    token = add_user(node.database_url, f"consul.{uuid.uuid4().hex[:6]}", Role.CONSULAR_OFFICER)
    with node.client(token, "consular examination") as officer:
        assert officer.post(f"/v1/applications/{number}/claim").status_code == 200
        granted = officer.post(f"/v1/applications/{number}/decision",
                               json={"outcome": "granted"})  # fmt: skip
        assert granted.status_code == 200, granted.text
    with node.client(purpose=None) as client:
        shown = status(client, number, code)
    assert "Your application is granted." in shown.text
    assert re.search(r'id="duration">11<', shown.text) and re.search(r'id="entries">One<',
                                                                       shown.text)


def test_each_step_names_its_fields_in_error(node: NodeServer) -> None:
    with node.client(purpose=None) as client:
        first = client.get("/traveller/apply")
        none = send(client, first, "/traveller/apply", nationality="", action="continue")
        assert none.status_code == 422 and errors_of(none) == ["nationality"]
        document = send(client, first, "/traveller/apply", nationality="USA", action="continue")
        bad = send(client, document, "/traveller/apply", mrz_typed="P<USATESTER<<ANNA\n123",
                   action="continue")  # fmt: skip
        assert bad.status_code == 422 and errors_of(bad) == ["mrz_typed"]
        empty = send(client, document, "/traveller/apply", action="continue", surname="",
                     document_number="", birth_date="31.02.1990", expiry_date="2000-01-01")
        assert errors_of(empty) == ["surname", "document_number", "birth_date", "sex-F",
                                    "expiry_date"]  # fmt: skip
        other = passport("CAN", surname=surname())
        wrong = send(client, document, "/traveller/apply", mrz_typed="\n".join(other),
                     action="continue")  # fmt: skip
        assert errors_of(wrong) == ["mrz_typed"] and "nationality" in wrong.text
        contact = send(client, document, "/traveller/apply", action="continue",
                       **fields_of("USA", surname(), "D12345678"))  # fmt: skip
        assert 'id="email"' in contact.text
        wrong_contact = send(client, contact, "/traveller/apply", action="continue",
                             email="not-an-address", phone="x", address="", birth_place="",
                             occupation="", other_names="A, " * 11,
                             parents_first_names="A, B, C")  # fmt: skip
        assert errors_of(wrong_contact) == ["email", "phone", "address", "birth_place",
                                            "occupation", "other_names",
                                            "parents_first_names"]  # fmt: skip
        questions = send(client, contact, "/traveller/apply", action="continue", **CONTACT)
        unanswered = send(client, questions, "/traveller/apply", action="continue")
        assert errors_of(unanswered) == ["convictions-yes", "conflict_zones-yes",
                                         "removal_orders-yes"]  # fmt: skip
        back = send(client, questions, "/traveller/apply", action="back")
        assert 'value="anna@example.org"' in back.text  # the answers come back


def test_a_tampered_form_is_refused_with_a_page_not_an_error(node: NodeServer) -> None:
    with node.client(purpose=None) as client:
        check = apply(client, "USA", fields_of("USA", surname(), "J12345678"))
        seen = []
        for change in ({"mrz": "P<USA NOT<AN<MRZ"}, {"email": "x" * 3000},
                       {"step": "journey", "duration_days": "many"}, {"nationality": "ZZZ"},
                       {"step": "nowhere"}, {"key": ""}, {"action": "change-nowhere"}):
            answer = client.post("/traveller/apply",
                                 data=hidden(check) | {"action": "continue"} | change)
            seen.append((answer.status_code, 'class="error-summary"' in answer.text))
        # the first four refused with the check page's error; an unknown step starts from the
        # nationality, a lost key gets a new one, an unknown change is a plain continue
        assert seen == [(422, True)] * 4 + [(200, False), (200, False), (200, False)]
        forged = client.post("/traveller/apply", data={"step": "check", "action": "continue"})
        assert forged.status_code == 403  # no form token
        days = client.post("/traveller/days", data={"csrf_token": hidden(check)["csrf_token"],
                                                    "birth": "x" * 5000})  # fmt: skip
        assert days.status_code == 422


def test_a_change_from_check_your_answers_returns_to_it(node: NodeServer) -> None:
    with node.client(purpose=None) as client:
        check = apply(client, "USA", fields_of("USA", surname(), "E12345678"))
        change = send(client, check, "/traveller/apply", action="change-contact")
        assert 'id="email"' in change.text and 'name="back_to_check"' in change.text
        back = send(client, change, "/traveller/apply", action="continue",
                    **(CONTACT | {"email": "maria@example.org"}))  # fmt: skip
        assert 'id="answers"' in back.text and "maria@example.org" in back.text


def test_the_traveller_answers_a_request_for_information(node: NodeServer) -> None:
    token = add_user(node.database_url, f"consul.{uuid.uuid4().hex[:6]}", Role.CONSULAR_OFFICER)
    yes = NO | {"convictions": "yes"}  # a person examines it
    with node.client(purpose=None) as client:
        check = apply(client, "USA", fields_of("USA", surname(), "F12345678"), questions=yes,
                      lang="ka")  # fmt: skip
        number, code = done(send(client, check, "/traveller/apply", action="continue"))
    with node.client(token, "consular examination") as officer:
        assert officer.post(f"/v1/applications/{number}/claim").status_code == 200
        asked = officer.post(f"/v1/applications/{number}/information-request",
                             json={"questions": "Which court, and when?"})  # fmt: skip
        assert asked.status_code == 200, asked.text
    with node.client(purpose=None) as client:
        shown = status(client, number, code)
        assert "Which court, and when?" in shown.text and 'id="answer-form"' in shown.text
        empty = send(client, shown, "/traveller/status", action="answer", answer="")
        assert empty.status_code == 422 and errors_of(empty) == ["answer"]
        sent = send(client, shown, "/traveller/status", action="answer",
                    answer="Tbilisi city court, 2019: a fine.")  # fmt: skip
        assert 'id="answered"' in sent.text and 'id="answer-form"' not in sent.text
    with node.client(token, "consular examination") as officer:
        file = officer.get(f"/v1/applications/{number}/file").json()
        assert file["status"] == "manual"
        assert file["form"]["_answers"][0]["text"] == "Tbilisi city court, 2019: a fine."
        assert file["form"]["parents_first_names"] == ["Maria", "John"]
        assert file["form"]["education"] == "university" and file["form"]["other_names"] == []
        refused = officer.post(f"/v1/applications/{number}/decision",
                               json={"outcome": "refused", "reasons": ["doubts"]})
        assert refused.status_code == 200, refused.text
    with node.client(purpose=None) as client:
        shown = status(client, number, code)
    assert "Your application is refused." in shown.text
    assert "There are reasonable and serious doubts" in shown.text
    assert 'id="appeal"' in shown.text and "courts of Georgia" in shown.text


def _days(client: httpx.Client, **fields: str) -> httpx.Response:
    form = client.get("/traveller/days")
    return send(client, form, "/traveller/days", action="show", **fields)


def _result(page: httpx.Response) -> str:
    found = re.search(r'<section class="result".*?</section>', page.text, re.DOTALL)
    assert found, page.text[:2000]
    return found.group(0)


def test_my_days_shows_the_recorded_days_and_nothing_of_an_unknown_document(
    node: NodeServer,
) -> None:
    token = add_user(node.database_url, f"border.{uuid.uuid4().hex[:6]}", Role.BORDER_OFFICER)
    number = "G" + uuid.uuid4().hex[:8].upper()
    mrz = passport("USA", surname=surname(), number=number, birth_date=date(1985, 3, 9))
    with node.client(purpose=None) as client:
        before = _days(client, document_number=number, nationality="USA", birth="1985-03-09")
        check = apply(client, "USA", {"mrz_typed": "\n".join(mrz)})  # authorised first
        done(send(client, check, "/traveller/apply", action="continue"))
    with node.client(token, "border control") as officer:
        entered = officer.post("/v1/crossings", json={"mrz": mrz, "crossing_point": "GEO-TBS",
                                                      "direction": "entry"})  # fmt: skip
        assert entered.status_code == 201, entered.text
    with node.client(purpose=None) as client:
        mine = _days(client, document_number=number, nationality="USA", birth="09.03.1985")
        wrong_birth = _days(client, document_number=number, nationality="USA",
                            birth="1985-03-10")  # fmt: skip
        unknown = _days(client, document_number="Z99999999", nationality="USA",
                        birth="1985-03-10")  # fmt: skip
        invalid = _days(client, document_number="", nationality="QQQ", birth="1985-02-30")
    assert re.search(r'id="days-used">1 of 90<', _result(mine))
    assert re.search(r'id="days-used">0 of 90<', _result(before))
    assert _result(wrong_birth) == _result(unknown) == _result(before)  # nothing leaks
    assert invalid.status_code == 422
    assert errors_of(invalid) == ["document_number", "nationality", "birth"]
    audited = rows(node, select(t.audit_log.c.user_name, t.audit_log.c.person_id,
                                t.audit_log.c.purpose)
                   .where(t.audit_log.c.action == "read own days"))  # fmt: skip
    assert len(audited) >= 4
    assert {row.purpose for row in audited} == {"traveller's own days"}
    assert sum(row.person_id is not None for row in audited) >= 1


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeServer]:
    """A node whose clients may send 2 applications and open 3 a minute."""
    workdir = tmp_path_factory.mktemp("traveller-limits")
    few = {"CTA_APPLICATIONS_PER_MINUTE": "2", "CTA_APPLICATION_READS_PER_MINUTE": "3"}
    with NodeServer(f"sqlite:///{workdir / 'node.sqlite'}", workdir, env=few) as server:
        yield server


def test_the_allowances_per_client_apply_to_the_pages(strict: NodeServer) -> None:
    with strict.client(purpose=None) as client:
        answers: list[Any] = []
        for _ in range(3):
            check = apply(client, "USA", fields_of("USA", surname(), "H12345678"))
            answers.append(send(client, check, "/traveller/apply", action="continue"))
        assert [a.status_code for a in answers] == [200, 200, 429]
        assert "too many" in answers[2].text
        seen = [status(client, "GEO-000000000000", "x").status_code for _ in range(4)]
        assert seen == [404, 404, 404, 429]
        days = [_days(client, document_number="A1", nationality="USA",
                      birth="1990-01-01").status_code for _ in range(4)]  # fmt: skip
        assert days == [200, 200, 200, 429]  # an allowance of its own


def test_dates_out_of_the_calendar_and_other_digits_are_named_as_such(node: NodeServer) -> None:
    arrival = node_today() + timedelta(days=30)
    journey = {"purpose": "tourism", "arrival": arrival.isoformat(),
               "departure": (arrival + timedelta(days=10)).isoformat(), "entries": "1",
               "duration_days": "11", "accommodation": "Hotel Rustaveli, Tbilisi",
               "means_of_subsistence": "savings", "travel_medical_insurance": "yes"}  # fmt: skip
    name = surname()
    mrz = passport("AFG", surname=name, expiry_date=node_today() + timedelta(days=900))
    with node.client(purpose=None) as client:
        page = client.get("/traveller/apply")
        for fields in ({"nationality": "AFG"}, {"mrz_typed": "\n".join(mrz)}, CONTACT, NO):
            page = send(client, page, "/traveller/apply", action="continue", **fields)
        assert 'id="departure"' in page.text  # the journey
        late = send(client, page, "/traveller/apply", action="continue",
                    **(journey | {"departure": "9999-12-31"}))  # fmt: skip
        assert late.status_code == 422 and errors_of(late) == ["departure"]
        assert "between the years 1900 and 2999" in late.text
        assert "on or after the arrival date" not in late.text
        digit = send(client, page, "/traveller/apply", action="continue",
                     **(journey | {"duration_days": "²"}))  # fmt: skip
        assert digit.status_code == 422 and errors_of(digit) == ["duration_days"]
        check = send(client, page, "/traveller/apply", action="continue", **journey)
        assert 'id="answers"' in check.text
        tampered = client.post("/traveller/apply", data=hidden(check) | {
            "action": "continue", "duration_days": "²"})  # a hidden answer changed
        assert tampered.status_code == 422 and 'class="error-summary"' in tampered.text
        future = _days(client, document_number="A1", nationality="USA", birth="2999-12-31")
        assert future.status_code == 422 and errors_of(future) == ["birth"]
        assert "cannot be after today" in future.text
        far = _days(client, document_number="A1", nationality="USA", birth="9999-12-31")
        assert far.status_code == 422 and "between the years 1900 and 2999" in far.text
        for action in ("show", "answer"):  # a NUL: PostgreSQL cannot even look it up
            nul = send(client, client.get("/traveller/status"), "/traveller/status",
                       number="GEO-\x00", code="x\x00", action=action, answer="mine")
            assert nul.status_code == 404 and errors_of(nul) == ["number"]
    assert not rows(node, select(t.applications.c.number).where(t.applications.c.surname == name))
