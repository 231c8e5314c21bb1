"""Faults in the federation, with three real nodes on loopback, on SQLite and on PostgreSQL.

Every pull passes through a relay the test controls (``tests.integration.peer_relay``), so a
link can be cut, slowed, or made to serve duplicated, reordered, gapped, tampered, wrongly
signed or foreign records. The relay speaks TLS on both sides: the nodes' federation files pin
its certificate for the peers behind it (a trusted middlebox, as a TLS-terminating proxy), and
it pins the nodes' certificates; what it spoils it spoils inside TLS, where only the records'
own signatures and chains can catch it. After each fault the area must agree again: the same records
(origin, seq, hash) on all three nodes, the same stay answer for every traveller, and every
crossing a node acknowledged (201) held exactly once by every node.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cta.adapters.storage import tables as t
from cta.domain.roles import Role
from cta.federation.auth import sign_request
from cta.federation.keys import generate_private_key, key_files, load_private_key
from cta.federation.members import Federation, load_federation
from cta.federation.protocol import records_target
from cta.federation.records import Record
from cta.federation.verify import Accepted, ChainHead, verify_batch
from tests.integration.area import (
    POINT,
    STATES,
    Member,
    area_on,
    cut_off,
    heads,
    in_sync,
    links,
    mend,
    read_rows,
    record_hashes,
    unsealed,
    wait_until,
)
from tests.integration.node_server import BOTH_DATABASES, add_user, passport, unique_number

Ack = tuple[str, str, str, str]  # issuing state, document number, direction, occurred_at (UTC)
Job = tuple[str, list[str], str, datetime]  # node, MRZ, direction, when
CLIENTS = 8  # officers recording at once


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def nodes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Member]]:
    yield from area_on(request, tmp_path_factory, "faults", relay=True)


@pytest.fixture(autouse=True)
def _whole_area(nodes: dict[str, Member]) -> Iterator[None]:
    yield
    mend(nodes)


# -- recording, and what the nodes hold ------------------------------------------------------


def _utc_text(value: Any) -> str:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds")


class _OwnClients:
    """Each thread its own client of each node (an officer's own browser), all closed at the
    end: one client shared by eight threads once failed a read with EBADF in httpcore."""

    def __init__(self, nodes: Mapping[str, Member]) -> None:
        self._nodes, self._local = nodes, threading.local()
        self._made: list[httpx.Client] = []
        self._lock = threading.Lock()

    def __call__(self, state: str) -> httpx.Client:
        mine: dict[str, httpx.Client] = self._local.__dict__.setdefault("clients", {})
        if state not in mine:
            mine[state] = self._nodes[state].client()
            with self._lock:
                self._made.append(mine[state])
        return mine[state]

    def close(self) -> None:
        for client in self._made:
            client.close()


def record_all(nodes: Mapping[str, Member], jobs: Sequence[Job]) -> list[Ack]:
    """Record the crossings with several officers at once; what the nodes acknowledged."""
    clients = _OwnClients(nodes)

    def one(job: Job) -> Ack:
        state, mrz, direction, at = job
        response = clients(state).post("/v1/crossings", json={
            "mrz": mrz, "crossing_point": POINT[state], "direction": direction,
            "occurred_at": at.isoformat(), "override_reason": "test"})  # fmt: skip
        assert response.status_code == 201, response.text
        return (mrz[0][2:5], mrz[1][:9].rstrip("<"), direction, _utc_text(at))

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            return list(pool.map(one, jobs))
    finally:
        clients.close()


def trips(
    count: int, entry_at: str, exit_at: str, days_ago: int = 60, rounds: int = 1
) -> tuple[list[Job], list[str]]:
    """``count`` travellers, each ``rounds`` times entering at one node and leaving from
    another 10 days later, 20 days apart; their document numbers."""
    now = datetime.now(UTC).replace(microsecond=0)
    jobs: list[Job] = []
    numbers = []
    for n in range(count):
        number = unique_number()
        mrz = passport("USA", number=number)
        for r in range(rounds):
            first = now - timedelta(days=days_ago - 20 * r, minutes=n)
            jobs += [(entry_at, mrz, "entry", first),
                     (exit_at, mrz, "exit", first + timedelta(days=10))]  # fmt: skip
        numbers.append(number)
    return jobs, numbers


def import_all(nodes: Mapping[str, Member], jobs: Sequence[Job]) -> list[Ack]:
    """Import the crossings in bulk (``cta import crossings``, one run per node, while the
    nodes serve); what the imports acknowledged."""
    acks: list[Ack] = []
    for state in sorted({job[0] for job in jobs}):
        node = nodes[state]
        mine = [job for job in jobs if job[0] == state]
        file = Path(node.server.workdir) / f"import-{uuid.uuid4().hex[:8]}.jsonl"
        file.write_text("".join(json.dumps({
            "mrz": mrz, "crossing_point": POINT[state], "direction": direction,
            "occurred_at": at.isoformat(), "officer": "officer.import"}) + "\n"
            for _, mrz, direction, at in mine), encoding="utf-8")  # fmt: skip
        admin = add_user(node.url, f"admin.{uuid.uuid4().hex[:6]}", Role.ADMIN)
        env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
        env |= {"CTA_DATABASE_URL": node.url, "CTA_STATE": state}
        done = subprocess.run([sys.executable, "-m", "cta", "import", "crossings", str(file),
                               "--token", admin, "--json"], env=env, capture_output=True,
                              text=True, timeout=120)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["imported"] == len(mine), done.stdout
        acks += [(mrz[0][2:5], mrz[1][:9].rstrip("<"), direction, _utc_text(at))
                 for _, mrz, direction, at in mine]  # fmt: skip
    return acks


def crossings_held(node: Member, numbers: Iterable[str]) -> Counter[Ack]:
    """The node's crossings of these documents, as acknowledgements, counted."""
    c, d = t.crossings.c, t.documents.c
    query = (select(d.issuing_state, d.document_number, c.direction, c.occurred_at)
             .join(t.documents, d.id == c.document_id)
             .where(d.document_number.in_(list(numbers))))  # fmt: skip
    rows = read_rows(node, query)
    return Counter((s, n, direction, _utc_text(at)) for s, n, direction, at in rows)


def persons(node: Member, numbers: Iterable[str]) -> dict[str, int]:
    d = t.documents.c
    query = select(d.document_number, d.person_id).where(d.document_number.in_(list(numbers)))
    return {n: int(p) for n, p in read_rows(node, query)}


def stay_answers(node: Member, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
    """The node's stay answer for each traveller (without its local person id)."""
    ids = persons(node, numbers)
    assert set(ids) == set(numbers), f"{node.state} misses {len(set(numbers) - set(ids))}"
    clients = _OwnClients({node.state: node})

    def stay(number: str) -> dict[str, Any]:
        response = clients(node.state).get(f"/v1/persons/{ids[number]}/stay")
        assert response.status_code == 200, response.text
        return {k: v for k, v in response.json().items() if k != "person_id"}

    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            return dict(zip(numbers, pool.map(stay, numbers), strict=True))
    finally:
        clients.close()


def assert_the_area_agrees(
    nodes: Mapping[str, Member], acks: Sequence[Ack], seconds: float = 120
) -> None:
    """Same records everywhere, every acknowledged crossing once, the same stay answers."""
    wait_until(lambda: in_sync(nodes), seconds, "the three nodes hold each other's records")
    held = [record_hashes(node) for node in nodes.values()]
    assert held[0] == held[1] == held[2]
    numbers = sorted({number for _, number, _, _ in acks})
    expected = Counter(acks)
    assert max(expected.values()) == 1, "a test acknowledgement repeated"
    for node in nodes.values():
        assert crossings_held(node, numbers) == expected, f"{node.state}'s crossings"
    answers = [stay_answers(node, numbers) for node in nodes.values()]
    assert answers[0] == answers[1] == answers[2]


# -- audit and alarms ------------------------------------------------------------------------


def pulled(node: Member) -> int:
    """How many of its peers' records the node holds."""
    return sum(seq for origin, seq in heads(node).items() if origin != node.state)


def audit_rejections(node: Member, after: int = 0) -> tuple[list[dict[str, Any]], int]:
    """The node's "reject records" audit entries after entry ``after``, and the last entry."""
    found: list[dict[str, Any]] = []
    with node.server.client(node.auditor, "federation faults") as client:
        while True:
            page = client.get("/v1/audit", params={"after": after, "limit": 1000})
            assert page.status_code == 200, page.text
            items = page.json()["items"]
            found += [i for i in items if i["action"] == "reject records"]
            if not items:
                return found, after
            after = items[-1]["id"]


def node_log(node: Member) -> str:
    return node.server.log_file.read_text(errors="replace")


# -- the tests ---------------------------------------------------------------------------------


def test_a_node_killed_in_the_middle_of_a_sync_catches_up_and_loses_nothing(
    nodes: dict[str, Member],
) -> None:
    wait_until(lambda: in_sync(nodes), what="a quiet area")
    aze = nodes["AZE"]
    aze.server.stop()
    jobs, _ = trips(250, "GEO", "ARM", days_ago=200, rounds=4)  # 2,000 crossings
    # (apart while importing: a peer's record filing one of its documents meanwhile would
    # start the import over, test_bulk_import's concern, not the one tested here)
    links(nodes, {("GEO", "ARM"): "down", ("ARM", "GEO"): "down"})
    acks = import_all(nodes, jobs)
    links(nodes, {("GEO", "ARM"): "pass", ("ARM", "GEO"): "pass"})
    wait_until(lambda: not unsealed(nodes["GEO"]) and not unsealed(nodes["ARM"]), what="sealed")
    total = heads(nodes["GEO"])["GEO"] + heads(nodes["ARM"])["ARM"]
    links(nodes, {("AZE", "GEO"): "slow", ("AZE", "ARM"): "slow"})
    aze.server.start()
    deadline = time.monotonic() + 60
    while not pulled(aze) and time.monotonic() < deadline:  # its first page is in
        time.sleep(0.01)
    aze.server.kill()
    assert 0 < pulled(aze) < total, "the crash did not fall in the catch-up"
    links(nodes, {("AZE", "GEO"): "pass", ("AZE", "ARM"): "pass"})
    aze.server.start()
    assert_the_area_agrees(nodes, acks)


def test_a_node_stopped_while_the_others_record_thousands_catches_up(
    nodes: dict[str, Member],
) -> None:
    nodes["ARM"].server.stop()
    jobs, _ = trips(250, "GEO", "AZE", days_ago=120, rounds=4)  # 2,000 crossings
    acks = record_all(nodes, jobs)
    nodes["ARM"].server.start()
    assert_the_area_agrees(nodes, acks)


@pytest.mark.parametrize(
    ("mode", "reason"),
    [
        ("reorder", "out_of_order"),
        ("gap", "gap"),
        ("tamper_payload", "bad_payload_hash"),
        ("tamper_hash", "bad_hash"),
        ("wrong_key", "bad_signature"),
        ("unknown_origin", "wrong_origin"),
        ("duplicate", None),
    ],
)
def test_a_bad_batch_is_refused_whole_audited_and_blocks_nothing_else(
    nodes: dict[str, Member], mode: str, reason: str | None
) -> None:
    geo, arm, aze = nodes["GEO"], nodes["ARM"], nodes["AZE"]
    wait_until(lambda: in_sync(nodes), what="a quiet area")
    _, cursor = audit_rejections(geo)
    arm_held = heads(geo)["ARM"]
    links(nodes, {("GEO", "ARM"): mode})
    arm_jobs, _ = trips(3, "ARM", "ARM", days_ago=30)
    aze_jobs, _ = trips(1, "AZE", "AZE", days_ago=30)
    acks = record_all(nodes, arm_jobs + aze_jobs)
    wait_until(lambda: heads(geo).get("AZE") == heads(aze)["AZE"] and not unsealed(aze),
               what="GEO still takes AZE's records")  # fmt: skip
    if reason is None:  # redelivered records are skipped, not applied twice
        wait_until(lambda: heads(geo)["ARM"] == heads(arm)["ARM"], what="the duplicates")
        assert audit_rejections(geo, cursor)[0] == []
    else:
        wait_until(lambda: any(r["detail"]["reason"] == reason and
                               r["detail"]["origin"] == "ARM"
                               for r in audit_rejections(geo, cursor)[0]),
                   what=f"GEO audits the {mode} batch")  # fmt: skip
        assert heads(geo)["ARM"] == arm_held, "something of a refused batch was stored"
        assert "federation alarm: rejected a batch of ARM" in node_log(geo)
        assert reason in node_log(geo)
    links(nodes, {("GEO", "ARM"): "pass"})
    assert_the_area_agrees(nodes, acks, seconds=60)


def test_a_payload_dropped_on_the_way_is_refused_and_the_record_learnt_honestly(
    nodes: dict[str, Member],
) -> None:
    """A relay sets an AlertPut's payload and salt to null: the page still verifies, but no
    deletion of ARM's names that record, so GEO refuses the page whole (audited, alarmed) and
    its head stays; once the link is honest again, GEO learns the alert and a check refers."""
    geo, arm = nodes["GEO"], nodes["ARM"]
    wait_until(lambda: in_sync(nodes), what="a quiet area")
    _, cursor = audit_rejections(geo)
    arm_held = heads(geo).get("ARM", 0)
    links(nodes, {("GEO", "ARM"): "erase"})
    admin = add_user(arm.url, f"admin.{uuid.uuid4().hex[:6]}", Role.ADMIN)
    alert_id = f"ARM-ERASE-{uuid.uuid4().hex[:6]}"
    number = unique_number()
    with arm.server.client(admin, "alerts") as client:
        put = client.put(f"/v1/alerts/{alert_id}", json={
            "category": "refuse_entry", "document_numbers": [number]})  # fmt: skip
        assert put.status_code == 200, put.text
    jobs, _ = trips(2, "ARM", "ARM", days_ago=30)  # a page of three records or more
    acks = record_all(nodes, jobs)
    try:
        wait_until(lambda: any(r["detail"]["reason"] == "unproven_erasure"
                               and r["detail"]["origin"] == "ARM"
                               for r in audit_rejections(geo, cursor)[0]),
                   what="GEO audits the page without the alert's payload")  # fmt: skip
        assert heads(geo).get("ARM", 0) == arm_held, "something of a refused page was stored"
        assert "federation alarm: rejected a batch of ARM" in node_log(geo)
        assert "unproven_erasure" in node_log(geo)
        with geo.server.client(admin_of(geo), "alerts") as client:
            assert client.get(f"/v1/alerts/{alert_id}").status_code == 404
    finally:
        links(nodes, {("GEO", "ARM"): "pass"})
    assert_the_area_agrees(nodes, acks, seconds=60)
    check = geo.post("/v1/checks", {"mrz": passport("USA", number=number),
                                    "crossing_point": POINT["GEO"], "direction": "entry"})
    assert check.status_code == 200, check.text
    assert [h["alert_id"] for h in check.json()["alert_hits"]] == [alert_id]
    assert check.json()["decision"] != "admit"


def admin_of(node: Member) -> str:
    return add_user(node.url, f"admin.{uuid.uuid4().hex[:6]}", Role.ADMIN)


def test_the_records_are_served_to_members_only(nodes: dict[str, Member]) -> None:
    geo = nodes["GEO"]
    target = records_target(0, 10)
    url = geo.server.base_url + target
    keys = Path(geo.server.workdir).parent / "keys"
    arm_key = load_private_key(key_files(keys, "ARM").private)
    now = datetime.now(UTC)
    signed = sign_request(arm_key, "ARM", "GEO", "GET", target, now)
    verify = geo.server.verify()
    assert httpx.get(url, headers=signed, verify=verify).status_code == 200
    assert httpx.get(url, headers=signed, verify=verify).status_code == 401  # a replay
    refused = {
        "no credentials": {},
        "a stranger's key": sign_request(generate_private_key(), "ARM", "GEO", "GET", target,
                                         now),
        "made for AZE": sign_request(arm_key, "ARM", "AZE", "GET", target, now),
        "another target": sign_request(arm_key, "ARM", "GEO", "GET", records_target(5, 10),
                                       now),
        "not a member": sign_request(arm_key, "XYZ", "GEO", "GET", target, now),
        "an hour old": sign_request(arm_key, "ARM", "GEO", "GET", target,
                                    now - timedelta(hours=1)),
    }  # fmt: skip
    for why, headers in refused.items():
        response = httpx.get(url, headers=headers, verify=verify)
        assert response.status_code == 401, why
        assert response.json()["detail"], why


def test_a_retention_deletion_reaches_every_node_and_the_chains_still_verify(
    nodes: dict[str, Member],
) -> None:
    geo, aze = nodes["GEO"], nodes["AZE"]
    jobs, numbers = trips(3, "GEO", "ARM", days_ago=4 * 366)  # past the 3 years' retention
    kept_jobs, kept = trips(1, "GEO", "ARM", days_ago=30)
    acks = record_all(nodes, jobs + kept_jobs)
    wait_until(lambda: in_sync(nodes), what="the old trips everywhere")
    erased = _refs_of(geo, numbers)
    assert {origin for origin, _ in erased} == {"GEO", "ARM"} and len(erased) == 6
    aze.server.stop()  # AZE hears of the deletions when it is back
    for purging in (geo, nodes["ARM"]):  # each origin erases its own records (the exits at
        # ARM stay with the travellers everywhere until ARM's own purge finds them past)
        admin = add_user(purging.url, f"admin.{uuid.uuid4().hex[:6]}", Role.ADMIN)
        with purging.server.client(admin, "retention") as client:
            purged = client.post("/v1/retention/purge")
        assert purged.status_code == 200 and purged.json()["deleted"] >= 3, purged.text
    aze.server.start()
    wait_until(lambda: in_sync(nodes) and not any(persons(n, numbers) for n in nodes.values()),
               what="the travellers gone everywhere")  # fmt: skip
    for node in nodes.values():
        wires = _wires(node)
        assert all(wires[ref]["payload"] is None and wires[ref]["salt"] is None
                   for ref in erased), f"{node.state} keeps a payload"  # fmt: skip
        for origin in STATES:
            chain = [Record.from_wire(w) for (o, _), w in sorted(wires.items()) if o == origin]
            verdict = verify_batch(origin, ChainHead(), chain, _federation(node))
            assert isinstance(verdict, Accepted), f"{node.state}: {verdict}"
    held = [record_hashes(node) for node in nodes.values()]
    assert held[0] == held[1] == held[2]
    assert_the_area_agrees(nodes, [a for a in acks if a[1] in kept])


def test_a_node_cut_off_keeps_checking_and_its_records_flow_when_the_link_is_back(
    nodes: dict[str, Member],
) -> None:
    geo, arm = nodes["GEO"], nodes["ARM"]
    wait_until(lambda: in_sync(nodes), what="a quiet area")
    before = heads(geo)
    cut_off(nodes, "GEO")
    try:
        while_apart, _ = trips(5, "ARM", "AZE", days_ago=20)
        at_geo, numbers = trips(5, "GEO", "GEO", days_ago=15)
        acks = record_all(nodes, while_apart + at_geo)
        wait_until(lambda: heads(nodes["AZE"]).get("ARM") == heads(arm)["ARM"]
                   and not unsealed(arm), what="ARM and AZE still sync")  # fmt: skip
        wait_until(lambda: not unsealed(geo), what="GEO seals its own records")
        check = geo.post(
            "/v1/checks",
            {
                "mrz": passport("USA", number=numbers[0]),
                "crossing_point": "GEO-TBS",
                "direction": "entry",
            },
        )
        assert check.status_code == 200, check.text
        based_on = {b["origin"]: b for b in check.json()["based_on"]}
        assert based_on["ARM"]["last_seq"] == before["ARM"] < heads(arm)["ARM"]
        assert based_on["AZE"]["last_seq"] == before["AZE"]
        assert based_on["GEO"]["last_seq"] == heads(geo)["GEO"] > before["GEO"]
        last_arm = datetime.fromisoformat(based_on["ARM"]["last_record_at"])
        assert datetime.now(UTC) - last_arm > timedelta(seconds=1)  # how old ARM's data is
        assert heads(arm).get("GEO") == before["GEO"], "GEO's records got out"
    finally:
        cut_off(nodes, "GEO", "pass")
    assert_the_area_agrees(nodes, acks)


def _refs_of(node: Member, numbers: Sequence[str]) -> list[tuple[str, int]]:
    ids = set(persons(node, numbers).values())
    r = t.records.c
    rows = read_rows(node, select(r.origin, r.seq).where(r.person_id.in_(ids)))
    return sorted((o, int(s)) for o, s in rows)


def _wires(node: Member) -> dict[tuple[str, int], dict[str, Any]]:
    r = t.records.c
    return {(o, int(s)): w for o, s, w in read_rows(node, select(r.origin, r.seq, r.wire))}


def _federation(node: Member) -> Federation:
    return load_federation(Path(node.server.workdir).parent / f"federation-{node.state}.toml")
