"""``Transaction.document_histories`` on SQLite and PostgreSQL: the carriers' bulk read gives,
for every document on record, the same holder and history as the one-at-a-time reads the
border check makes (``document_key``, ``check_history``), in chunks too."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import event

from cta.adapters.storage.engine import make_engine, migrate
from cta.adapters.storage.store import SqlStore
from cta.adapters.storage.transaction import histories
from cta.bootstrap import reference
from cta.domain.checks import Direction
from cta.domain.roles import Role
from cta.policy.crossing_points import load_crossing_points
from cta.services.node import Actor, IssuePermit, Node, RecordCrossing
from tests.integration.node_server import passport

NOW = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
OFFICER = Actor("officer.01", Role.BORDER_OFFICER, "border control")
CONSUL = Actor("consul.01", Role.CONSULAR_OFFICER, "visa application")


@pytest.fixture
def node(database_url: str) -> Iterator[Node]:
    engine = make_engine(database_url)
    migrate(engine)
    try:
        yield Node(SqlStore(engine), reference(), load_crossing_points(), state="GEO",
                   clock=lambda: NOW)  # fmt: skip
    finally:
        engine.dispose()


def crossing(mrz: list[str], direction: Direction, days_ago: int) -> RecordCrossing:
    return RecordCrossing(mrz, "GEO-TBS", direction, occurred_at=NOW - timedelta(days=days_ago),
                          override_reason="test")  # fmt: skip


def register(node: Node) -> list[tuple[str, str]]:
    """Seven travellers with none, one or two stays, visas and authorisations; their keys."""
    keys = []
    today = NOW.date()
    # an authorisation (n % 3 == 0) for a nationality the regime asks one of, never a visa's
    for n, nationality in enumerate(("USA", "NGA", "GBR", "CAN", "GEO", "IND", "JPN")):
        mrz = passport(nationality)
        for days_ago in range(40, 40 - 10 * (n % 3), -10):
            node.record(OFFICER, crossing(mrz, Direction.ENTRY, days_ago))
            node.record(OFFICER, crossing(mrz, Direction.EXIT, days_ago - 3))
        if n % 2:
            node.issue_permit(CONSUL, IssuePermit(mrz, today, today + timedelta(days=30 + n),
                                                  duration_days=20, entries=n % 3 or None))
        if n % 3 == 0:
            node.issue_permit(CONSUL, IssuePermit(mrz, today, today + timedelta(days=300 + n)))
        keys.append((mrz[0][2:5], mrz[1][0:9].rstrip("<")))
    return keys


@pytest.mark.parametrize("chunk", [1000, 3])
def test_the_bulk_read_agrees_with_the_reads_of_one_document(
    node: Node, chunk: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(histories, "CHUNK", chunk)
    keys = register(node)
    unknown = [("USA", "NOSUCH001"), (keys[0][0], "NOSUCH002"), ("GBR", keys[0][1])]
    asked = keys + unknown + keys[:2]  # repeats are answered once
    with node.store.transaction(read_only=True) as tx:
        found = tx.document_histories(asked)
        expected = {}
        for key in keys:
            located = tx.document_key(*key)
            assert located is not None
            expected[key] = (located[0], tx.check_history(located[0]))
    assert found == expected
    assert any(history.visas for _, history in found.values())
    assert any(history.authorizations for _, history in found.values())
    assert any(history.days for _, history in found.values())


def test_no_read_of_the_bulk_read_scans_the_documents(node: Node) -> None:
    """Each document of a manifest is one look-up in the documents' unique index, on SQLite
    too: a row-value ``IN`` list there read every document on the node for each chunk (550 ms
    per 1,000 keys at a million documents, against 11 ms). PostgreSQL plans by its tables'
    statistics and rightly reads a table of a few rows whole: its plans say nothing here."""
    engine = node.store.engine
    if engine.dialect.name != "sqlite":
        pytest.skip("a plan of SQLite's (it has no statistics to choose by)")
    keys = register(node)
    statements: list[tuple[str, Any]] = []

    def seen(conn: Any, cursor: Any, sql: str, params: Any, context: Any, many: bool) -> None:
        statements.append((sql, params))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with node.store.transaction(read_only=True) as tx:
            assert len(tx.document_histories([*keys, ("USA", "NOSUCH001")])) == len(keys)
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert any("documents" in sql for sql, _ in statements)
    with engine.connect() as connection:
        for sql, params in statements:
            plan = [str(row[-1]) for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sql, params)]  # fmt: skip
            assert not any(step in ("SCAN documents", "SCAN d") for step in plan), (sql, plan)
