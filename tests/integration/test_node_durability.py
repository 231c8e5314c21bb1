"""A record is durable before its 201 is sent, and concurrent writers lose nothing.

Real ``cta serve`` processes on SQLite and PostgreSQL: one is SIGKILLed under a stream of
writes; two others write to one database at once. Rows are counted in the database itself.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select

from cta.adapters.storage import tables as t
from cta.domain.roles import Role
from tests.integration.node_server import NodeServer, add_user, passport

WRITES = 300
THREADS = 6


@dataclass(frozen=True)
class Write:
    key: str
    body: dict[str, Any]


def writes(count: int) -> list[Write]:
    """Entries of distinct member nationals (always admitted), each with its own key."""
    return [
        Write(
            uuid.uuid4().hex,
            {"mrz": passport("GEO"), "crossing_point": "GEO-TBS", "direction": "entry"},
        )
        for _ in range(count)
    ]


def post(client: httpx.Client, write: Write) -> httpx.Response:
    return client.post("/v1/crossings", json=write.body, headers={"Idempotency-Key": write.key})


@dataclass
class Outcomes:
    acknowledged: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, key: str, body: dict[str, Any]) -> None:
        with self.lock:
            self.acknowledged[key] = body

    def __len__(self) -> int:
        with self.lock:
            return len(self.acknowledged)


def crossings_by_person(database_url: str) -> dict[int, int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(
                select(t.crossings.c.person_id, func.count()).group_by(t.crossings.c.person_id)
            )
            return {int(person): int(n) for person, n in rows}
    finally:
        engine.dispose()


def crossing_ids(database_url: str) -> set[int]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            return {int(i) for i in connection.execute(select(t.crossings.c.id)).scalars()}
    finally:
        engine.dispose()


@pytest.fixture
def officer(database_url: str) -> str:
    return add_user(database_url, "officer.tbs.01", Role.BORDER_OFFICER)


@pytest.fixture
def server(database_url: str, tmp_path: Path) -> Iterator[NodeServer]:
    node = NodeServer(database_url, tmp_path / "node")
    try:
        yield node
    finally:
        node.stop()


def _stream(server: NodeServer, token: str, stream: list[Write], outcomes: Outcomes) -> None:
    """Send every write once from several threads; a failed one is left unacknowledged."""
    queue = iter(stream)
    lock = threading.Lock()

    def writer() -> None:
        with server.client(token) as client:
            while True:
                with lock:
                    write = next(queue, None)
                if write is None:
                    return
                try:
                    response = post(client, write)
                except httpx.TransportError:
                    continue  # the server died: no answer, so not acknowledged
                if response.status_code == 201:
                    outcomes.add(write.key, response.json())

    threads = [threading.Thread(target=writer) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    while len(outcomes) < WRITES // 3 and any(thread.is_alive() for thread in threads):
        threading.Event().wait(0.005)
    server.kill()
    for thread in threads:
        thread.join(timeout=120)


def test_every_acknowledged_crossing_survives_a_sigkill_and_none_is_recorded_twice(
    database_url: str, officer: str, server: NodeServer
) -> None:
    stream = writes(WRITES)
    outcomes = Outcomes()
    server.start()
    _stream(server, officer, stream, outcomes)
    acknowledged = dict(outcomes.acknowledged)
    assert WRITES // 3 <= len(acknowledged) < WRITES, "the kill came too late to test anything"
    durable = crossing_ids(database_url)
    assert {body["id"] for body in acknowledged.values()} <= durable
    server.start()
    with server.client(officer) as client:
        for write in stream:
            response = post(client, write)
            assert response.status_code == 201, response.text
            if write.key in acknowledged:
                assert response.json() == acknowledged[write.key]
    per_person = crossings_by_person(database_url)
    assert len(per_person) == WRITES
    assert set(per_person.values()) == {1}


def test_two_servers_writing_to_one_database_at_once_lose_nothing(
    database_url: str, officer: str, tmp_path: Path
) -> None:
    distinct = writes(200)
    raced = writes(20)  # each sent to both servers at the same moment, with the same key
    with (
        NodeServer(database_url, tmp_path / "a", workers=2) as a,
        NodeServer(database_url, tmp_path / "b") as b,
        a.client(officer) as to_a,
        b.client(officer) as to_b,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        plain = [pool.submit(post, (to_a, to_b)[i % 2], w) for i, w in enumerate(distinct)]
        pairs = [(pool.submit(post, to_a, w), pool.submit(post, to_b, w)) for w in raced]
        answers = [f.result() for f in plain]
        pair_answers = [(x.result(), y.result()) for x, y in pairs]
    assert [r.status_code for r in answers] == [201] * len(distinct)
    for x, y in pair_answers:
        assert (x.status_code, y.status_code) == (201, 201), (x.text, y.text)
        assert x.json() == y.json()
    per_person = crossings_by_person(database_url)
    assert len(per_person) == len(distinct) + len(raced)
    assert set(per_person.values()) == {1}


def test_two_servers_filing_the_same_new_passport_at_once_make_one_person(
    database_url: str, officer: str, tmp_path: Path
) -> None:
    mrz = [passport("ARM") for _ in range(10)]
    with (
        NodeServer(database_url, tmp_path / "a") as a,
        NodeServer(database_url, tmp_path / "b") as b,
        a.client(officer) as to_a,
        b.client(officer) as to_b,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        body = {"crossing_point": "GEO-TBS", "direction": "entry"}
        futures = [
            pool.submit(client.post, "/v1/crossings", json={**body, "mrz": m})
            for m in mrz
            for client in (to_a, to_b)
        ]
        answers = [f.result() for f in futures]
    assert [r.status_code for r in answers] == [201] * 20, [r.text for r in answers]
    per_person = crossings_by_person(database_url)
    assert sorted(per_person.values()) == [2] * 10
