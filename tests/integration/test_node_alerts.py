"""Alerts through a real node (the alerts issue), on SQLite and PostgreSQL, two workers.

An alert put through one worker must reach the other's index; a bulk import by the command
line must reach a running server; a restarted server opens from its snapshot; hits refer,
confirmations refuse with H, dismissals hold for the document; all of it audited.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest

from cta.domain.roles import Role
from tests.integration.node_server import (
    BOTH_DATABASES,
    NodeServer,
    add_user,
    module_database,
    passport,
)

ELCHIN = {"category": "refuse_entry",
          "names": ["Эльчин Мамедов", "Elçin Məmmədov"], "birth_date": "1984-03-07",
          "nationalities": ["AZE"], "sex": "M"}  # fmt: skip


def mammadov(number: str) -> list[str]:
    return passport("AZE", surname="MAMMADOV", given_names="ELCHIN", number=number,
                    birth_date=date(1984, 3, 7))  # fmt: skip


@dataclass
class Node:
    server: NodeServer
    url: str
    workdir: Path
    tokens: dict[Role, str]

    def as_(self, role: Role) -> httpx.Client:
        return self.server.client(self.tokens[role], "alerts test")


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def database(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Path]]:
    workdir = tmp_path_factory.mktemp(f"alerts-{request.param}")
    with module_database(request, workdir) as url:
        yield url, workdir


@pytest.fixture(scope="module")
def node(database: tuple[str, Path]) -> Iterator[Node]:
    url, workdir = database
    tokens = {role: add_user(url, f"{role.value}.alerts", role) for role in Role}
    with NodeServer(url, workdir / "first", workers=2) as server:
        yield Node(server, url, workdir, tokens)


def check(node: Node, mrz: list[str]) -> dict[str, Any]:
    with node.as_(Role.BORDER_OFFICER) as client:
        response = client.post("/v1/checks", json={"mrz": mrz, "crossing_point": "GEO-TBS",
                                                   "direction": "entry"})  # fmt: skip
    assert response.status_code == 200, response.text
    return dict(response.json())


def given_elchin(node: Node) -> None:
    """GEO-T-1 (ELCHIN) on the node: put by the first test of the module that needs it, so that
    each test also runs alone (``pytest -k``) or on a process of its own."""
    with node.as_(Role.ADMIN) as client:
        if client.get("/v1/alerts/GEO-T-1").status_code == 404:
            response = client.put("/v1/alerts/GEO-T-1", json=ELCHIN)
            assert response.status_code == 200, response.text
            assert response.json() == {"id": "GEO-T-1", "version": 1}


def test_an_alert_put_through_the_api_refers_checks_in_every_worker(node: Node) -> None:
    given_elchin(node)
    # many checks over several connections reach both workers; each must see the alert
    for n in range(12):
        answer = check(node, mammadov(f"C{n:08d}"))
        assert answer["decision"] == "refer", answer
        assert [h["alert_id"] for h in answer["alert_hits"]] == ["GEO-T-1"]
        assert answer["alert_hits"][0]["status"] == "open"


def test_confirm_then_refusal_with_h_and_dismiss_for_another_document(node: Node) -> None:
    given_elchin(node)
    with node.as_(Role.ADMIN) as client:
        assert client.put("/v1/alerts/GEO-T-2", json=ELCHIN | {"birth_date": "1975-01-02"}
                          ).status_code == 200  # fmt: skip
    him, namesake = mammadov("D00000001"), mammadov("D00000002")
    with node.as_(Role.BORDER_OFFICER) as client:
        confirmed = client.post("/v1/alert-hits", json={
            "mrz": him, "alert_id": "GEO-T-1", "decision": "confirmed", "reason": "photo"})
        assert confirmed.status_code == 201, confirmed.text
        dismissed = client.post("/v1/alert-hits", json={
            "mrz": namesake, "alert_id": "GEO-T-1", "decision": "dismissed",
            "reason": "another person"})  # fmt: skip
        assert dismissed.status_code == 201, dismissed.text
        no_hit = client.post("/v1/alert-hits", json={
            "mrz": namesake, "alert_id": "GEO-T-2", "decision": "confirmed", "reason": "x"})
        assert no_hit.status_code == 409, no_hit.text  # born 1984, not 1975: no hit
    answer = check(node, him)
    assert answer["decision"] == "refuse"
    assert [r["code"] for r in answer["reasons"]] == ["H"]
    answer = check(node, namesake)
    assert (answer["decision"], answer["alert_hits"]) == ("admit", [])
    assert [d["alert_id"] for d in answer["dismissed_hits"]] == ["GEO-T-1"]
    with node.as_(Role.BORDER_OFFICER) as client:
        refused = client.post("/v1/refusals", json={"mrz": him, "crossing_point": "GEO-TBS"})
    assert refused.status_code == 201, refused.text
    assert [r["code"] for r in refused.json()["reasons"]] == ["H"]
    with node.as_(Role.AUDITOR) as client:
        actions = [e["action"] for e in client.get("/v1/audit", params={"limit": 1000}
                                                   ).json()["items"]]  # fmt: skip
    assert {"put alerts", "confirm alert hit", "dismiss alert hit", "record refusal",
            "check"} <= set(actions)  # fmt: skip


def test_roles_and_bad_bodies(node: Node) -> None:
    given_elchin(node)
    with node.as_(Role.BORDER_OFFICER) as client:
        assert client.put("/v1/alerts/X-1", json=ELCHIN).status_code == 403
        assert client.get("/v1/alerts").status_code == 403
        assert client.get("/v1/alerts/GEO-T-1").status_code == 200
        assert client.get("/v1/alerts/NOPE").status_code == 404
    with node.as_(Role.ANALYST) as client:
        assert client.get("/v1/alerts/GEO-T-1").status_code == 403
        assert client.post("/v1/screenings", json={"surname": "X"}).status_code == 403
    with node.as_(Role.ADMIN) as client:
        bad = client.put("/v1/alerts/X-1", json=ELCHIN | {"category": "wanted"})
        assert bad.status_code == 422 and "category" in bad.text
        other = client.put("/v1/alerts/X-1", json=ELCHIN | {"id": "X-2"})
        assert other.status_code == 422 and "path" in other.text
        empty = client.put("/v1/alerts/X-1", json={"category": "arrest", "names": ["  "]})
        assert empty.status_code == 422, empty.text
        assert client.get("/v1/alerts/X-1").status_code == 404  # nothing was stored


def test_a_consular_officer_screens_a_visa_applicant(node: Node) -> None:
    given_elchin(node)
    with node.as_(Role.CONSULAR_OFFICER) as client:
        response = client.post("/v1/screenings", json={
            "surname": "Мамедов", "given_names": "Эльчин", "birth_date": "1984"})
    assert response.status_code == 200, response.text
    assert "GEO-T-1" in [h["alert_id"] for h in response.json()["hits"]]


def test_withdrawal_reaches_every_worker(node: Node) -> None:
    with node.as_(Role.ADMIN) as client:
        assert client.put("/v1/alerts/GEO-T-3", json=ELCHIN | {"birth_date": "1990-01-01"}
                          ).status_code == 200  # fmt: skip
        assert client.delete("/v1/alerts/GEO-T-3").json()["withdrawn_at"] is not None
        assert client.delete("/v1/alerts/GEO-T-3").status_code == 409
    born_1990 = passport("AZE", surname="MAMMADOV", given_names="ELCHIN", number="E0000001",
                         birth_date=date(1990, 1, 1))  # fmt: skip
    for _ in range(8):
        assert check(node, born_1990)["alert_hits"] == []


def cta(node: Node, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    env |= {"CTA_DATABASE_URL": node.url, "CTA_TOKEN": node.tokens[Role.ADMIN],
            "CTA_ALERT_SNAPSHOT": "off"}  # fmt: skip
    return subprocess.run([sys.executable, "-m", "cta", *args], input=stdin, env=env,
                          capture_output=True, text=True, timeout=120)  # fmt: skip


def test_cli_import_reaches_the_running_server_and_a_bad_file_stores_nothing(
    node: Node, tmp_path: Path
) -> None:
    good = tmp_path / "alerts.jsonl"
    lines = [ELCHIN | {"id": f"BULK-{n}", "names": ["Rashad Aliyev"],
                       "birth_date": f"19{50 + n}-01-01"} for n in range(40)]  # fmt: skip
    good.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n",
                    encoding="utf-8")  # fmt: skip
    done = cta(node, "alerts", "import", str(good), "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"file": str(good), "alerts": 40, "created": 40,
                                       "changed": 0}  # fmt: skip
    aliyev = passport("AZE", surname="ALIYEV", given_names="RASHAD", number="F0000007",
                      birth_date=date(1957, 1, 1))  # fmt: skip
    assert [h["alert_id"] for h in check(node, aliyev)["alert_hits"]] == ["BULK-7"]
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(ELCHIN | {"id": "BAD-1"}) + "\n" + '{"id": "BAD-2"}\n'
                   + "not json\n", encoding="utf-8")  # fmt: skip
    done = cta(node, "alerts", "import", str(bad))
    assert done.returncode == 2
    assert "line 2" in done.stderr and "line 3" in done.stderr and "Traceback" not in done.stderr
    with node.as_(Role.ADMIN) as client:
        assert client.get("/v1/alerts/BAD-1").status_code == 404
    # the node's own rules (a nationality of no country, an id of another member's), each
    # named with its line as the file's are, and nothing stored
    ruled = tmp_path / "ruled.jsonl"
    ruled.write_text("\n".join(json.dumps(ELCHIN | change) for change in (
        {"id": "RULED-1"}, {"id": "RULED-2", "nationalities": ["ZZZ"]}, {"id": "ARM-3"},
    )) + "\n", encoding="utf-8")  # fmt: skip
    done = cta(node, "alerts", "import", str(ruled))
    assert done.returncode == 2, done.stderr
    assert f"{ruled} line 2: nationalities[0]: 'ZZZ' is not an ICAO 9303" in done.stderr
    assert f"{ruled} line 3: alert 'ARM-3': id reads as an alert of ARM" in done.stderr
    with node.as_(Role.ADMIN) as client:
        assert client.get("/v1/alerts/RULED-1").status_code == 404


def test_cta_screen_without_alerts_file_reads_the_node(node: Node) -> None:
    given_elchin(node)
    done = cta(node, "screen", "--json",
               stdin=json.dumps({"surname": "MAMEDOV", "given_names": "ELCHIN",
                                 "birth_date": "1984-03-07"}) + "\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    hits = json.loads(done.stdout)["hits"]
    assert hits and hits[0]["alert_id"] == "GEO-T-1"


def test_a_restarted_server_opens_its_index_from_the_snapshot(node: Node) -> None:
    given_elchin(node)
    snapshot = Path(node.url.removeprefix("sqlite:///") + ".alerts-index") \
        if node.url.startswith("sqlite") else None
    node.server.stop()
    try:
        if snapshot is not None:
            assert snapshot.is_file()  # written at first start and again at shutdown
        with NodeServer(node.url, node.workdir / "second", workers=1) as server:
            with server.client(node.tokens[Role.BORDER_OFFICER], "restart") as client:
                answer = client.post("/v1/checks", json={
                    "mrz": mammadov("G0000001"), "crossing_point": "GEO-TBS",
                    "direction": "entry"}).json()  # fmt: skip
            assert [h["alert_id"] for h in answer["alert_hits"]] == ["GEO-T-1"]
    finally:
        node.server.start()
