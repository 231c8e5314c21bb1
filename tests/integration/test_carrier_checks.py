"""Carriers ask before boarding (issue 12, "Carriers"), over real HTTP on SQLite and PostgreSQL.

``POST /v1/carrier-checks`` with a manifest answers OK or NOT OK for each traveller, in the
manifest's order, and nothing else; only the ``carrier`` role (made by the real ``cta users add
--role carrier``) may ask, and a carrier reads no file; every query is audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, insert, select, update

from cta.adapters.storage import tables as t
from cta.domain.retention import CARRIER_LOG_ACTIONS
from cta.domain.roles import Role
from tests.integration.node_server import (
    BOTH_DATABASES,
    NodeServer,
    add_user,
    cli_add_user,
    module_database,
    node_today,
    passport,
    unique_number,
)

CARRIER_NAME = "carrier.airline"


@dataclass
class Node:
    server: NodeServer
    tokens: dict[Role, str]

    def as_(self, role: Role, purpose: str | None = "carrier test") -> httpx.Client:
        return self.server.client(self.tokens[role], purpose)

    def ask(self, body: dict[str, Any], role: Role = Role.CARRIER) -> httpx.Response:
        with self.as_(role, purpose=None) as client:
            return client.post("/v1/carrier-checks", json=body)

    def issue(self, mrz: list[str], kind: str, days: int, **terms: Any) -> None:
        today = node_today()
        body = {"mrz": mrz, "valid_from": str(today), "valid_to": str(today + timedelta(days)),
                **terms}  # fmt: skip
        with self.as_(Role.CONSULAR_OFFICER) as client:
            response = client.post(f"/v1/{kind}", json=body)
        assert response.status_code == 201, response.text


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def node(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Node]:
    workdir = tmp_path_factory.mktemp(f"carriers-{request.param}")
    with module_database(request, workdir) as url:
        tokens = {role: add_user(url, f"{role.value}.cc", role) for role in Role
                  if role is not Role.CARRIER}  # fmt: skip
        tokens[Role.CARRIER] = cli_add_user(url, CARRIER_NAME, Role.CARRIER)
        with NodeServer(url, workdir) as server:
            yield Node(server, tokens)


def traveller(mrz: list[str]) -> dict[str, str]:
    """The manifest's line for a passport, as a carrier reads it off the MRZ."""
    line = mrz[1]
    return {"document_number": line[0:9].rstrip("<"), "issuing_state": mrz[0][2:5],
            "nationality": line[10:13]}


def test_a_mixed_manifest_is_answered_in_its_order_and_nothing_else(node: Node) -> None:
    member = passport("GEO")
    exempt_without, exempt_with = passport("USA"), passport("USA")
    visa_valid, visa_spent, visa_expired = passport("NGA"), passport("NGA"), passport("NGA")
    invalidated = passport("USA")
    node.issue(exempt_with, "authorizations", 365)
    node.issue(visa_valid, "visas", 60, duration_days=30, entries=2)
    node.issue(visa_spent, "visas", 60, duration_days=30, entries=1)
    node.issue(visa_expired, "visas", 5, duration_days=5)
    node.issue(invalidated, "authorizations", 365)
    entry = {"mrz": visa_spent, "crossing_point": "GEO-TBS", "direction": "entry"}
    with node.as_(Role.BORDER_OFFICER) as client:
        assert client.post("/v1/crossings", json=entry).status_code == 201
    alert = {"category": "invalidated_document",
             "document_numbers": [traveller(invalidated)["document_number"]]}  # fmt: skip
    with node.as_(Role.ADMIN) as client:
        assert client.put(f"/v1/alerts/GEO-LOST-{unique_number()}", json=alert).status_code == 200
    manifest = [traveller(m) for m in (member, exempt_without, exempt_with, visa_valid,
                                       visa_spent, visa_expired, invalidated)]  # fmt: skip
    response = node.ask({"travellers": manifest, "on": str(node_today() + timedelta(days=10))})
    assert response.status_code == 200, response.text
    assert list(response.json()) == ["results"]
    results = response.json()["results"]
    assert [{k: r[k] for k in manifest[0]} for r in results] == manifest
    assert [set(r) for r in results] == [{*manifest[0], "answer"}] * len(manifest)
    assert [r["answer"] for r in results] == ["OK", "NOT OK", "OK", "OK", "NOT OK", "NOT OK",
                                              "NOT OK"]  # fmt: skip
    # today, before the expired visa expired, it admits: the day asked about is what counts
    today = node.ask({"travellers": [traveller(visa_expired)]}).json()["results"]
    assert [r["answer"] for r in today] == ["OK"]


def test_a_manifest_of_1000_is_answered_and_one_of_1001_refused(node: Node) -> None:
    line = traveller(passport("GBR"))
    response = node.ask({"travellers": [line] * 1000})
    assert response.status_code == 200, response.text
    assert len(response.json()["results"]) == 1000
    for size in (1001, 0):
        response = node.ask({"travellers": [line] * size})
        assert response.status_code == 422
        assert [p["field"] for p in response.json()["detail"]] == ["body.travellers"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"issuing_state": "usa"}, "body.travellers.3.issuing_state"),
        ({"nationality": "US-A"}, "body.travellers.3.nationality"),
        ({"document_number": "L898 902C"}, "body.travellers.3.document_number"),
        ({"document_number": ""}, "body.travellers.3.document_number"),
        ({"seat": "12A"}, "body.travellers.3.seat"),
    ],
)
def test_a_bad_traveller_is_named_by_its_place_and_field(
    node: Node, change: dict[str, str], field: str
) -> None:
    manifest = [traveller(passport("GBR")) for _ in range(5)]
    manifest[3] |= change
    response = node.ask({"travellers": manifest})
    assert response.status_code == 422
    assert field in [p["field"] for p in response.json()["detail"]]


def test_an_unknown_code_a_bad_date_and_an_extra_key_are_refused(node: Node) -> None:
    manifest = [traveller(passport("GBR")) for _ in range(4)]
    manifest[3]["issuing_state"] = "ZZZ"
    response = node.ask({"travellers": manifest})
    assert response.status_code == 422
    assert "travellers[3].issuing_state" in response.json()["detail"]
    for body, field in (({"travellers": manifest[:1], "on": "10/01/2027"}, "body.on"),
                        ({"travellers": manifest[:1], "flight": "J2 8021"}, "body.flight"),
                        ({"manifest": manifest[:1]}, "body.travellers")):  # fmt: skip
        response = node.ask(body)
        assert response.status_code == 422
        assert field in [p["field"] for p in response.json()["detail"]]


def test_only_a_carrier_may_ask_and_a_carrier_reads_no_file(node: Node) -> None:
    body = {"travellers": [traveller(passport("USA"))]}
    assert node.ask(body, Role.BORDER_OFFICER).status_code == 403
    assert node.ask(body, Role.ADMIN).status_code == 403
    with node.server.client(None) as client:
        assert client.post("/v1/carrier-checks", json=body).status_code == 401
    with node.as_(Role.CARRIER) as client:
        assert client.get("/v1/persons/1").status_code == 403
        assert client.get("/v1/persons/1/stay").status_code == 403
        assert client.post("/v1/checks", json={"mrz": passport("USA"),
                           "crossing_point": "GEO-TBS", "direction": "entry"}).status_code == 403


def test_every_query_and_traveller_is_audited_with_the_carrier(node: Node) -> None:
    known = passport("USA")
    node.issue(known, "authorizations", 365)
    unknown = passport("USA")
    with node.as_(Role.CARRIER, purpose="boarding J2 8021 GYD-TBS") as client:
        response = client.post("/v1/carrier-checks",
                               json={"travellers": [traveller(known), traveller(unknown)]})
    assert response.status_code == 200, response.text
    entries: list[dict[str, Any]] = []
    after: int | None = 0
    with node.as_(Role.AUDITOR) as client:
        while after is not None:
            page = client.get("/v1/audit", params={"after": after, "limit": 1000}).json()
            entries += page["items"]
            after = page["next_after"]
    query = [e for e in entries if e["action"] == "carrier check"
             and e["purpose"] == "boarding J2 8021 GYD-TBS"]  # fmt: skip
    assert len(query) == 1
    [asked] = query
    assert (asked["user_name"], asked["role"], asked["person_id"]) == (CARRIER_NAME, "carrier",
                                                                       None)  # fmt: skip
    assert asked["detail"]["travellers"] == 2 and asked["detail"]["ok"] == 1
    travellers = [e for e in entries if e["action"] == "carrier check traveller"
                  and e["detail"]["query"] == asked["detail"]["query"]]  # fmt: skip
    assert [(e["detail"]["document_number"], e["detail"]["answer"], e["person_id"] is None)
            for e in travellers] == [(traveller(known)["document_number"], "OK", False),
                                     (traveller(unknown)["document_number"], "NOT OK", True)]
    # the traveller's subject-access export shows who asked, when and what they were told
    with node.as_(Role.ADMIN) as client:
        export = client.get(f"/v1/persons/{travellers[0]['person_id']}/export").json()
    [told] = [e for e in export["audit"] if e["action"] == "carrier check traveller"]
    assert (told["user_name"], told["detail"]["answer"]) == (CARRIER_NAME, "OK")


def test_a_bad_purpose_is_refused_naming_the_header(node: Node) -> None:
    with node.as_(Role.CARRIER, purpose="x" * 201) as client:
        response = client.post("/v1/carrier-checks",
                               json={"travellers": [traveller(passport("USA"))]})
    assert response.status_code == 422
    assert "X-Purpose" in response.text


def test_the_purge_deletes_carrier_log_entries_older_than_two_years_and_nothing_else(
    node: Node,
) -> None:
    """ETIAS Art. 45(2): the carrier gateway's log is kept two years (docs/carriers.md)."""
    old, recent = passport("USA"), passport("USA")
    assert node.ask({"travellers": [traveller(old)]}).status_code == 200
    a = t.audit_log.c
    engine = create_engine(node.server.database_url)
    long_ago = datetime.now(UTC) - timedelta(days=2 * 365 + 2)
    with engine.begin() as connection:
        entries = list(connection.execute(select(a.id, a.detail).where(
            a.action.in_(CARRIER_LOG_ACTIONS))))  # fmt: skip
        [query] = {d["query"] for _, d in entries
                   if d.get("document_number") == traveller(old)["document_number"]}
        aged = [i for i, d in entries if d["query"] == query]
        connection.execute(update(t.audit_log).where(a.id.in_(aged)).values(at=long_ago))
        other = connection.execute(insert(t.audit_log).values(
            at=long_ago, user_name="officer", role="border_officer", action="check",
            purpose="border control", detail={})).inserted_primary_key[0]  # fmt: skip
    assert len(aged) == 2  # the query's and its traveller's
    assert node.ask({"travellers": [traveller(recent)]}).status_code == 200

    with node.as_(Role.ADMIN, "retention") as client:
        purged = client.post("/v1/retention/purge")
    assert purged.status_code == 200, purged.text
    assert purged.json()["carrier_checks_deleted"] == 2

    with engine.connect() as connection:
        left = {i for (i,) in connection.execute(select(a.id))}
        kinds = [(action, d) for action, d in connection.execute(
            select(a.action, a.detail).where(a.action.in_(CARRIER_LOG_ACTIONS)))]  # fmt: skip
        [note] = [d for (d,) in connection.execute(select(a.detail).where(
            a.action == "carrier log retention deletion"))]  # fmt: skip
    engine.dispose()
    assert not set(aged) & left and other in left  # only the carriers' log is purged
    assert traveller(recent)["document_number"] in [d.get("document_number") for _, d in kinds]
    assert note["count"] == 2
