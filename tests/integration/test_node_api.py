"""The node's HTTP API over real HTTP: ``cta serve`` in a subprocess, on SQLite and PostgreSQL.

One server per database for the module (starting one takes seconds); every test makes its own
travellers (fresh passport numbers), so tests do not see each other's records.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from sqlalchemy import create_engine, select

from cta.adapters.storage import tables as t
from cta.domain.roles import Role
from tests.integration.node_server import (
    BOTH_DATABASES,
    NodeServer,
    add_user,
    cli_add_user,
    module_database,
    node_today,
    passport,
)

NOW = datetime.now(UTC).replace(microsecond=0)
TBILISI = ZoneInfo("Asia/Tbilisi")


@dataclass
class Api:
    server: NodeServer
    database_url: str
    tokens: dict[Role, str]

    def as_(self, role: Role, purpose: str | None = "integration test") -> httpx.Client:
        return self.server.client(self.tokens[role], purpose)


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """A running node on a fresh database, and a token for each role."""
    workdir = tmp_path_factory.mktemp(f"api-{request.param}")
    with module_database(request, workdir) as url:
        tokens = {role: add_user(url, f"{role.value}.01", role) for role in Role}
        with NodeServer(url, workdir) as server:
            yield Api(server, url, tokens)


def record(api: Api, mrz: list[str], direction: str = "entry", **fields: Any) -> httpx.Response:
    body = {"mrz": mrz, "crossing_point": "GEO-TBS", "direction": direction, **fields}
    with api.as_(Role.BORDER_OFFICER) as client:
        return client.post("/v1/crossings", json=body)


def recorded(api: Api, mrz: list[str], direction: str = "entry", **fields: Any) -> dict[str, Any]:
    response = record(api, mrz, direction, **fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


def file_of(api: Api, person_id: int) -> dict[str, Any]:
    with api.as_(Role.BORDER_OFFICER) as client:
        response = client.get(f"/v1/persons/{person_id}")
    assert response.status_code == 200, response.text
    return dict(response.json())


def ago(days: int) -> str:
    """Noon at Tbilisi airport, ``days`` days ago there."""
    return datetime.combine(node_today() - timedelta(days=days), time(12), TBILISI).isoformat()


PROTECTED = [
    ("POST", "/v1/checks"),
    ("POST", "/v1/crossings"),
    ("POST", "/v1/refusals"),
    ("GET", "/v1/persons/1"),
    ("GET", "/v1/persons/1/stay"),
    ("GET", "/v1/persons/1/export"),
    ("GET", "/v1/overstayers"),
    ("GET", "/v1/audit"),
    ("POST", "/v1/retention/purge"),
    ("GET", "/v1/statistics?from=2026-01-01&to=2026-12-31"),
    ("POST", "/v1/crossings/1/correction"),
    ("POST", "/v1/visas"),
    ("POST", "/v1/authorizations"),
    ("POST", "/v1/visas/1/revocation"),
]


# -- authentication and roles ------------------------------------------------------------------


def test_the_health_endpoint_answers_without_a_token(api: Api) -> None:
    with api.server.client() as client:
        response = client.get("/v1/health")
    assert response.json() == {"status": "ok", "state": "GEO", "database": "ok",
                               "screening": "ok", "mail": {"queued": 0, "failing": 0}}


@pytest.mark.parametrize(("method", "path"), PROTECTED)
def test_every_other_endpoint_needs_a_bearer_token(api: Api, method: str, path: str) -> None:
    with api.server.client() as client:
        response = client.request(method, path, json={})
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_an_unknown_token_is_unauthorized(api: Api) -> None:
    with api.server.client("not-a-token") as client:
        response = client.get("/v1/audit")
    assert response.status_code == 401


FORBIDDEN = [
    (Role.ANALYST, "GET", "/v1/persons/{p}"),
    (Role.ANALYST, "GET", "/v1/persons/{p}/stay"),
    (Role.ANALYST, "GET", "/v1/persons/{p}/export"),
    (Role.ANALYST, "GET", "/v1/overstayers"),
    (Role.ANALYST, "GET", "/v1/audit"),
    (Role.ANALYST, "POST", "/v1/checks"),
    (Role.ANALYST, "POST", "/v1/crossings"),
    (Role.AUDITOR, "GET", "/v1/persons/{p}"),
    (Role.AUDITOR, "GET", "/v1/overstayers"),
    (Role.AUDITOR, "POST", "/v1/crossings"),
    (Role.AUDITOR, "POST", "/v1/refusals"),
    (Role.BORDER_OFFICER, "GET", "/v1/persons/{p}/export"),
    (Role.BORDER_OFFICER, "GET", "/v1/audit"),
    (Role.BORDER_OFFICER, "POST", "/v1/retention/purge"),
    (Role.CONSULAR_OFFICER, "POST", "/v1/crossings"),
    (Role.ADMIN, "POST", "/v1/crossings"),
    (Role.ADMIN, "GET", "/v1/audit"),
]


@pytest.mark.parametrize(
    ("role", "method", "path"), FORBIDDEN, ids=[f"{r}-{m}-{p}" for r, m, p in FORBIDDEN]
)
def test_a_role_without_the_permission_gets_403_and_no_personal_data(
    api: Api, role: Role, method: str, path: str
) -> None:
    person = recorded(api, passport("GEO"))["person_id"]
    body = {"mrz": passport("GEO"), "crossing_point": "GEO-TBS", "direction": "entry"}
    if path.endswith("refusals"):
        del body["direction"]
    with api.as_(role) as client:
        response = client.request(method, path.format(p=person), json=body)
    assert response.status_code == 403, response.text
    assert "TESTER" not in response.text


def test_a_token_made_by_cta_users_add_works_and_only_its_hash_is_stored(api: Api) -> None:
    name = f"officer.{uuid.uuid4().hex[:8]}"
    token = cli_add_user(api.database_url, name, Role.BORDER_OFFICER)
    with api.server.client(token) as client:
        assert client.get("/v1/overstayers").status_code == 200
    engine = create_engine(api.database_url)
    try:
        with engine.connect() as connection:
            stored = connection.execute(
                select(t.users.c.token_hash).where(t.users.c.name == name)
            ).scalar_one()
    finally:
        engine.dispose()
    assert stored == hashlib.sha256(token.encode()).hexdigest()
    assert token not in stored


# -- bad input and unknown persons ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"crossing_point": "tbilisi airport"}, "body.crossing_point"),
        ({"direction": "sideways"}, "body.direction"),
        ({"mrz": ["ONLY ONE LINE"]}, "body.mrz"),
        ({"occurred_at": "2026-01-01T10:00:00"}, "body.occurred_at"),
        ({"person_id": 0}, "body.person_id"),
        ({"colour": "blue"}, "body.colour"),
    ],
)
def test_bad_input_is_422_naming_the_field(api: Api, change: dict[str, Any], field: str) -> None:
    body = {"mrz": passport("GEO"), "crossing_point": "GEO-TBS", "direction": "entry", **change}
    with api.as_(Role.BORDER_OFFICER) as client:
        response = client.post("/v1/crossings", json=body)
    assert response.status_code == 422
    assert field in [problem["field"] for problem in response.json()["detail"]]


def test_an_unknown_crossing_point_is_422_naming_the_field(api: Api) -> None:
    response = record(api, passport("GEO"), crossing_point="GEO-NOWHERE")
    assert response.status_code == 422
    assert "crossing_point" in response.json()["detail"]


def test_a_crossing_in_the_future_is_422(api: Api) -> None:
    response = record(api, passport("GEO"), occurred_at=(NOW + timedelta(days=1)).isoformat())
    assert response.status_code == 422
    assert "occurred_at" in response.json()["detail"]


@pytest.mark.parametrize("path", ["/v1/persons/{p}", "/v1/persons/{p}/stay"])
def test_an_unknown_person_is_404(api: Api, path: str) -> None:
    with api.as_(Role.BORDER_OFFICER) as client:
        response = client.get(path.format(p=2**40))
    assert response.status_code == 404


def test_the_export_of_an_unknown_person_is_404(api: Api) -> None:
    with api.as_(Role.ADMIN) as client:
        assert client.get(f"/v1/persons/{2**40}/export").status_code == 404


# -- checks and records --------------------------------------------------------------------------


def test_a_member_national_is_admitted_and_the_check_stores_no_record(api: Api) -> None:
    mrz = passport("GEO")
    body = {"mrz": mrz, "crossing_point": "GEO-TBS", "direction": "entry"}
    with api.as_(Role.BORDER_OFFICER) as client:
        response = client.post("/v1/checks", json=body)
    assert response.status_code == 200
    assert response.json()["decision"] == "admit"
    assert response.json()["person_id"] is None


def test_a_check_decides_over_the_stored_history(api: Api) -> None:
    mrz = passport("USA")
    recorded(api, mrz, occurred_at=ago(100), override_reason="authorisation seen on paper")
    body = {"mrz": mrz, "crossing_point": "GEO-TBS", "direction": "exit"}
    with api.as_(Role.BORDER_OFFICER) as client:
        answer = client.post("/v1/checks", json=body).json()
    assert answer["person_id"] is not None
    assert answer["overstay_days"] == 11


def test_an_entry_the_check_refused_is_409_without_an_override_reason(api: Api) -> None:
    mrz = passport("USA")
    response = record(api, mrz)
    assert response.status_code == 409
    assert "override_reason" in response.json()["detail"]
    admitted = recorded(api, mrz, override_reason="travel authorisation checked by phone")
    crossing = file_of(api, admitted["person_id"])["crossings"][0]
    assert crossing["override_reason"] == "travel authorisation checked by phone"


def test_an_entry_and_an_exit_are_recorded_in_the_traveller_file(api: Api) -> None:
    mrz = passport("AZE")
    first = recorded(api, mrz, occurred_at=ago(3))
    second = recorded(api, mrz, "exit")
    assert first["person_id"] == second["person_id"]
    crossings = file_of(api, first["person_id"])["crossings"]
    assert [c["direction"] for c in crossings] == ["entry", "exit"]


def test_a_refusal_is_recorded_with_its_reasons(api: Api) -> None:
    body = {"mrz": passport("USA"), "crossing_point": "GEO-TBS"}
    with api.as_(Role.BORDER_OFFICER) as client:
        response = client.post("/v1/refusals", json=body)
    assert response.status_code == 201
    refusals = file_of(api, response.json()["person_id"])["refusals"]
    assert "C" in [r["code"] for r in refusals[0]["reasons"]]


def test_a_refusal_needs_a_ground_the_officers_letters_or_the_checks(api: Api) -> None:
    """A traveller the check admits was refused with no ground at all (``reasons: []``)."""
    body = {"mrz": passport("GEO"), "crossing_point": "GEO-TBS"}  # a member national: admit
    with api.as_(Role.BORDER_OFFICER) as client:
        bare = client.post("/v1/refusals", json=body)
        ticked = client.post("/v1/refusals", json=body | {"reasons": ["I", "E"]})
        unknown = client.post("/v1/refusals", json=body | {"reasons": ["Z"]})
    assert bare.status_code == 409, bare.text
    assert "no ground to refuse entry (it decided admit)" in bare.json()["detail"]
    assert ticked.status_code == 201, ticked.text
    assert [r["code"] for r in ticked.json()["reasons_recorded"]] == ["E", "I"]  # form order
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["field"] == "body.reasons.0"


def test_a_refusal_is_corrected_then_withdrawn_through_the_api(api: Api) -> None:
    body = {"mrz": passport("USA"), "crossing_point": "GEO-TBS"}
    with api.as_(Role.BORDER_OFFICER) as client:
        refused = client.post("/v1/refusals", json=body).json()
        path = f"/v1/refusals/{refused['id']}/correction"
        fixed = client.post(path, json={"reason": "G ticked as well", "reasons": ["G", "C"]})
        vague = client.post(path, json={"reason": "x", "withdraw": "yes"})
        gone = client.post(path, json={"reason": "recorded in error", "withdraw": True})
        again = client.post(path, json={"reason": "recorded in error", "withdraw": True})
    assert fixed.status_code == 200, fixed.text
    assert [r["code"] for r in fixed.json()["reasons"]] == ["C", "G"]
    assert vague.status_code == 422
    assert gone.status_code == 200 and gone.json()["withdrawn"] is True
    assert again.status_code == 404
    assert file_of(api, refused["person_id"])["refusals"] == []


def test_a_retried_post_with_the_same_idempotency_key_records_once(api: Api) -> None:
    body = {"mrz": passport("GEO"), "crossing_point": "GEO-TBS", "direction": "entry"}
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    with api.as_(Role.BORDER_OFFICER) as client:
        first = client.post("/v1/crossings", json=body, headers=headers)
        again = client.post("/v1/crossings", json=body, headers=headers)
        other = client.post("/v1/crossings", json={**body, "direction": "exit"}, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert other.status_code == 409
    assert len(file_of(api, first.json()["person_id"])["crossings"]) == 1


def test_a_retried_refusal_with_the_same_idempotency_key_records_once(api: Api) -> None:
    body = {"mrz": passport("USA"), "crossing_point": "GEO-TBS"}
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    with api.as_(Role.BORDER_OFFICER) as client:
        first = client.post("/v1/refusals", json=body, headers=headers)
        again = client.post("/v1/refusals", json=body, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert len(file_of(api, first.json()["person_id"])["refusals"]) == 1


def test_a_check_confirming_a_person_who_is_not_on_the_node_is_404(api: Api) -> None:
    body = {"mrz": passport("GEO"), "crossing_point": "GEO-TBS", "direction": "entry",
            "person_id": 2**40}  # fmt: skip
    with api.as_(Role.BORDER_OFFICER) as client:
        assert client.post("/v1/checks", json=body).status_code == 404


def test_the_stay_status_on_a_date_counts_the_days_used(api: Api) -> None:
    person = recorded(api, passport("USA"), occurred_at=ago(9), override_reason="x")["person_id"]
    with api.as_(Role.BORDER_OFFICER) as client:
        status = client.get(f"/v1/persons/{person}/stay", params={"on": node_today().isoformat()})
    assert status.status_code == 200
    assert status.json()["days_used"] == 10
    assert status.json()["inside"] is True


def test_the_stay_status_without_a_date_is_for_today_at_the_crossing_point(api: Api) -> None:
    # Tbilisi is UTC+4: from 20:00 UTC on, today there is tomorrow in UTC.
    person = recorded(api, passport("USA"), override_reason="x")["person_id"]
    with api.as_(Role.BORDER_OFFICER) as client:
        status = client.get(f"/v1/persons/{person}/stay").json()
    assert status["on"] == datetime.now(TBILISI).date().isoformat()
    assert status["inside"] is True
    assert status["days_used"] == 1


# -- lists, audit and export ---------------------------------------------------------------------


def _overstayer_pages(api: Api, on: str) -> Iterator[list[int]]:
    after = 0
    with api.as_(Role.BORDER_OFFICER) as client:
        while True:
            page = client.get("/v1/overstayers", params={"on": on, "after": after, "limit": 2})
            assert page.status_code == 200, page.text
            yield [item["person_id"] for item in page.json()["items"]]
            if page.json()["next_after"] is None:
                return
            after = page.json()["next_after"]


def test_overstayers_are_listed_page_by_page(api: Api) -> None:
    mine = [
        recorded(api, passport("USA"), occurred_at=ago(120), override_reason="x")["person_id"]
        for _ in range(3)
    ]
    pages = list(_overstayer_pages(api, node_today().isoformat()))
    seen = [person for page in pages for person in page]
    assert all(len(page) <= 2 for page in pages)
    assert len(seen) == len(set(seen))
    assert set(mine) <= set(seen)


def test_the_audit_log_says_who_read_what_when_and_why(api: Api) -> None:
    person = recorded(api, passport("GEO"))["person_id"]
    with api.as_(Role.BORDER_OFFICER, purpose="secondary inspection 42") as client:
        assert client.get(f"/v1/persons/{person}").status_code == 200
    entries = []
    after = 0
    with api.as_(Role.AUDITOR) as client:
        while after is not None:
            page = client.get("/v1/audit", params={"after": after, "limit": 50}).json()
            entries += page["items"]
            after = page["next_after"]
    mine = [e for e in entries if e["person_id"] == person]
    assert [e["action"] for e in mine] == ["record entry", "read traveller file"]
    read = mine[1]
    assert (read["user_name"], read["role"]) == ("border_officer.01", "border_officer")
    assert read["purpose"] == "secondary inspection 42"
    assert read["at"]


def test_the_subject_access_export_lists_the_reads_and_their_purposes(api: Api) -> None:
    person = recorded(api, passport("ARM"))["person_id"]
    with api.as_(Role.BORDER_OFFICER, purpose="visa overstay enquiry") as client:
        client.get(f"/v1/persons/{person}/stay")
    with api.as_(Role.ADMIN, purpose="subject access request 7") as client:
        export = client.get(f"/v1/persons/{person}/export")
    assert export.status_code == 200
    assert export.json()["person"]["id"] == person
    purposes = [e["purpose"] for e in export.json()["audit"]]
    assert "visa overstay enquiry" in purposes


def test_the_retention_purge_runs_for_an_admin(api: Api) -> None:
    with api.as_(Role.ADMIN) as client:
        response = client.post("/v1/retention/purge")
    assert response.status_code == 200
    assert response.json()["deleted"] >= 0


def test_the_openapi_document_is_served(api: Api, tmp_path: Path) -> None:
    with api.server.client() as client:
        paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/crossings", "/v1/persons/{person_id}", "/v1/audit"} <= set(paths)


# -- edges the fuzzer may miss -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"occurred_at": "0001-01-01T00:00:00+14:00"}, "body.occurred_at"),
        ({"occurred_at": "1850-01-01T00:00:00+00:00"}, "body.occurred_at"),
        ({"override_reason": "seen\u0000by phone"}, "body.override_reason"),
        ({"mrz": ["P<GEO\u0000", "X" * 44]}, "body.mrz.0"),
    ],
    ids=["year-1", "year-1850", "nul-in-reason", "nul-in-mrz"],
)
def test_a_date_outside_the_calendar_or_a_nul_character_is_422_not_a_server_error(
    api: Api, change: dict[str, Any], field: str
) -> None:
    body = {"mrz": passport("USA"), "override_reason": "x", **change}
    response = record(api, **body)
    assert response.status_code == 422, response.text
    assert field in [problem["field"] for problem in response.json()["detail"]]


def test_a_nul_character_inside_a_well_formed_mrz_is_422_not_a_server_error(api: Api) -> None:
    mrz = passport("USA", surname="NULMAN")
    mrz[0] = mrz[0].replace("NULMAN", "NUL\u0000AN")
    response = record(api, mrz=mrz, override_reason="x")
    assert response.status_code == 422, response.text


def test_a_planned_exit_at_the_end_of_the_calendar_is_never_a_server_error(api: Api) -> None:
    response = record(api, mrz=passport("USA"), override_reason="x", planned_exit="9999-12-31")
    assert response.status_code < 500, response.text



def test_an_analyst_reads_counts_per_crossing_point_and_never_a_person(api: Api) -> None:
    for n in range(6):
        recorded(api, passport("GEO", surname=f"COUNTED{'ABCDEF'[n]}", number=f"ST{n:07d}"),
                 occurred_at=ago(2))  # fmt: skip
    day = (node_today() - timedelta(days=2)).isoformat()
    with api.as_(Role.ANALYST) as client:
        response = client.get("/v1/statistics", params={"from": day, "to": day,
                                                         "by": "crossing_point"})  # fmt: skip
    assert response.status_code == 200, response.text
    groups = response.json()["groups"]
    assert groups[0]["crossing_point"] == "GEO-TBS"
    assert groups[0]["entries"] >= 6
    assert "COUNTED" not in response.text


def test_a_border_officer_may_not_read_statistics(api: Api) -> None:
    with api.as_(Role.BORDER_OFFICER) as client:
        response = client.get("/v1/statistics", params={"from": "2026-01-01", "to": "2026-02-01"})
    assert response.status_code == 403


# -- corrections, visas and authorisations -----------------------------------------------------


def visa_body(mrz: list[str], **change: Any) -> dict[str, Any]:
    today = node_today()
    return {"mrz": mrz, "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=90)).isoformat(), "duration_days": 30, **change}


def test_a_crossing_is_corrected_or_withdrawn_by_a_border_officer(api: Api) -> None:
    mrz = passport("USA", number=uuid.uuid4().hex[:9].upper())
    entered = record(api, mrz, occurred_at=(NOW - timedelta(days=10)).isoformat(),
                     override_reason="test").json()  # fmt: skip
    path = f"/v1/crossings/{entered['id']}/correction"
    with api.as_(Role.CONSULAR_OFFICER) as client:
        assert client.post(path, json={"reason": "x"}).status_code == 403
    with api.as_(Role.BORDER_OFFICER) as client:
        missing = client.post(path, json={"occurred_at": NOW.isoformat()})
        assert missing.status_code == 422 and "reason" in missing.text
        assert client.post("/v1/crossings/999999999/correction",
                           json={"reason": "x"}).status_code == 404  # fmt: skip
        corrected = client.post(path, json={"reason": "wrong day",
                                            "occurred_at": (NOW - timedelta(days=12)).isoformat()})
        assert corrected.status_code == 200, corrected.text
        assert corrected.json()["local_date"] == (NOW - timedelta(days=12)).astimezone(
            TBILISI).date().isoformat()
        withdrawn = client.post(path, json={"reason": "recorded in error", "withdraw": True})
    assert withdrawn.json() == {"id": entered["id"], "withdrawn": True,
                                "person_id": entered["person_id"]}  # fmt: skip
    assert file_of(api, entered["person_id"])["crossings"] == []


def test_a_visa_is_issued_once_per_idempotency_key_and_admits_its_holder(api: Api) -> None:
    mrz = passport("IND", number=uuid.uuid4().hex[:9].upper())
    check = {"mrz": mrz, "crossing_point": "GEO-TBS", "direction": "entry"}
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    with api.as_(Role.BORDER_OFFICER) as officer:
        assert officer.post("/v1/checks", json=check).json()["decision"] == "refuse"
        assert officer.post("/v1/visas", json=visa_body(mrz)).status_code == 403
    with api.as_(Role.CONSULAR_OFFICER) as consul:
        first = consul.post("/v1/visas", json=visa_body(mrz), headers=headers)
        again = consul.post("/v1/visas", json=visa_body(mrz), headers=headers)
    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json() and first.json()["issued_by"] == "GEO"
    assert len(file_of(api, first.json()["person_id"])["visas"]) == 1
    with api.as_(Role.BORDER_OFFICER) as officer:
        assert officer.post("/v1/checks", json=check).json()["decision"] == "admit"
    with api.as_(Role.CONSULAR_OFFICER) as consul:
        path = f"/v1/visas/{first.json()['id']}/revocation"
        assert consul.post(path, json={"reason": "revoked"}).status_code == 200
        assert consul.post(path, json={"reason": "again"}).status_code == 404
    with api.as_(Role.BORDER_OFFICER) as officer:
        assert officer.post("/v1/checks", json=check).json()["decision"] == "refuse"


@pytest.mark.parametrize(("change", "field"), [
    ({"duration_days": 0}, "duration_days"),
    ({"valid_to": "2026-02-30"}, "valid_to"),
    ({"entries": -1}, "entries"),
    ({"valid_to": "1999-01-01"}, "valid_to"),
    ({"duration_days": 200}, "duration_days"),
    ({"colour": "red"}, "colour"),
])  # fmt: skip
def test_a_bad_visa_request_is_422_naming_the_field(
    api: Api, change: dict[str, Any], field: str
) -> None:
    with api.as_(Role.CONSULAR_OFFICER) as consul:
        response = consul.post("/v1/visas", json=visa_body(passport("IND"), **change))
    assert response.status_code == 422 and field in response.text, response.text


@pytest.mark.parametrize("path", ["/v1/authorizations", "/v1/visas"])
def test_a_member_national_is_issued_no_permit(api: Api, path: str) -> None:
    body = {"mrz": passport("AZE", number=uuid.uuid4().hex[:9].upper()),
            "valid_from": node_today().isoformat(),
            "valid_to": (node_today() + timedelta(days=90)).isoformat()}  # fmt: skip
    if path == "/v1/visas":
        body["duration_days"] = 30
    with api.as_(Role.CONSULAR_OFFICER) as consul:
        refused = consul.post(path, json=body)
    assert refused.status_code == 422, refused.text
    assert "a national of AZE, a member state, moves freely" in refused.json()["detail"]


def test_an_authorisation_is_issued_and_revoked(api: Api) -> None:
    mrz = passport("USA", number=uuid.uuid4().hex[:9].upper())
    body = {"mrz": mrz, "valid_from": node_today().isoformat(),
            "valid_to": (node_today() + timedelta(days=1000)).isoformat()}  # fmt: skip
    with api.as_(Role.CONSULAR_OFFICER) as consul:
        issued = consul.post("/v1/authorizations", json=body)
        assert issued.status_code == 201 and issued.json()["kind"] == "authorization"
        assert consul.post(f"/v1/authorizations/{issued.json()['id']}/revocation",
                           json={"reason": "revoked"}).json()["revoked"] is True  # fmt: skip

