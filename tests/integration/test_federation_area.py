"""Three federated nodes, real processes on loopback, on SQLite and PostgreSQL.

A traveller who enters in Georgia and leaves from Armenia has one history on every node; an
alert issued in Azerbaijan refers a check in Georgia; its withdrawal reaches every node; a
node stopped while the others record catches up when it is back; all three end with the same
record sets and the same stay answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select, update

from cta.adapters.storage import tables as t
from cta.domain.roles import Role
from tests.integration.area import (
    POINT,
    STATES,
    Member,
    area_on,
    in_sync,
    mend,
    read_rows,
    record_hashes,
    wait_until,
)
from tests.integration.node_server import (
    BOTH_DATABASES,
    add_user,
    node_today,
    passport,
    unique_number,
)
from tests.integration.test_applications_api import visa_form


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def nodes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Member]]:
    yield from area_on(request, tmp_path_factory, "area")


@pytest.fixture(autouse=True)
def _whole_area(nodes: dict[str, Member]) -> Iterator[None]:
    yield
    mend(nodes)


def record(
    node: Member, mrz: list[str], direction: str, at: datetime, **extra: Any
) -> dict[str, Any]:
    response = node.post("/v1/crossings", {"mrz": mrz, "crossing_point": POINT[node.state],
                                           "direction": direction, "occurred_at": at.isoformat(),
                                           "override_reason": "test", **extra})  # fmt: skip
    assert response.status_code == 201, response.text
    return dict(response.json())


def person_of(node: Member, mrz: list[str]) -> int | None:
    response = node.post("/v1/checks", {"mrz": mrz, "crossing_point": POINT[node.state],
                                        "direction": "entry"})  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()["person_id"]  # type: ignore[no-any-return]


def test_one_history_across_the_area(nodes: dict[str, Member]) -> None:
    mrz = passport("USA", number=unique_number())
    now = datetime.now(UTC).replace(microsecond=0)
    record(nodes["GEO"], mrz, "entry", now - timedelta(days=20))
    record(nodes["ARM"], mrz, "exit", now - timedelta(days=5))
    wait_until(lambda: in_sync(nodes), what="the three nodes hold each other's records")
    answers = []
    for node in nodes.values():
        person = person_of(node, mrz)
        assert person is not None, f"{node.state} does not know the traveller"
        stay = node.get(f"/v1/persons/{person}/stay")
        answers.append({k: stay[k] for k in ("days_used", "inside", "limit", "window")})
        crossings = node.get(f"/v1/persons/{person}")["crossings"]
        assert sorted((c["direction"], c["crossing_point"]) for c in crossings) == [
            ("entry", "GEO-TBS"), ("exit", "ARM-EVN")]
    assert answers[0] == answers[1] == answers[2]
    assert answers[0]["days_used"] == 16 and answers[0]["inside"] is False
    assert record_hashes(nodes["AZE"]) == record_hashes(nodes["ARM"]) == record_hashes(
        nodes["GEO"])


def stay_everywhere(nodes: dict[str, Member], mrz: list[str]) -> list[dict[str, Any] | None]:
    """Each node's stay answer for the traveller of ``mrz`` (None where unknown)."""
    answers: list[dict[str, Any] | None] = []
    for node in nodes.values():
        person = person_of(node, mrz)
        stay = node.get(f"/v1/persons/{person}/stay") if person is not None else None
        answers.append(None if stay is None else {k: stay[k] for k in ("days_used", "inside")})
    return answers


def test_a_corrected_or_withdrawn_crossing_is_corrected_on_every_node(
    nodes: dict[str, Member],
) -> None:
    mrz = passport("USA", number=unique_number())
    now = datetime.now(UTC).replace(microsecond=0)
    record(nodes["GEO"], mrz, "entry", now - timedelta(days=20))
    exit_id = record(nodes["GEO"], mrz, "exit", now - timedelta(days=10))["id"]
    wait_until(lambda: stay_everywhere(nodes, mrz) == [{"days_used": 11, "inside": False}] * 3,
               what="the crossings reached every node")  # fmt: skip
    response = nodes["GEO"].post(f"/v1/crossings/{exit_id}/correction", {
        "occurred_at": (now - timedelta(days=5)).isoformat(), "reason": "typed the wrong day"})
    assert response.status_code == 200, response.text
    assert response.json()["withdrawn"] is False
    wait_until(lambda: stay_everywhere(nodes, mrz) == [{"days_used": 16, "inside": False}] * 3,
               what="the correction reached every node")  # fmt: skip
    # a peer's copy is corrected at its origin only
    arm_person = person_of(nodes["ARM"], mrz)
    arm_exit = next(c for c in nodes["ARM"].get(f"/v1/persons/{arm_person}")["crossings"]
                if c["direction"] == "exit")  # fmt: skip
    refused = nodes["ARM"].post(f"/v1/crossings/{arm_exit['id']}/correction",
                                {"withdraw": True, "reason": "not ours"})  # fmt: skip
    assert refused.status_code == 409 and "GEO" in refused.json()["detail"]
    response = nodes["GEO"].post(f"/v1/crossings/{exit_id}/correction",
                                 {"withdraw": True, "reason": "recorded in error"})  # fmt: skip
    assert response.status_code == 200 and response.json()["withdrawn"] is True
    wait_until(lambda: all(a is not None and a["inside"] for a in stay_everywhere(nodes, mrz)),
               what="the withdrawal reached every node")  # fmt: skip
    wait_until(lambda: in_sync(nodes), what="sync")
    assert record_hashes(nodes["AZE"]) == record_hashes(nodes["GEO"])


def test_a_new_passport_linked_at_one_node_is_one_person_on_every_node(
    nodes: dict[str, Member],
) -> None:
    """GEO records an entry on the old passport, AZE a refusal on the new one (a person of its
    own there); ARM's officer confirms the new passport is the same traveller's at the exit:
    the link reaches every node, and AZE merges its two persons into one."""
    old, new = (passport("USA", surname="LINKED", number=unique_number()) for _ in range(2))
    now = datetime.now(UTC).replace(microsecond=0)
    record(nodes["GEO"], old, "entry", now - timedelta(days=30))
    refusal = nodes["AZE"].post("/v1/refusals", {"mrz": new, "crossing_point": POINT["AZE"],
                                                 "occurred_at": (now - timedelta(days=40))
                                                 .isoformat()})  # fmt: skip
    assert refusal.status_code == 201, refusal.text
    wait_until(lambda: person_of(nodes["ARM"], old) is not None, what="the entry reached ARM")
    person = person_of(nodes["ARM"], old)
    record(nodes["ARM"], new, "exit", now - timedelta(days=5), person_id=person)
    wait_until(lambda: in_sync(nodes), what="the link reached every node")
    for node in nodes.values():
        assert person_of(node, old) == person_of(node, new) is not None, node.state
        file = node.get(f"/v1/persons/{person_of(node, old)}")
        assert len(file["documents"]) == 2 and len(file["refusals"]) == 1, node.state
    assert stay_everywhere(nodes, new) == [{"days_used": 26, "inside": False}] * 3


def test_a_visa_issued_in_one_state_admits_at_the_others_until_revoked(
    nodes: dict[str, Member],
) -> None:
    consul = add_user(nodes["GEO"].url, f"consul.{uuid.uuid4().hex[:6]}", Role.CONSULAR_OFFICER)
    mrz = passport("IND", number=unique_number())
    today = node_today()

    def decisions() -> list[str]:
        return [nodes[s].post("/v1/checks", {"mrz": mrz, "crossing_point": POINT[s],
                                             "direction": "entry"}).json()["decision"]
                for s in ("AZE", "ARM")]  # fmt: skip

    assert decisions() == ["refuse", "refuse"]
    with nodes["GEO"].server.client(consul, "visa application") as client:
        issued = client.post("/v1/visas", json={
            "mrz": mrz, "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=90)).isoformat(), "duration_days": 30})
        assert issued.status_code == 201, issued.text
        wait_until(lambda: decisions() == ["admit", "admit"], what="the visa reached AZE, ARM")
        revoked = client.post(f"/v1/visas/{issued.json()['id']}/revocation",
                              json={"reason": "false statements in the application"})
        assert revoked.status_code == 200, revoked.text
    wait_until(lambda: decisions() == ["refuse", "refuse"], what="the revocation")


def test_a_visa_granted_for_georgia_only_admits_there_and_is_refused_in_the_others(
    nodes: dict[str, Member],
) -> None:
    """Limited territorial validity (Visa Code Art. 25): the consular decision names GEO; the
    VisaIssued record carries it, and AZE's and ARM's border checks do not count the visa."""
    consul = add_user(nodes["GEO"].url, f"consul.{uuid.uuid4().hex[:6]}", Role.CONSULAR_OFFICER)
    today = node_today()
    body = visa_form("AFG")
    with nodes["GEO"].server.client(None, None) as public:
        answer = public.post("/v1/applications", json=body,
                             headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
    assert answer.status_code == 201, answer.text
    number = answer.json()["number"]
    with nodes["GEO"].server.client(consul, "consular examination") as client:
        assert client.post(f"/v1/applications/{number}/claim").status_code == 200
        granted = client.post(f"/v1/applications/{number}/decision", json={
            "outcome": "granted", "valid_from": today.isoformat(),
            "valid_to": (today + timedelta(days=30)).isoformat(),
            "territorial_validity": ["GEO"]})  # fmt: skip
    assert granted.status_code == 200, granted.text

    def checks() -> dict[str, dict[str, Any]]:
        return {s: nodes[s].post("/v1/checks", {"mrz": body["mrz"], "crossing_point": POINT[s],
                                                "direction": "entry"}).json()
                for s in STATES}  # fmt: skip

    def visa_known_everywhere() -> bool:
        return all(read_rows(nodes[s], select(t.visas.c.territorial_validity).where(
            t.visas.c.document_number == body["mrz"][1][:9].rstrip("<"))) for s in STATES)

    wait_until(visa_known_everywhere, what="the visa reached AZE and ARM")
    for state in STATES:
        rows = read_rows(nodes[state], select(t.visas.c.territorial_validity).where(
            t.visas.c.document_number == body["mrz"][1][:9].rstrip("<")))
        assert [r[0] for r in rows] == ["GEO"], state
    answers = checks()
    assert answers["GEO"]["decision"] == "admit"
    for state in ("AZE", "ARM"):
        assert answers[state]["decision"] == "refuse", state
        messages = [r["message"] for r in answers[state]["reasons"] if r["code"] == "C"]
        assert messages == [f"the visa for document {body['mrz'][1][:9].rstrip('<')} has a "
                            f"limited territorial validity: it is valid only in GEO, not in "
                            f"{state}"], answers[state]


def test_a_refused_applications_records_are_erased_everywhere_after_five_years(
    nodes: dict[str, Member],
) -> None:
    """GEO refuses an application after consulting ARM; when GEO's purge deletes the file 5
    years on (ETIAS Art. 54), every node drops the refusal's and the consultation's payloads
    and rows, and ARM erases its answer too (docs/applications.md, "Personal data and
    retention")."""
    consuls = {s: add_user(nodes[s].url, f"consul.{uuid.uuid4().hex[:6]}",
                           Role.CONSULAR_OFFICER) for s in ("GEO", "ARM")}  # fmt: skip
    admin = add_user(nodes["GEO"].url, f"admin.{uuid.uuid4().hex[:6]}", Role.ADMIN)
    body = visa_form("AFG")
    with nodes["GEO"].server.client(None, None) as public:
        number = public.post("/v1/applications", json=body, headers={
            "Idempotency-Key": uuid.uuid4().hex}).json()["number"]
    with nodes["GEO"].server.client(consuls["GEO"], "consular examination") as client:
        asked = client.post(f"/v1/applications/{number}/consultations",
                            json={"state": "ARM", "question": "does ARM object?"})
        assert asked.status_code == 201, asked.text
        ref = asked.json()["ref"]
        assert client.post(f"/v1/applications/{number}/claim").status_code == 200
        refused = client.post(f"/v1/applications/{number}/decision",
                              json={"outcome": "refused", "reasons": ["doubts"]})
        assert refused.status_code == 200, refused.text
    c, d = t.consultations.c, t.application_decisions.c
    wait_until(lambda: read_rows(nodes["ARM"], select(c.ref).where(c.ref == ref)) != [],
               what="the consultation reached ARM")  # fmt: skip
    with nodes["ARM"].server.client(consuls["ARM"], "consular examination") as client:
        answered = client.post(f"/v1/consultations/{ref}/answer",
                               json={"opinion": "negative", "reasons": ["a refusal of ours"]})
        assert answered.status_code == 200, answered.text

    def about() -> dict[str, list[tuple[str, int, bool]]]:
        """Each node's records about the application: (origin, seq, payload held)."""
        r = t.records.c
        found: dict[str, list[tuple[str, int, bool]]] = {}
        for state in STATES:
            held = read_rows(nodes[state], select(r.origin, r.seq, r.kind, r.wire).where(
                r.kind.in_(("ApplicationDecided", "ConsultationRequested",
                            "ConsultationAnswered"))))  # fmt: skip
            found[state] = sorted(
                (o, int(seq), w["payload"] is not None) for o, seq, kind, w in held
                if (kind == "ConsultationAnswered" and (w["payload"] or {}).get("ref") == ref)
                or number in {(w["payload"] or {}).get("number"),
                              (w["payload"] or {}).get("application")}
                or (o, int(seq)) in named)  # fmt: skip
        return found

    named: set[tuple[str, int]] = set()
    wait_until(lambda: all(len(v) == 3 for v in about().values()),
               what="the refusal, the request and the answer reached every node")
    named |= {(o, s) for o, s, _ in about()["GEO"]}
    assert read_rows(nodes["AZE"], select(d.number).where(d.number == number)) == [(number,)]
    engine = create_engine(nodes["GEO"].url)
    with engine.begin() as connection:  # five years on
        connection.execute(update(t.applications).where(t.applications.c.number == number)
                           .values(decided_at=datetime.now(UTC) - timedelta(days=6 * 365)))
    engine.dispose()
    with nodes["GEO"].server.client(admin, "retention") as client:
        purged = client.post("/v1/applications/purge").json()
    assert purged["records_erased"] >= 2

    wait_until(lambda: all(not any(held for _, _, held in v) for v in about().values()),
               what="every node dropped the payloads")
    assert about()["AZE"] == sorted((o, s, False) for o, s in named)
    for state in STATES:
        assert read_rows(nodes[state], select(d.number).where(d.number == number)) == []
        assert read_rows(nodes[state], select(c.ref).where(c.ref == ref)) == [], state


def test_an_alert_issued_in_one_state_refers_checks_in_the_others(
    nodes: dict[str, Member],
) -> None:
    admin = add_user(nodes["AZE"].url, f"admin.{uuid.uuid4().hex[:6]}", Role.ADMIN)
    alert = {"category": "refuse_entry", "names": ["Эльчин Мамедов"],
             "birth_date": "1984-03-07"}  # fmt: skip
    with nodes["AZE"].server.client(admin, "alerts") as client:
        assert client.put("/v1/alerts/AZE-FED-1", json=alert).status_code == 200
    mrz = passport("AZE", surname="MAMMADOV", given_names="ELCHIN", number=unique_number(),
                   birth_date=datetime(1984, 3, 7).date())  # fmt: skip

    def referred(state: str) -> bool:
        response = nodes[state].post("/v1/checks", {"mrz": mrz, "crossing_point": POINT[state],
                                                    "direction": "entry"})  # fmt: skip
        return [h["alert_id"] for h in response.json()["alert_hits"]] == ["AZE-FED-1"]

    wait_until(lambda: referred("GEO") and referred("ARM"), what="the alert reached GEO, ARM")
    with nodes["AZE"].server.client(admin, "alerts") as client:
        assert client.delete("/v1/alerts/AZE-FED-1").status_code == 200
    wait_until(lambda: not referred("GEO") and not referred("ARM"), what="the withdrawal")


def test_another_states_alert_is_refused_409_at_a_peer(nodes: dict[str, Member]) -> None:
    admins = {state: add_user(nodes[state].url, f"admin.{uuid.uuid4().hex[:6]}", Role.ADMIN)
              for state in ("AZE", "GEO")}  # fmt: skip
    alert_id = f"AZE-NC-{uuid.uuid4().hex[:6]}"
    alert = {"category": "refuse_entry", "names": ["Nigar Aliyeva"]}
    with nodes["AZE"].server.client(admins["AZE"], "alerts") as client:
        assert client.put(f"/v1/alerts/{alert_id}", json=alert).status_code == 200
    with nodes["GEO"].server.client(admins["GEO"], "alerts") as client:
        wait_until(lambda: client.get(f"/v1/alerts/{alert_id}").status_code == 200,
                   what="the alert reached GEO")  # fmt: skip
        changed = client.put(f"/v1/alerts/{alert_id}", json={**alert, "names": ["Someone"]})
        withdrawn = client.delete(f"/v1/alerts/{alert_id}")
        held = client.get(f"/v1/alerts/{alert_id}").json()
    for answer in (changed, withdrawn):
        assert answer.status_code == 409, answer.text
        assert "was issued by AZE: only the issuing state" in answer.json()["detail"]
    assert (held["version"], held["withdrawn_at"], held["record"]["names"]) == (
        1, None, ["Nigar Aliyeva"])
    wait_until(lambda: in_sync(nodes), what="sync")
    check = nodes["GEO"].post("/v1/checks", {"mrz": passport("ARM"), "crossing_point": "GEO-TBS",
                                             "direction": "entry"})  # fmt: skip
    not_applied = {b["origin"]: b["not_applied"] for b in check.json()["based_on"]}
    assert not_applied["AZE"] == 0 and set(not_applied.values()) == {0}


def test_a_hit_decision_holds_where_it_was_taken_and_shows_at_the_peers(
    nodes: dict[str, Member],
) -> None:
    admin = add_user(nodes["AZE"].url, f"admin.{uuid.uuid4().hex[:6]}", Role.ADMIN)
    number = unique_number()
    mrz = passport("ARM", number=number)  # free movement: only the alert stops them
    alert_id = f"AZE-HIT-{uuid.uuid4().hex[:6]}"
    with nodes["AZE"].server.client(admin, "alerts") as client:
        assert client.put(f"/v1/alerts/{alert_id}", json={
            "category": "refuse_entry", "document_numbers": [number]}).status_code == 200

    def check(state: str) -> dict[str, Any]:
        response = nodes[state].post("/v1/checks", {"mrz": mrz, "crossing_point": POINT[state],
                                                    "direction": "entry"})  # fmt: skip
        assert response.status_code == 200, response.text
        return dict(response.json())

    wait_until(lambda: all(check(s)["alert_hits"] for s in ("GEO", "ARM")), what="the alert")
    decided = nodes["GEO"].post("/v1/alert-hits", {"mrz": mrz, "alert_id": alert_id,
                                                   "decision": "dismissed",
                                                   "reason": "not him: birth date differs"})
    assert decided.status_code == 201, decided.text
    wait_until(lambda: bool(check("ARM")["alert_hits"][0]["decisions_elsewhere"]),
               what="GEO's decision reached ARM")  # fmt: skip
    at_arm = check("ARM")
    assert at_arm["decision"] == "refer" and at_arm["dismissed_hits"] == []
    [seen] = at_arm["alert_hits"][0]["decisions_elsewhere"]
    assert {k: seen[k] for k in ("state", "decision", "reason", "alert_version", "current")} == {
        "state": "GEO", "decision": "dismissed", "reason": "not him: birth date differs",
        "alert_version": 1, "current": True}
    assert seen["officer"] and datetime.fromisoformat(seen["at"]).utcoffset() == timedelta(0)
    at_geo = check("GEO")
    assert at_geo["decision"] == "admit" and at_geo["alert_hits"] == []
    assert [d["alert_id"] for d in at_geo["dismissed_hits"]] == [alert_id]
    wait_until(lambda: in_sync(nodes), what="sync")
    assert all(b["not_applied"] == 0 for b in check("AZE")["based_on"])


def test_a_decision_says_whose_data_it_weighed(nodes: dict[str, Member]) -> None:
    wait_until(lambda: in_sync(nodes), what="sync")
    response = nodes["GEO"].post("/v1/checks", {"mrz": passport("USA"), "crossing_point":
                                                "GEO-TBS", "direction": "entry"})  # fmt: skip
    based_on = {b["origin"]: b for b in response.json()["based_on"]}
    assert set(based_on) == set(STATES)
    assert all(b["last_seq"] >= 1 for b in based_on.values())


def test_a_stopped_node_catches_up_and_its_own_records_flow_when_back(
    nodes: dict[str, Member],
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    nodes["ARM"].server.stop()
    mrz = [passport("GBR", number=unique_number()) for _ in range(30)]
    for n, m in enumerate(mrz):
        record(nodes["GEO"], m, "entry", now - timedelta(days=40, minutes=n))
        record(nodes["AZE"], m, "exit", now - timedelta(days=30, minutes=n))
    nodes["ARM"].server.start()
    wait_until(lambda: in_sync(nodes), seconds=90, what="ARM caught up")
    for m in mrz[:5]:
        person = person_of(nodes["ARM"], m)
        assert person is not None
        assert nodes["ARM"].get(f"/v1/persons/{person}/stay")["days_used"] == 11


def test_federation_status_shows_each_peer(nodes: dict[str, Member], tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    wait_until(lambda: in_sync(nodes), what="sync")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    env |= {"CTA_DATABASE_URL": nodes["GEO"].url, "CTA_STATE": "GEO"}

    def status() -> dict[str, Any]:
        done = subprocess.run([sys.executable, "-m", "cta", "federation", "status", "--json"],
                              env=env, capture_output=True, text=True, timeout=60)  # fmt: skip
        assert done.returncode == 0, done.stderr
        return {o["origin"]: o for o in json.loads(done.stdout)["origins"]}

    wait_until(lambda: all(status()[p]["lag"] == 0 for p in ("AZE", "ARM")), what="status")
    rows = status()
    assert rows["GEO"]["self"] and rows["AZE"]["failures"] == 0
    # every time RFC 3339 with its offset (issue 11), on SQLite as on PostgreSQL
    times = [v for row in rows.values() for k, v in row.items() if k.endswith("_at") and v]
    assert times and all(datetime.fromisoformat(v).utcoffset() is not None and "T" in v
                         for v in times), times


def _apply(node: Member, mrz: list[str], **change: Any) -> dict[str, Any]:
    body = {"kind": "authorization", "mrz": mrz, "email": "applicant@example.org",
            "phone": "+1 555 0100", "address": "1 Main Street, Springfield",
            "birth_place": "Springfield", "occupation": "teacher", "first_state": node.state,
            "language": "en", "answers": {"convictions": False, "conflict_zones": False,
                                          "removal_orders": False}} | change  # fmt: skip
    with node.server.client(None, None) as client:
        answer = client.post("/v1/applications", json=body,
                             headers={"Idempotency-Key": uuid.uuid4().hex})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_an_application_hit_by_another_states_alert_is_decided_after_consulting_it(
    nodes: dict[str, Member],
) -> None:
    """ARM's alert sends GEO's application to a consul and ARM is consulted; ARM's consul
    objects; GEO refuses; AZE hears of the refusal, which sends the next application there to
    a consul too."""
    tag = uuid.uuid4().hex[:6]
    admin = add_user(nodes["ARM"].url, f"admin.{tag}", Role.ADMIN)
    consul = {s: add_user(nodes[s].url, f"consul.{tag}", Role.CONSULAR_OFFICER)
              for s in ("GEO", "ARM")}  # fmt: skip
    alert = {"category": "refuse_entry", "names": ["Ivan Petrov"], "birth_date": "1979-11-02"}
    with nodes["ARM"].server.client(admin, "alerts") as client:
        assert client.put(f"/v1/alerts/ARM-APP-{tag}", json=alert).status_code == 200
    mrz = passport("RUS", surname="PETROV", given_names="IVAN", number=unique_number(),
                   birth_date=datetime(1979, 11, 2).date())  # fmt: skip
    wait_until(lambda: nodes["GEO"].post("/v1/checks", {
        "mrz": mrz, "crossing_point": POINT["GEO"], "direction": "entry"}).json()["alert_hits"],
        what="ARM's alert reached GEO")  # fmt: skip

    applied = _apply(nodes["GEO"], mrz)
    assert applied["status"] == "manual"
    number = applied["number"]
    with nodes["GEO"].server.client(consul["GEO"], "consular examination") as geo:
        [asked] = geo.get(f"/v1/applications/{number}/file").json()["consultations"]
    assert (asked["consulted_state"], asked["state"]) == ("ARM", "open")
    assert [g["code"] for g in asked["grounds"]] == ["alert_hit"]

    with nodes["ARM"].server.client(consul["ARM"], "consultation") as arm:
        def queued() -> list[dict[str, Any]]:
            found = arm.get("/v1/consultations").json()["consultations"]
            return [c for c in found if c["ref"] == asked["ref"]]

        wait_until(lambda: bool(queued()), what="the consultation reached ARM")
        assert queued()[0]["application"] == number
        answered = arm.post(f"/v1/consultations/{asked['ref']}/answer",
                            json={"opinion": "negative", "reasons": ["entry ban until 2030"]})
        assert answered.status_code == 200, answered.text
    with nodes["GEO"].server.client(consul["GEO"], "consular examination") as geo:
        def opinion() -> str | None:
            [found] = geo.get(f"/v1/applications/{number}/file").json()["consultations"]
            return found["opinion"]  # type: ignore[no-any-return]

        wait_until(lambda: opinion() == "negative", what="ARM's answer reached GEO")
        assert geo.post(f"/v1/applications/{number}/claim").status_code == 200
        refused = geo.post(f"/v1/applications/{number}/decision", json={
            "outcome": "refused", "reasons": ["alert_refusal_of_entry"]})
        assert refused.status_code == 200, refused.text

    # AZE's consul sees the refusal in GEO among the reasons of a new application there
    consul["AZE"] = add_user(nodes["AZE"].url, f"consul.{tag}", Role.CONSULAR_OFFICER)

    wait_until(lambda: in_sync(nodes), what="GEO's refusal reached AZE")
    again = _apply(nodes["AZE"], mrz)
    with nodes["AZE"].server.client(consul["AZE"], "consular examination") as aze:
        file = aze.get(f"/v1/applications/{again['number']}/file").json()
    assert {(r["code"], r.get("source")) for r in file["review"]} >= {
        ("past_application", "GEO"), ("alert_hit", "ARM")}
