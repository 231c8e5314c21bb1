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

from cta.domain.roles import Role
from tests.integration.area import (
    POINT,
    STATES,
    Member,
    area_on,
    in_sync,
    record_hashes,
    wait_until,
)
from tests.integration.node_server import add_user, passport, unique_number


@pytest.fixture(
    scope="module",
    params=[
        pytest.param("sqlite", id="sqlite"),
        pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
    ],
)
def nodes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Member]]:
    yield from area_on(request, tmp_path_factory, "area")


def record(node: Member, mrz: list[str], direction: str, at: datetime) -> dict[str, Any]:
    response = node.post("/v1/crossings", {"mrz": mrz, "crossing_point": POINT[node.state],
                                           "direction": direction, "occurred_at": at.isoformat(),
                                           "override_reason": "test"})  # fmt: skip
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
