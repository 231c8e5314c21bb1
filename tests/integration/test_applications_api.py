"""Applications for the travel authorisation and the common visa through a real ``cta serve``
(issue 12), on SQLite and on PostgreSQL: the applicant's side, the automatic decision, the
consular queue, and the border check that sees a granted authorisation."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select

from cta.adapters.storage import tables as t
from cta.domain.roles import Role

from .node_server import (
    BOTH_DATABASES,
    NodeServer,
    add_user,
    module_database,
    node_today,
    passport,
)

NO = {"convictions": False, "conflict_zones": False, "removal_orders": False}


@dataclass
class Api:
    server: NodeServer
    database_url: str
    tokens: dict[Role, str]

    def as_(self, role: Role) -> httpx.Client:
        return self.server.client(self.tokens[role], "consular examination")

    def public(self) -> httpx.Client:
        return self.server.client(None, None)


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    workdir = tmp_path_factory.mktemp(f"applications-{request.param}")
    with module_database(request, workdir) as url:
        tokens = {role: add_user(url, f"{role.value}.01", role) for role in Role}
        # the module submits far more than an applicant would (the limit: test_client_limits)
        many = {"CTA_APPLICATIONS_PER_MINUTE": "100000"}
        with NodeServer(url, workdir, env=many) as server:
            yield Api(server, url, tokens)


def someone(nationality: str = "USA", **fields: Any) -> list[str]:
    """The passport of an applicant no other test has (the identity weighs: surname, birth
    date, nationality)."""
    surname = "".join(chr(ord("A") + int(c, 16)) for c in uuid.uuid4().hex[:8])
    return passport(nationality, surname=surname, **fields)


def form(nationality: str = "USA", mrz: list[str] | None = None, **change: Any) -> dict[str, Any]:
    return {"kind": "authorization", "mrz": mrz or someone(nationality),
            "email": "applicant@example.org", "phone": "+1 555 0100",
            "address": "1 Main Street, Springfield", "birth_place": "Springfield",
            "occupation": "teacher", "first_state": "GEO", "language": "en",
            "answers": NO} | change  # fmt: skip


def visa_form(nationality: str = "AFG", **change: Any) -> dict[str, Any]:
    start = node_today() + timedelta(days=30)
    return form(nationality, kind="visa", purpose="tourism", arrival=start.isoformat(),
                departure=(start + timedelta(days=14)).isoformat(), entries="1",
                duration_days=15, accommodation="Hotel Rustaveli, Tbilisi",
                means_of_subsistence="bank statement", travel_medical_insurance=True) | change


def submit(api: Api, body: dict[str, Any], key: str | None = None) -> httpx.Response:
    with api.public() as client:
        return client.post("/v1/applications", json=body,
                           headers={"Idempotency-Key": key or uuid.uuid4().hex})


def submitted(api: Api, body: dict[str, Any]) -> dict[str, Any]:
    response = submit(api, body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def status_of(api: Api, number: str, code: str) -> httpx.Response:
    with api.public() as client:
        return client.get(f"/v1/applications/{number}", headers={"X-Access-Code": code})


def officer(api: Api, number: str, step: str, body: dict[str, Any] | None = None,
            role: Role = Role.CONSULAR_OFFICER) -> httpx.Response:  # fmt: skip
    with api.as_(role) as client:
        return client.post(f"/v1/applications/{number}/{step}", json=body)


def file_of(api: Api, number: str) -> dict[str, Any]:
    with api.as_(Role.CONSULAR_OFFICER) as client:
        response = client.get(f"/v1/applications/{number}/file")
    assert response.status_code == 200, response.text
    return dict(response.json())


def border_check(api: Api, mrz: list[str]) -> dict[str, Any]:
    with api.server.client(api.tokens[Role.BORDER_OFFICER], "border control") as client:
        response = client.post("/v1/checks", json={"mrz": mrz, "crossing_point": "GEO-TBS",
                                                   "direction": "entry"})  # fmt: skip
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_visa_exempt_applicant_is_granted_at_once_and_admitted_at_the_border(api: Api) -> None:
    mrz = someone("USA", expiry_date=node_today() + timedelta(days=400))
    assert border_check(api, mrz)["decision"] == "refuse"  # no authorisation yet
    answer = submitted(api, form(mrz=mrz))
    assert answer["status"] == "granted"
    assert len(answer["access_code"]) >= 32  # 192 random bits
    shown = status_of(api, answer["number"], answer["access_code"])
    assert shown.status_code == 200
    body = shown.json()
    assert body["status"] == "granted" and body["kind"] == "authorization"
    decision = body["decision"]
    assert decision["outcome"] == "granted" and decision["decided_by"] == "GEO"
    # valid until the passport expires, sooner than three years
    assert decision["valid_to"] == (node_today() + timedelta(days=400)).isoformat()
    assert border_check(api, mrz)["decision"] == "admit"


def test_a_yes_answer_goes_to_the_queue_where_an_officer_claims_and_grants(api: Api) -> None:
    mrz = someone("CHN")
    answer = submitted(api, form(mrz=mrz, answers=NO | {"conflict_zones": True}))
    number = answer["number"]
    assert answer["status"] == "manual"
    with api.as_(Role.CONSULAR_OFFICER) as client:
        queue = client.get("/v1/applications/queue").json()["items"]
    mine = next(item for item in queue if item["number"] == number)
    assert [r["code"] for r in mine["reasons"]] == ["answer"]
    assert "conflict zone" in mine["reasons"][0]["message"]
    deadlines = [item["deadline"] for item in queue]
    assert deadlines == sorted(deadlines)  # the oldest deadline first
    assert officer(api, number, "decision", {"outcome": "granted"}).status_code == 409
    assert officer(api, number, "claim").json()["claimed_by"] == "consular_officer.01"
    decided = officer(api, number, "decision", {"outcome": "granted"})
    assert decided.status_code == 200, decided.text
    assert status_of(api, number, answer["access_code"]).json()["status"] == "granted"
    assert border_check(api, mrz)["decision"] == "admit"
    history = [step["action"] for step in file_of(api, number)["history"]]
    assert history == ["submitted", "queued for a consular officer", "claimed", "granted"]


def test_a_refusal_gives_its_grounds_and_weighs_in_the_next_application(api: Api) -> None:
    mrz = someone("JPN")
    first = submitted(api, form(mrz=mrz, answers=NO | {"convictions": True}))
    officer(api, first["number"], "claim")
    refused = officer(api, first["number"], "decision",
                      {"outcome": "refused", "reasons": ["security_risk"]})
    assert refused.status_code == 200, refused.text
    shown = status_of(api, first["number"], first["access_code"]).json()
    assert shown["status"] == "refused"
    assert shown["decision"]["reasons"][0]["code"] == "security_risk"
    assert shown["decision"]["decided_by"] == "GEO"
    again = submitted(api, form(mrz=mrz))  # the same passport, all answers no
    assert again["status"] == "manual"
    reasons = file_of(api, again["number"])["review"]
    assert any(r["code"] == "past_application" and first["number"] in r["message"]
               for r in reasons)  # fmt: skip


def test_a_refusal_names_only_standard_grounds(api: Api) -> None:
    number = submitted(api, form(answers=NO | {"removal_orders": True}))["number"]
    officer(api, number, "claim")
    response = officer(api, number, "decision", {"outcome": "refused", "reasons": ["dislike"]})
    assert response.status_code == 422
    assert "reasons" in response.json()["detail"]


def test_a_wrong_code_and_an_unknown_number_get_the_same_answer(api: Api) -> None:
    answer = submitted(api, form())
    wrong = status_of(api, answer["number"], "not-the-code")
    unknown = status_of(api, "GEO-000000000000", answer["access_code"])
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert wrong.content == unknown.content


def test_only_the_access_codes_hash_is_kept(api: Api) -> None:
    answer = submitted(api, form())
    engine = create_engine(api.database_url)
    try:
        with engine.connect() as connection:
            row = connection.execute(select(t.applications).where(
                t.applications.c.number == answer["number"])).one()  # fmt: skip
    finally:
        engine.dispose()
    assert row.access_hash == hashlib.sha256(answer["access_code"].encode()).hexdigest()
    assert answer["access_code"] not in str(tuple(row))


@pytest.mark.parametrize(("change", "field"), [
    ({"email": "not an address"}, "body.email"),
    ({"answers": {"convictions": False}}, "body.answers.conflict_zones"),
    ({"first_state": "FRA"}, "body.first_state"),
    ({"kind": "visa"}, "body.purpose"),
    ({"purpose": "tourism"}, "body.purpose"),
    ({"colour": "blue"}, "body.colour"),
    ({"answers": {"convictions": "no", "conflict_zones": False, "removal_orders": False}},
     "body.answers.convictions"),  # not read as false
    ({"kind": "visa", **visa_form(), "arrival": "9999-12-30", "departure": "9999-12-31"},
     "body.arrival"),  # a grant from these dates ran past the calendar: 500
    ({"kind": "visa", **visa_form(), "duration_days": "30"}, "body.duration_days"),
    ({"address": "\u200b"}, "body.address"),  # invisible only: says nothing (sweep B6.2)
    ({"occupation": "..."}, "body.occupation"),
])  # fmt: skip
def test_bad_input_is_422_naming_the_field(api: Api, change: dict[str, Any], field: str) -> None:
    response = submit(api, form() | change)
    assert response.status_code == 422, response.text
    assert field in [p["field"] for p in response.json()["detail"]]


@pytest.mark.parametrize(("change", "words"), [
    ({"other_nationalities": ["FRA", "ZZZ"]}, "other_nationalities[1]: 'ZZZ' is not an ICAO"),
    ({"residence_country": "ZZZ"}, "residence_country: 'ZZZ' is not an ICAO 9303 country code"),
    ({"kind": "visa", **visa_form(), "arrival": "2020-01-01", "departure": "2020-01-05"},
     "arrival: 2020-01-01 is in the past"),  # sweep B6.3: filed, and never grantable
])  # fmt: skip
def test_a_country_code_no_country_has_is_refused(
    api: Api, change: dict[str, Any], words: str
) -> None:
    response = submit(api, form() | change)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(words)


def test_an_address_mail_cannot_reach_is_refused_naming_email(api: Api) -> None:
    response = submit(api, form(email="ä@ö.de"))
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("email: 'ä@ö.de' is not an address")


@pytest.mark.parametrize(("body", "words"), [
    (visa_form("USA"), "kind: visa is not the route for nationality USA"),
    (form("AFG"), "kind: authorization is not the route for nationality AFG"),
    (form("ARM"), "member nationals move freely"),
    (form(first_state="AZE"), "first_state"),
    (form(mrz=["P<USAEXPIRED", "123"]), "mrz"),
])  # fmt: skip
def test_a_wrong_route_or_document_is_422_naming_it(api: Api, body: dict[str, Any],
                                                     words: str) -> None:  # fmt: skip
    response = submit(api, body)
    assert response.status_code == 422, response.text
    assert words in response.json()["detail"]


def test_an_application_without_an_idempotency_key_is_422(api: Api) -> None:
    with api.public() as client:
        response = client.post("/v1/applications", json=form())
    assert response.status_code == 422
    assert "header.Idempotency-Key" in [p["field"] for p in response.json()["detail"]]


def test_a_replayed_submission_gets_the_first_answer(api: Api) -> None:
    body, key = form(), uuid.uuid4().hex
    first = submit(api, body, key)
    again = submit(api, body, key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    other = submit(api, form(), key)
    assert other.status_code == 409


def test_without_trusted_proxies_a_forged_forwarded_address_is_not_the_client(api: Api) -> None:
    """The node trusts no proxy here (nor does uvicorn, which trusted 127.0.0.1 by default):
    the same key from the same peer replays, whatever X-Forwarded-For claims."""
    body, key = form(), uuid.uuid4().hex
    answers = []
    for forged in ("198.51.100.1", "198.51.100.2"):
        with api.public() as client:
            answers.append(client.post("/v1/applications", json=body, headers={
                "Idempotency-Key": key, "X-Forwarded-For": forged}))  # fmt: skip
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].json()["number"] == answers[1].json()["number"]


def test_an_alert_on_the_applicant_sends_the_application_to_the_queue(api: Api) -> None:
    alert = {"category": "refuse_entry", "names": ["Walter White"], "birth_date": "1960-09-07",
             "nationalities": ["USA"], "sex": "M"}  # fmt: skip
    with api.server.client(api.tokens[Role.ADMIN], "alert management") as client:
        assert client.put("/v1/alerts/GEO-APP-1", json=alert).status_code == 200
    mrz = passport("USA", surname="WHITE", given_names="WALTER", birth_date=date(1960, 9, 7))
    answer = submitted(api, form(mrz=mrz))
    assert answer["status"] == "manual"
    reasons = file_of(api, answer["number"])["review"]
    assert any(r["code"] == "alert_hit" and "GEO-APP-1" in r["message"] for r in reasons)


def test_a_screening_rule_match_sends_the_application_to_the_queue(api: Api) -> None:
    answer = submitted(api, form(occupation="Arms dealer"))
    assert answer["status"] == "manual"
    reasons = file_of(api, answer["number"])["review"]
    assert [r["code"] for r in reasons] == ["screening_rule"]
    assert "draft-arms-trade" in reasons[0]["message"]


def test_a_visa_application_always_goes_to_an_officer(api: Api) -> None:
    answer = submitted(api, visa_form())
    assert answer["status"] == "manual"
    officer(api, answer["number"], "claim")
    decided = officer(api, answer["number"], "decision",
                      {"outcome": "granted", "territorial_validity": ["GEO"]})
    assert decided.status_code == 200, decided.text
    decision = decided.json()["decision"]
    assert decision["territorial_validity"] == ["GEO"]
    assert decision["valid_from"] == (node_today() + timedelta(days=30)).isoformat()


def test_an_authorisation_may_be_granted_for_some_states_only(api: Api) -> None:
    """ETIAS Art. 44: the limited validity is stored with the authorisation (its record
    carries it to the peers, whose checks refuse it: test_federation_area); a check here, in
    a state it names, admits. Every member named is the whole area: no limit is kept."""
    for states, kept in ((["GEO", "ARM"], ["ARM", "GEO"]), (["AZE", "ARM", "GEO"], None)):
        mrz = someone()
        answer = submitted(api, form(mrz=mrz, answers=NO | {"convictions": True}))
        officer(api, answer["number"], "claim")
        decided = officer(api, answer["number"], "decision",
                          {"outcome": "granted", "territorial_validity": states})
        assert decided.status_code == 200, decided.text
        assert decided.json()["decision"]["territorial_validity"] == kept
        check = border_check(api, mrz)
        assert check["decision"] == "admit", check
        with api.as_(Role.BORDER_OFFICER) as client:
            file = client.get(f"/v1/persons/{check['person_id']}").json()
        assert [a["territorial_validity"] for a in file["authorizations"]] == [kept]


def test_a_request_for_information_and_its_answer_extend_the_deadline(api: Api) -> None:
    answer = submitted(api, visa_form())
    number, code = answer["number"], answer["access_code"]
    before = datetime.fromisoformat(status_of(api, number, code).json()["deadline"])
    officer(api, number, "claim")
    asked = officer(api, number, "information-request",
                    {"questions": "Please send your hotel booking."})
    assert asked.status_code == 200, asked.text
    shown = status_of(api, number, code).json()
    assert shown["status"] == "information_requested"
    assert shown["information_requested"] == "Please send your hotel booking."
    assert datetime.fromisoformat(shown["deadline"]) - before == timedelta(days=14)
    with api.public() as client:
        wrong = client.post(f"/v1/applications/{number}/information",
                            headers={"X-Access-Code": "wrong"}, json={"answer": "x"})
        assert wrong.status_code == 404
        given = client.post(f"/v1/applications/{number}/information",
                            headers={"X-Access-Code": code},
                            json={"answer": "Booking 123 at Hotel Rustaveli"})
    assert given.status_code == 200, given.text
    assert given.json()["status"] == "manual"
    invited = officer(api, number, "interview", {"at": "2027-01-10T10:00:00+04:00",
                                                 "place": "consulate in Kabul"})
    assert datetime.fromisoformat(invited.json()["deadline"]) - before == timedelta(days=44)
    history = [step["action"] for step in file_of(api, number)["history"]]
    assert history[-3:] == ["information requested", "information given",
                            "invited to an interview"]


def test_a_granted_authorisation_is_revoked_and_no_longer_admits(api: Api) -> None:
    mrz = someone("USA")
    answer = submitted(api, form(mrz=mrz))
    assert border_check(api, mrz)["decision"] == "admit"
    assert officer(api, answer["number"], "revocation", {"reasons": []}).status_code == 422
    revoked = officer(api, answer["number"], "revocation",
                      {"reasons": ["the passport was reported stolen"]})
    assert revoked.status_code == 200, revoked.text
    assert status_of(api, answer["number"], answer["access_code"]).json()["status"] == "revoked"
    assert border_check(api, mrz)["decision"] == "refuse"


def test_an_appeal_allowed_sends_a_refusal_back_to_the_queue(api: Api) -> None:
    number = submitted(api, form(answers=NO | {"convictions": True}))["number"]
    officer(api, number, "claim")
    officer(api, number, "decision", {"outcome": "refused", "reasons": ["doubts"]})
    assert officer(api, number, "appeal-outcome", {"outcome": "allowed"}).status_code == 409
    assert officer(api, number, "appeal", {"grounds": "new evidence"}).status_code == 200
    allowed = officer(api, number, "appeal-outcome", {"outcome": "allowed"})
    assert allowed.status_code == 200, allowed.text
    assert allowed.json()["status"] == "manual"


def test_only_consular_officers_work_the_queue(api: Api) -> None:
    with api.as_(Role.BORDER_OFFICER) as client:
        assert client.get("/v1/applications/queue").status_code == 403
    with api.server.client(None, None) as client:
        assert client.get("/v1/applications/queue").status_code == 401


def test_the_queue_figures_count_waiting_overdue_and_the_median_time(api: Api) -> None:
    submitted(api, form(answers=NO | {"convictions": True}))
    assert submitted(api, form())["status"] == "granted"  # decided: a time to decision
    with api.as_(Role.CONSULAR_OFFICER) as client:
        figures = client.get("/v1/applications/queue/figures").json()
    assert figures["waiting"] >= 1 and figures["overdue"] == 0
    assert figures["decided"] >= 1 and figures["median_hours_to_decision"] is not None


def test_retention_deletes_a_refusal_after_five_years_and_keeps_a_recent_one(api: Api) -> None:
    number = submitted(api, form(answers=NO | {"convictions": True}))["number"]
    officer(api, number, "claim")
    officer(api, number, "decision", {"outcome": "refused", "reasons": ["security_risk"]})
    with api.server.client(api.tokens[Role.ADMIN], "retention") as client:
        assert client.post("/v1/applications/purge").json()["deleted"] == 0
    engine = create_engine(api.database_url)
    try:
        with engine.begin() as connection:  # the refusal, decided six years ago
            connection.execute(t.applications.update().where(
                t.applications.c.number == number).values(
                decided_at=datetime.now().astimezone() - timedelta(days=6 * 365)))  # fmt: skip
    finally:
        engine.dispose()
    with api.server.client(api.tokens[Role.ADMIN], "retention") as client:
        assert client.post("/v1/applications/purge").json()["deleted"] == 1
    with api.as_(Role.CONSULAR_OFFICER) as client:
        assert client.get(f"/v1/applications/{number}/file").status_code == 404


def test_an_application_past_its_deadline_is_flagged_and_counted_overdue(api: Api) -> None:
    number = submitted(api, form(answers=NO | {"conflict_zones": True}))["number"]
    engine = create_engine(api.database_url)
    try:
        with engine.begin() as connection:  # submitted five days ago: 96 hours have passed
            connection.execute(t.applications.update().where(
                t.applications.c.number == number).values(
                deadline=datetime.now().astimezone() - timedelta(hours=24)))  # fmt: skip
    finally:
        engine.dispose()
    with api.as_(Role.CONSULAR_OFFICER) as client:
        queue = client.get("/v1/applications/queue").json()["items"]
        figures = client.get("/v1/applications/queue/figures").json()
    assert queue[0]["number"] == number and queue[0]["overdue"] is True
    assert figures["overdue"] == 1


def test_the_applicants_and_the_officers_steps_are_audited_with_their_purpose(api: Api) -> None:
    answer = submitted(api, form(answers=NO | {"convictions": True}))
    number = answer["number"]
    with api.public() as client:
        client.get(f"/v1/applications/{number}", headers={"X-Access-Code": answer["access_code"]})
    officer(api, number, "claim")
    file_of(api, number)
    with api.server.client(api.tokens[Role.AUDITOR], "audit") as client:
        entries = client.get("/v1/audit", params={"limit": 1000}).json()["items"]
    mine = [(e["user_name"], e["action"], e["purpose"]) for e in entries
            if (e.get("detail") or {}).get("number") == number]  # fmt: skip
    assert ("applicant", "submit application", "the applicant's own application") in mine
    assert ("consular_officer.01", "claim application", "consular examination") in mine
    assert ("consular_officer.01", "read application file", "consular examination") in mine


def test_an_applicant_reading_too_fast_is_refused_with_429(api: Api) -> None:
    """The last test of the module: it uses up this client address's allowance."""
    answer = submitted(api, form())
    codes = []
    with api.public() as client:
        for _ in range(80):
            response = client.get(f"/v1/applications/{answer['number']}",
                                  headers={"X-Access-Code": "guess"})  # fmt: skip
            codes.append(response.status_code)
            if response.status_code == 429:
                assert int(response.headers["Retry-After"]) >= 1
                break
    assert codes[-1] == 429 and set(codes[:-1]) == {404}


def test_a_default_grant_whose_form_dates_are_too_far_apart_names_them_not_valid_to(
    api: Api,
) -> None:
    """The sweep's C6: the officer sent no valid_to, but was told "valid_to: a permit is valid
    10 years at most"; the validity came from the application's arrival and departure."""
    start = node_today() + timedelta(days=1)
    body = visa_form(arrival=start.isoformat(),
                     departure=(start + timedelta(days=11 * 366)).isoformat())  # fmt: skip
    number = submitted(api, body)["number"]
    officer(api, number, "claim")
    decided = officer(api, number, "decision", {"outcome": "granted"})
    assert decided.status_code == 422, decided.text
    assert decided.json()["detail"].startswith(
        f"the validity comes from the application's arrival {body['arrival']} and departure "
        f"{body['departure']}, and a permit is valid 10 years at most")
