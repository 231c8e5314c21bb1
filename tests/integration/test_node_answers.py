"""What users see in the node's answers (issue 11, section 5), over real HTTP on SQLite and
PostgreSQL: a visa admits an authorisation national, the traveller file says who overstays
today, an exit with no entry before it is named, every time is RFC 3339 with its offset, and
errors a new user meets say what is expected."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from cta.domain.roles import Role
from tests.integration.node_server import (
    BOTH_DATABASES,
    NodeServer,
    add_user,
    module_database,
    node_today,
    passport,
)

NOW = datetime.now(UTC).replace(microsecond=0)
TBILISI = ZoneInfo("Asia/Tbilisi")
PURPOSE = "border control test"


@dataclass
class Api:
    server: NodeServer
    tokens: dict[Role, str]

    def as_(self, role: Role) -> httpx.Client:
        return self.server.client(self.tokens[role], PURPOSE)


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def api(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    workdir = tmp_path_factory.mktemp(f"answers-{request.param}")
    with module_database(request, workdir) as url:
        tokens = {role: add_user(url, f"{role.value}.01", role) for role in Role}
        with NodeServer(url, workdir) as server:
            yield Api(server, tokens)


def number() -> str:
    return uuid.uuid4().hex[:9].upper()


def ago(days: int) -> str:
    """Noon at Tbilisi airport, ``days`` days ago there."""
    return datetime.combine(node_today() - timedelta(days=days), time(12), TBILISI).isoformat()


def crossing(mrz: list[str], direction: str = "entry", **fields: Any) -> dict[str, Any]:
    return {"mrz": mrz, "crossing_point": "GEO-TBS", "direction": direction, **fields}


def post(api: Api, role: Role, path: str, body: Any, status: int = 201) -> dict[str, Any]:
    with api.as_(role) as client:
        response = client.post(path, json=body)
    assert response.status_code == status, response.text
    return dict(response.json())


def get(api: Api, role: Role, path: str, **params: Any) -> Any:
    with api.as_(role) as client:
        response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    return response.json()


# -- a common visa admits a nationality that needs only an authorisation -----------------------


def test_a_visa_admits_a_national_who_needs_an_authorisation(api: Api) -> None:
    mrz = passport("USA", number=number())
    check = crossing(mrz)
    refused = post(api, Role.BORDER_OFFICER, "/v1/checks", check, 200)
    assert refused["category"] == "authorization" and refused["decision"] == "refuse"
    visa = {"mrz": mrz, "valid_from": node_today().isoformat(),
            "valid_to": (node_today() + timedelta(days=90)).isoformat(), "duration_days": 30}
    post(api, Role.CONSULAR_OFFICER, "/v1/visas", visa)
    admitted = post(api, Role.BORDER_OFFICER, "/v1/checks", check, 200)
    assert admitted["decision"] == "admit", admitted["reasons"]
    assert admitted["latest_exit"] == (node_today() + timedelta(days=29)).isoformat()


# -- the traveller file says who is over their limit today ------------------------------------


def test_the_traveller_file_shows_overstayed_when_inside_and_over_the_limit(api: Api) -> None:
    over = post(api, Role.BORDER_OFFICER, "/v1/crossings",
                crossing(passport("IND", number=number()), occurred_at=ago(100),
                         override_reason="test"))  # fmt: skip
    within = post(api, Role.BORDER_OFFICER, "/v1/crossings",
                  crossing(passport("IND", number=number()), occurred_at=ago(10),
                           override_reason="test"))  # fmt: skip
    listed = {i["person_id"] for i in get(api, Role.BORDER_OFFICER, "/v1/overstayers",
                                          limit=500)["items"]}  # fmt: skip
    assert over["person_id"] in listed and within["person_id"] not in listed
    over_file = get(api, Role.BORDER_OFFICER, f"/v1/persons/{over['person_id']}")
    within_file = get(api, Role.BORDER_OFFICER, f"/v1/persons/{within['person_id']}")
    assert over_file["person"]["overstayed"] is True
    assert within_file["person"]["overstayed"] is False


# -- an exit with no entry before it is named --------------------------------------------------


def test_a_second_exit_with_no_entry_between_names_the_anomaly(api: Api) -> None:
    mrz = passport("GEO", number=number())
    entry = post(api, Role.BORDER_OFFICER, "/v1/crossings", crossing(mrz, occurred_at=ago(3)))
    first = post(api, Role.BORDER_OFFICER, "/v1/crossings",
                 crossing(mrz, "exit", occurred_at=ago(2)))  # fmt: skip
    assert entry["anomalies"] == [] and first["anomalies"] == []
    check = post(api, Role.BORDER_OFFICER, "/v1/checks", crossing(mrz, "exit"), 200)
    assert any("no entry recorded" in a for a in check["anomalies"]), check["anomalies"]
    second = post(api, Role.BORDER_OFFICER, "/v1/crossings", crossing(mrz, "exit"))
    assert [a["code"] for a in second["anomalies"]] == ["exit_without_entry"]
    assert "no entry recorded" in second["anomalies"][0]["message"]
    again = post(api, Role.BORDER_OFFICER, "/v1/crossings", crossing(mrz))
    assert again["anomalies"] == []


def test_an_entry_while_inside_names_the_missing_exit(api: Api) -> None:
    mrz = passport("GEO", number=number())
    post(api, Role.BORDER_OFFICER, "/v1/crossings", crossing(mrz, occurred_at=ago(3)))
    second = post(api, Role.BORDER_OFFICER, "/v1/crossings", crossing(mrz))
    assert [a["code"] for a in second["anomalies"]] == ["entry_without_exit"]


# -- every time in every answer is RFC 3339 with its offset -----------------------------------

LOOKS_LIKE_A_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")


def times_in(value: Any, where: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from times_in(item, f"{where}.{key}")
    elif isinstance(value, list):
        for n, item in enumerate(value):
            yield from times_in(item, f"{where}[{n}]")
    elif isinstance(value, str) and LOOKS_LIKE_A_TIME.match(value):
        yield where, value


def test_every_time_in_every_answer_is_rfc3339_with_its_offset(api: Api) -> None:
    """A realistic session: checks, crossings, a correction, permits, an alert, reads of the
    file, export, audit, overstayers; every value that looks like a time parses as RFC 3339
    with an offset."""
    answers: list[tuple[str, Any]] = []

    def call(role: Role, method: str, path: str, body: Any = None, **params: Any) -> Any:
        with api.as_(role) as client:
            response = client.request(method, path, json=body, params=params or None)
        assert response.status_code < 300, (path, response.text)
        answers.append((f"{method} {path}", response.json()))
        return response.json()

    officer, consul, admin = Role.BORDER_OFFICER, Role.CONSULAR_OFFICER, Role.ADMIN
    mrz = passport("USA", number=number(), surname="TIMEKEEPER")
    call(officer, "POST", "/v1/checks", crossing(mrz))
    call(consul, "POST", "/v1/authorizations", {
        "mrz": mrz, "valid_from": node_today().isoformat(),
        "valid_to": (node_today() + timedelta(days=400)).isoformat()})  # fmt: skip
    call(consul, "POST", "/v1/visas", {
        "mrz": mrz, "valid_from": node_today().isoformat(),
        "valid_to": (node_today() + timedelta(days=90)).isoformat(),
        "duration_days": 30})  # fmt: skip
    entered = call(officer, "POST", "/v1/crossings", crossing(mrz, occurred_at=ago(100),
                                                             override_reason="test"))
    person = entered["person_id"]
    call(officer, "POST", f"/v1/crossings/{entered['id']}/correction",
         {"reason": "wrong time", "occurred_at": ago(99)})  # fmt: skip
    call(officer, "POST", "/v1/crossings", crossing(mrz, "exit", occurred_at=ago(1)))
    call(officer, "POST", "/v1/crossings", crossing(mrz, "exit"))
    call(officer, "POST", "/v1/refusals", {"mrz": passport("AFG", number=number()),
                                           "crossing_point": "GEO-TBS"})
    alert_id = f"GEO-T-{number()}"
    call(admin, "PUT", f"/v1/alerts/{alert_id}", {
        "category": "specific_check", "names": ["Anna Timekeeper"], "birth_date": "1990-05-17",
        "nationalities": ["USA"], "action": "ask for the return ticket"})  # fmt: skip
    call(admin, "GET", f"/v1/alerts/{alert_id}")
    call(admin, "GET", "/v1/alerts")
    call(officer, "POST", "/v1/checks", crossing(mrz))
    call(officer, "POST", "/v1/alert-hits", {"mrz": mrz, "alert_id": alert_id,
                                             "decision": "dismissed", "reason": "not her"})
    call(officer, "POST", "/v1/checks", crossing(mrz))
    call(officer, "POST", "/v1/screenings", {"surname": "TIMEKEEPER", "nationality": "USA"})
    call(admin, "DELETE", f"/v1/alerts/{alert_id}")
    call(officer, "GET", f"/v1/persons/{person}")
    call(officer, "GET", f"/v1/persons/{person}/stay")
    call(admin, "GET", f"/v1/persons/{person}/export")
    call(officer, "GET", "/v1/overstayers")
    call(Role.AUDITOR, "GET", "/v1/audit", limit=1000)
    call(Role.ANALYST, "GET", "/v1/statistics", **{"from": node_today().isoformat(),
                                                   "to": node_today().isoformat()})
    call(admin, "POST", "/v1/retention/purge")
    found = [(path, where, value) for path, answer in answers
             for where, value in times_in(answer)]  # fmt: skip
    assert len(found) > 20  # the session's answers do carry times
    wrong = [(path, where, value) for path, where, value in found if not RFC3339.match(value)]
    assert wrong == []
    for _, _, value in found:
        assert datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


# -- errors a new user meets -------------------------------------------------------------------


def test_a_date_not_as_yyyy_mm_dd_says_what_is_expected(api: Api) -> None:
    visa = {"mrz": passport("IND", number=number()), "valid_from": "20/12/2026",
            "valid_to": (node_today() + timedelta(days=90)).isoformat(), "duration_days": 30}
    answer = post(api, Role.CONSULAR_OFFICER, "/v1/visas", visa, 422)
    [problem] = answer["detail"]
    assert problem["field"] == "body.valid_from"
    assert "expected a date as YYYY-MM-DD" in problem["message"]
    assert "20/12/2026" in problem["message"]
    for on in ("20/12/2026", "2026-12-20T00:00:00"):  # a time after the day too: not a day
        with api.as_(Role.BORDER_OFFICER) as client:
            response = client.get("/v1/overstayers", params={"on": on})
        assert response.status_code == 422
        assert "expected a date as YYYY-MM-DD" in response.json()["detail"][0]["message"]


def test_a_body_that_is_not_json_is_placed_by_line_and_column(api: Api) -> None:
    with api.as_(Role.BORDER_OFFICER) as client:
        response = client.post("/v1/checks", content=b'{\n  "mrz": [\'P<GEO\'],\n}',
                               headers={"Content-Type": "application/json"})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem["field"] == "body"
    assert problem["message"].startswith("the body is not valid JSON: ")
    assert "at line 2 column 11" in problem["message"], problem


def test_a_time_without_its_offset_says_what_is_expected(api: Api) -> None:
    answer = post(api, Role.BORDER_OFFICER, "/v1/crossings",
                  crossing(passport("GEO", number=number()), occurred_at="06/12/2026 10:00"),
                  422)  # fmt: skip
    assert "with its UTC offset" in answer["detail"][0]["message"]


@pytest.mark.parametrize("path", ["/v1/checks", "/v1/crossings", "/v1/screenings"])
@pytest.mark.parametrize(("body", "why"), [
    (b"[" * 10_000 + b"]" * 10_000, "nested too deeply"),
    (b'{"person_id": ' + b"9" * 5_000 + b"}", "over 4,300 digits"),
])  # fmt: skip
def test_a_body_json_cannot_read_is_422_saying_why_never_500(
    api: Api, path: str, body: bytes, why: str
) -> None:
    """Arrays nested ten thousand deep made the lean routes' parser raise RecursionError (500);
    FastAPI's own routes answered 400 "There was an error parsing the body"."""
    with api.as_(Role.BORDER_OFFICER) as client:
        response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 422, response.text
    [problem] = response.json()["detail"]
    assert problem["field"] == "body"
    assert problem["message"].startswith("the body is not valid JSON: ")
    assert why in problem["message"]


def test_json_sent_as_another_content_type_is_told_to_say_json(api: Api) -> None:
    body = json.dumps(crossing(passport("GEO", number=number()))).encode()
    with api.as_(Role.BORDER_OFFICER) as client:
        response = client.post("/v1/checks", content=body, headers={"Content-Type": "text/plain"})
    assert response.status_code == 422
    [problem] = response.json()["detail"]
    assert problem == {"field": "body", "message": "send the body as JSON with Content-Type: "
                       "application/json (it came as 'text/plain')"}  # fmt: skip


@pytest.mark.parametrize(("field", "value", "expected"), [
    ("occurred_at", 0, "expected a date and time"),
    ("occurred_at", "0", "expected a date and time"),
    ("occurred_at", 1.5e9, "expected a date and time"),
    ("person_id", "1", "integer"),
    ("person_id", 1.0, "integer"),
    ("planned_exit", "2027-01-01T00:00:00", "expected a date as YYYY-MM-DD"),
    ("planned_exit", 20270101, "expected a date as YYYY-MM-DD"),
])  # fmt: skip
def test_a_value_of_the_wrong_json_type_is_refused_not_converted(
    api: Api, field: str, value: Any, expected: str
) -> None:
    """Pydantic's lax mode took 0 as 1970-01-01T00:00Z and recorded the crossing then."""
    body = crossing(passport("GEO", number=number()), **{field: value})
    answer = post(api, Role.BORDER_OFFICER, "/v1/crossings", body, 422)
    [problem] = answer["detail"]
    assert problem["field"] == f"body.{field}"
    assert expected in problem["message"], problem


@pytest.mark.parametrize("withdraw", ["yes", "true", 1, "on"])
def test_a_withdrawal_is_only_ever_true(api: Api, withdraw: Any) -> None:
    """``{"withdraw": "yes"}`` withdrew the crossing."""
    recorded = post(api, Role.BORDER_OFFICER, "/v1/crossings",
                    crossing(passport("GEO", number=number()), occurred_at=ago(2)))  # fmt: skip
    answer = post(api, Role.BORDER_OFFICER, f"/v1/crossings/{recorded['id']}/correction",
                  {"reason": "typed twice", "withdraw": withdraw}, 422)  # fmt: skip
    assert answer["detail"][0]["field"] == "body.withdraw"
    fixed = post(api, Role.BORDER_OFFICER, f"/v1/crossings/{recorded['id']}/correction",
                 {"reason": "the hour", "occurred_at": ago(3)}, 200)  # fmt: skip
    assert fixed["withdrawn"] is False  # the crossing is still there to correct


# -- a single name after '<<' ------------------------------------------------------------------


def test_a_passport_with_a_single_name_after_two_fillers_is_checked_and_recorded(api: Api) -> None:
    """``P<IND<<LAKSHMI<<…``: valid, with a warning naming the name field in the document."""
    mrz = passport("IND", number=number(), surname="X", given_names="LAKSHMI")
    mrz = ["P<IND<<LAKSHMI" + "<" * 30, mrz[1]]
    answer = post(api, Role.BORDER_OFFICER, "/v1/checks", crossing(mrz), 200)
    document = answer["document"]
    assert document["valid"] is True and document["given_names"] == "LAKSHMI"
    assert [w["field"] for w in document["warnings"]] == ["name"]
    assert [r["code"] for r in answer["reasons"]] == ["C"]  # an Indian national needs a visa
    refused = post(api, Role.BORDER_OFFICER, "/v1/refusals",
                   {"mrz": mrz, "crossing_point": "GEO-TBS"})  # fmt: skip
    person = get(api, Role.BORDER_OFFICER, f"/v1/persons/{refused['person_id']}")["person"]
    assert (person["surname"], person["given_names"]) == ("", "LAKSHMI")
