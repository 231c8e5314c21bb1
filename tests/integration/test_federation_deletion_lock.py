"""Two peers' deletions of one traveller's records, applied at once on PostgreSQL.

ARM and GEO each hold a record of one traveller at AZE; each sends a ``RetentionDeletion`` of
its own. AZE's two pullers apply them in two transactions at once. Under read committed, each
would see the other origin's record still there, keep the person, and leave the person with
no record at all (a write skew; session 14 found it with three real nodes, one run in three).
``persons_of_records`` locks the persons the records concern (``FOR UPDATE``), so the second
transaction waits for the first and then reads what it left. The test holds the first
transaction open and sees the second wait on the lock in ``pg_stat_activity``: it does not
depend on two threads meeting by chance.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from cta.domain.checks import Direction
from cta.services.node import RecordCrossing
from tests.integration.node_server import passport, unique_number
from tests.integration.test_federation_amendments import (
    ADMIN,
    NOW,
    OFFICER,
    Member,
    crossing,
    member,
    sync,
)


@pytest.fixture
def area(postgres_server: object, tmp_path: Path) -> Iterator[dict[str, Member]]:
    url = postgres_server.create_database(f"t_{uuid.uuid4().hex}")  # type: ignore[attr-defined]
    found = {"AZE": member(str(url), "AZE"),
             "ARM": member(f"sqlite:///{tmp_path / 'arm.sqlite'}", "ARM"),
             "GEO": member(f"sqlite:///{tmp_path / 'geo.sqlite'}", "GEO")}  # fmt: skip
    yield found
    for m in found.values():
        m.node.store.engine.dispose()  # type: ignore[attr-defined]


def _waits(url: str) -> list[str]:
    """What each session of the database waits on, of those that wait on a lock."""
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return list(connection.execute(text(
                "SELECT wait_event FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock'")).scalars())  # fmt: skip
    finally:
        engine.dispose()


def _waiting_on_a_lock(url: str) -> int:
    return len(_waits(url))


def test_the_second_deletion_of_one_person_waits_for_the_first_and_reads_what_it_left(
    area: dict[str, Member],
) -> None:
    aze, arm, geo = area["AZE"], area["ARM"], area["GEO"]
    mrz = passport("USA", number=unique_number())
    arm.node.record(OFFICER, crossing(mrz, Direction.ENTRY, 30))
    geo.node.record(OFFICER, RecordCrossing(mrz=mrz, crossing_point="GEO-TBS",
                                            direction=Direction.EXIT,
                                            occurred_at=NOW.replace(day=1),
                                            override_reason="test"))  # fmt: skip
    [arm_entry] = [r.seq for r in sync(arm, aze) if r.kind == "CrossingRecorded"]
    [geo_exit] = [r.seq for r in sync(geo, aze) if r.kind == "CrossingRecorded"]
    store = aze.node.store
    url = store.engine.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]
    second: list[list[int]] = []

    def geo_s_deletion() -> None:
        with store.transaction() as tx:
            second.append(tx.persons_of_records([("GEO", geo_exit)]))

    with store.transaction() as tx:
        [person] = tx.persons_of_records([("ARM", arm_entry)])
        other = threading.Thread(target=geo_s_deletion)
        other.start()
        deadline = time.monotonic() + 30
        while _waiting_on_a_lock(url) == 0:
            assert other.is_alive(), f"GEO's deletion did not wait for ARM's: {second}"
            assert time.monotonic() < deadline, "nothing waits on the person's lock"
            time.sleep(0.05)
        assert second == []  # still waiting while ARM's deletion holds the person
    other.join(30)
    assert not other.is_alive()
    assert second == [[person]]


def test_a_deadlock_between_two_transactions_is_a_conflict_to_run_again_not_an_outage(
    postgres_server: object,
) -> None:
    """Two transactions locking two rows in opposite orders: PostgreSQL ends one (deadlock).
    The store says so as ``TransactionConflictError`` (the purge runs its batch again on it),
    and the database is not reported failing to ``/v1/health`` for it."""
    from cta.adapters.storage.engine import make_engine, migrate
    from cta.adapters.storage.store import SqlStore
    from cta.services.ports import TransactionConflictError

    url = postgres_server.create_database(f"t_{uuid.uuid4().hex}")  # type: ignore[attr-defined]
    engine = make_engine(str(url))
    migrate(engine)
    store = SqlStore(engine)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO users (name, role, token_hash, active, created_at) "
                                "VALUES ('a', 'admin', 'x1', true, now()), "
                                "('b', 'admin', 'x2', true, now())"))  # fmt: skip
    both_hold_one = threading.Barrier(2)
    outcomes: list[str] = []

    def lock(first: str, second: str) -> None:
        try:
            with store.transaction() as tx:
                lock_row = "SELECT id FROM users WHERE name = :n FOR UPDATE"
                tx.c.execute(text(lock_row), {"n": first})  # type: ignore[attr-defined]
                both_hold_one.wait(timeout=10)
                tx.c.execute(text(lock_row), {"n": second})  # type: ignore[attr-defined]
            outcomes.append("committed")
        except TransactionConflictError as exc:
            outcomes.append(f"conflict: {exc}")

    threads = [threading.Thread(target=lock, args=("a", "b")),
               threading.Thread(target=lock, args=("b", "a"))]  # fmt: skip
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    try:
        assert sorted(o.split(":")[0] for o in outcomes) == ["committed", "conflict"], outcomes
        assert "deadlock" in next(o for o in outcomes if o.startswith("conflict"))
        assert store.watch._failure is None  # health is not told the database fails
    finally:
        engine.dispose()


def test_the_purge_waits_for_a_peers_page_instead_of_meeting_it_in_a_deadlock(
    area: dict[str, Member], monkeypatch: pytest.MonkeyPatch,
) -> None:
    """AZE applies a page of ARM's records, which locks the persons of its records one record
    after another (here the second traveller's, then the first's), while AZE's purge locks the
    persons past retention by id (the first, then the second). Met halfway, each holds what the
    other waits for: PostgreSQL ends one of them (session 16's fresh-clone run: the purge
    answered 503). The purge now waits for the page to end before it locks anyone, and a page
    begun during a purge waits for the purge's batch."""
    monkeypatch.setattr("cta.services.node.persons.PURGE_ATTEMPTS", 1)  # no second attempt
    aze, arm = area["AZE"], area["ARM"]
    first, second = (passport("USA", number=unique_number()) for _ in range(2))
    for mrz in (first, second):  # past retention, so that AZE's purge takes both
        arm.node.record(OFFICER, crossing(mrz, Direction.ENTRY, 4 * 366 + 10))
        arm.node.record(OFFICER, crossing(mrz, Direction.EXIT, 4 * 366))
    seqs = [r.seq for r in sync(arm, aze) if r.kind == "CrossingRecorded"]
    assert len(seqs) == 4  # the first traveller's two, then the second's
    store = aze.node.store
    url = store.engine.url.render_as_string(hide_password=False)  # type: ignore[attr-defined]
    purged: list[object] = []

    def purge() -> None:
        try:
            purged.append(aze.node.purge(ADMIN)["deleted"])
        except Exception as exc:  # kept for the assertion below
            purged.append(exc)

    with store.transaction(replayable=True) as tx:  # as ``FederationService.ingest`` opens it
        tx.hold_against_purge(purge=False)
        [later] = tx.persons_of_records([("ARM", seqs[2])])  # the second traveller's record
        other = threading.Thread(target=purge)
        other.start()
        deadline = time.monotonic() + 30
        while not (waits := _waits(url)):
            assert other.is_alive(), f"the purge did not wait for the page: {purged}"
            assert time.monotonic() < deadline, "the purge waits on nothing"
            time.sleep(0.05)
        assert waits == ["advisory"]  # it waits before it has locked any person
        # the page's next record: the first traveller, whom the purge would have locked first
        [earlier] = tx.persons_of_records([("ARM", seqs[0])])
        assert earlier < later and purged == []
    other.join(30)
    assert not other.is_alive()
    assert purged == [2]
