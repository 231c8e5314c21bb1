"""The node's use cases over its real store, on SQLite and on PostgreSQL (``database_url``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, inspect, select

from cta.adapters.storage import tables as t
from cta.adapters.storage.engine import make_engine, migrate
from cta.adapters.storage.store import SqlStore
from cta.bootstrap import reference
from cta.domain.checks import Direction
from cta.domain.errors import InvalidInputError
from cta.domain.roles import Role
from cta.policy.crossing_points import load_crossing_points
from cta.services.node import (
    Actor,
    BorderCheck,
    ConflictError,
    ForbiddenError,
    Idempotency,
    Node,
    NotFoundError,
    RecordCrossing,
)
from tests.integration.node_server import node_today, passport

TODAY = datetime.now(UTC).replace(hour=8, minute=0, second=0, microsecond=0)
OFFICER = Actor("officer.tbs.01", Role.BORDER_OFFICER, "border control")
ADMIN = Actor("admin.01", Role.ADMIN, "retention")
ANALYST = Actor("analyst.01", Role.ANALYST, "statistics")
AUDITOR = Actor("auditor.01", Role.AUDITOR, "audit")


class Clock:
    """The node's clock, set by the test (the clock is a port of the node, DESIGN.md)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(TODAY)


@pytest.fixture
def node(database_url: str, clock: Clock) -> Iterator[Node]:
    engine = make_engine(database_url)
    migrate(engine)
    try:
        yield Node(SqlStore(engine), reference(), load_crossing_points(), state="GEO",
                   clock=clock)  # fmt: skip
    finally:
        engine.dispose()


def days_ago(days: int) -> datetime:
    return TODAY - timedelta(days=days)


def entry(mrz: list[str], at: datetime | None = None, **options: Any) -> RecordCrossing:
    return RecordCrossing(mrz=mrz, crossing_point="GEO-TBS", direction=Direction.ENTRY,
                          occurred_at=at, **options)  # fmt: skip


def exit_(mrz: list[str], at: datetime | None = None, **options: Any) -> RecordCrossing:
    return RecordCrossing(mrz=mrz, crossing_point="GEO-TBS", direction=Direction.EXIT,
                          occurred_at=at, **options)  # fmt: skip


def count(node: Node, table: Any) -> int:
    with node.store.transaction() as tx:
        return int(tx.c.execute(select(func.count()).select_from(table)).scalar_one())  # type: ignore[attr-defined]


# -- the schema --------------------------------------------------------------------------------


def test_a_new_sqlite_database_is_created_on_first_start_in_wal_mode(tmp_path: Any) -> None:
    path = tmp_path / "var" / "node.sqlite"
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate(engine)
        assert {"persons", "crossings", "audit_log", "idempotency"} <= set(
            inspect(engine).get_table_names()
        )
    finally:
        engine.dispose()
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    connection.close()


def test_migrating_a_database_twice_changes_nothing(node: Node) -> None:
    node.record(OFFICER, entry(passport("GEO")))
    migrate(node.store.engine)  # type: ignore[attr-defined]
    assert count(node, t.crossings) == 1


# -- recording -----------------------------------------------------------------------------------


def test_a_member_national_is_admitted_and_the_entry_is_recorded_with_an_audit_entry(
    node: Node,
) -> None:
    status, body = node.record(OFFICER, entry(passport("ARM")))
    assert status == 201
    assert body["decision"] == "admit"
    assert body["kind"] == "CrossingRecorded"
    file = node.traveller_file(OFFICER, body["person_id"])
    assert [c["direction"] for c in file["crossings"]] == ["entry"]
    assert file["person"]["nationality"] == "ARM"
    with node.store.transaction() as tx:
        actions = [a["action"] for a in tx.audit_of(body["person_id"])]
    assert actions == ["record entry", "read traveller file"]


def test_a_second_crossing_on_the_same_passport_is_filed_under_the_same_person(
    node: Node,
) -> None:
    mrz = passport("AZE")
    _, first = node.record(OFFICER, entry(mrz, days_ago(10)))
    _, second = node.record(OFFICER, exit_(mrz, days_ago(2)))
    assert first["person_id"] == second["person_id"]
    assert count(node, t.persons) == 1
    assert count(node, t.documents) == 1
    file = node.traveller_file(OFFICER, first["person_id"])
    assert [c["direction"] for c in file["crossings"]] == ["entry", "exit"]
    assert file["person"]["last_exit"] == days_ago(2).date()


def test_an_entry_the_check_refused_is_not_recorded_without_an_override_reason(
    node: Node,
) -> None:
    mrz = passport("USA")
    outcome = node.check(OFFICER, BorderCheck(mrz, "GEO-TBS", Direction.ENTRY))
    assert outcome.decision.outcome.value == "refuse"
    assert "C" in [r.code for r in outcome.decision.reasons]
    with pytest.raises(ConflictError, match="override_reason"):
        node.record(OFFICER, entry(mrz))
    assert count(node, t.crossings) == 0
    assert count(node, t.persons) == 0


def test_an_entry_the_check_refused_is_recorded_with_the_officers_override_reason(
    node: Node,
) -> None:
    _, body = node.record(OFFICER, entry(passport("USA"), override_reason="authorisation seen"))
    crossing = node.traveller_file(OFFICER, body["person_id"])["crossings"][0]
    assert crossing["decision"] == "refuse"
    assert crossing["override_reason"] == "authorisation seen"


def test_a_refusal_is_recorded_with_the_reasons_of_the_check(node: Node) -> None:
    _, body = node.record(OFFICER, entry(passport("USA"), refused=True))
    assert body["kind"] == "RefusalRecorded"
    file = node.traveller_file(OFFICER, body["person_id"])
    assert file["crossings"] == []
    assert "C" in [r["code"] for r in file["refusals"][0]["reasons"]]


def test_an_exit_is_never_refused(node: Node) -> None:
    with pytest.raises(ConflictError, match="never refused"):
        node.record(OFFICER, exit_(passport("USA"), refused=True))


def test_a_crossing_point_that_is_not_known_is_invalid_input(node: Node) -> None:
    request = RecordCrossing(passport("GEO"), "GEO-NOWHERE", Direction.ENTRY)
    with pytest.raises(Exception, match="crossing_point 'GEO-NOWHERE'"):
        node.record(OFFICER, request)


def test_a_retried_request_with_the_same_idempotency_key_is_recorded_once(node: Node) -> None:
    request = entry(passport("GEO"))
    key = Idempotency("key-1", "hash-of-the-request")
    first = node.record(OFFICER, request, idempotency=key)
    again = node.record(OFFICER, request, idempotency=key)
    assert again == first
    assert count(node, t.crossings) == 1
    assert count(node, t.outbox) == 1


def test_an_idempotency_key_reused_for_another_request_is_a_conflict(node: Node) -> None:
    node.record(OFFICER, entry(passport("GEO")), idempotency=Idempotency("k", "one"))
    with pytest.raises(ConflictError, match="different request"):
        node.record(OFFICER, entry(passport("GEO")), idempotency=Idempotency("k", "two"))
    assert count(node, t.crossings) == 1


def test_every_record_is_numbered_in_the_outbox_for_the_peers(node: Node) -> None:
    seqs = [node.record(OFFICER, entry(passport("GEO")))[1]["outbox_seq"] for _ in range(3)]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


# -- reading -------------------------------------------------------------------------------------


def test_the_stay_status_counts_the_days_of_a_stay_still_open(node: Node) -> None:
    _, body = node.record(OFFICER, entry(passport("USA"), days_ago(29), override_reason="ok"))
    status = node.stay_status(OFFICER, body["person_id"], TODAY.date())
    assert status["inside"] is True
    assert status["days_used"] == 30
    assert status["limit"] == 90
    assert status["overstays"] == []


def test_a_member_national_has_no_stay_limit(node: Node) -> None:
    _, body = node.record(OFFICER, entry(passport("GEO"), days_ago(400)))
    status = node.stay_status(OFFICER, body["person_id"], TODAY.date())
    assert status["category"] == "free_movement"
    assert status["limit"] is None


def test_the_stay_status_of_an_unknown_person_is_not_found(node: Node) -> None:
    with pytest.raises(NotFoundError):
        node.stay_status(OFFICER, 123456, TODAY.date())


def test_overstayers_on_a_date_are_those_inside_beyond_their_limit(node: Node) -> None:
    over = node.record(OFFICER, entry(passport("USA"), days_ago(100), override_reason="x"))[1]
    inside = node.record(OFFICER, entry(passport("USA"), days_ago(20), override_reason="x"))[1]
    left_mrz = passport("USA")
    node.record(OFFICER, entry(left_mrz, days_ago(120), override_reason="x"))
    node.record(OFFICER, exit_(left_mrz, days_ago(5)))
    node.record(OFFICER, entry(passport("GEO"), days_ago(300)))
    found = node.overstayers(OFFICER, TODAY.date(), 0, 100)
    assert [i["person_id"] for i in found["items"]] == [over["person_id"]]
    assert found["items"][0]["days_used"] == 101
    assert inside["person_id"] not in [i["person_id"] for i in found["items"]]
    earlier = node.overstayers(OFFICER, days_ago(50).date(), 0, 100)
    assert [i["person_id"] for i in earlier["items"]] == []


def test_the_list_of_overstayers_is_paginated_without_gaps_or_repeats(node: Node) -> None:
    expected = [
        node.record(OFFICER, entry(passport("USA"), days_ago(95), override_reason="x"))[1][
            "person_id"
        ]
        for _ in range(5)
    ]
    seen: list[int] = []
    after = 0
    while True:
        page = node.overstayers(OFFICER, TODAY.date(), after, 2)
        assert len(page["items"]) <= 2
        seen += [i["person_id"] for i in page["items"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert seen == expected


def test_the_subject_access_export_holds_the_file_and_who_read_it_and_why(node: Node) -> None:
    _, body = node.record(OFFICER, entry(passport("ARM")))
    reader = Actor("officer.tbs.02", Role.BORDER_OFFICER, "second-line interview")
    node.traveller_file(reader, body["person_id"])
    export = node.export_person(ADMIN, body["person_id"])
    assert export["person"]["id"] == body["person_id"]
    assert len(export["crossings"]) == 1
    reads = [(a["user_name"], a["purpose"]) for a in export["audit"]]
    assert ("officer.tbs.02", "second-line interview") in reads


def test_every_read_of_personal_data_writes_an_audit_entry(node: Node) -> None:
    _, body = node.record(OFFICER, entry(passport("USA"), days_ago(100), override_reason="x"))
    person = body["person_id"]
    node.check(OFFICER, BorderCheck(passport("GEO"), "GEO-TBS", Direction.ENTRY))
    node.traveller_file(OFFICER, person)
    node.stay_status(OFFICER, person, TODAY.date())
    node.overstayers(OFFICER, TODAY.date(), 0, 10)
    node.export_person(ADMIN, person)
    log = node.audit_log(AUDITOR, 0, 100)
    actions = [(a["action"], a["person_id"]) for a in log]
    assert actions == [
        ("record entry", person),
        ("check", None),
        ("read traveller file", person),
        ("read stay status", person),
        ("list overstayer", person),
        ("export person", person),
    ]
    assert all(a["at"] is not None and a["purpose"] for a in log)


def test_the_audit_log_is_read_page_by_page(node: Node) -> None:
    for _ in range(5):
        node.record(OFFICER, entry(passport("GEO")))
    first = node.audit_log(AUDITOR, 0, 2)
    second = node.audit_log(AUDITOR, first[-1]["id"], 2)
    rest = node.audit_log(AUDITOR, second[-1]["id"], 100)
    ids = [a["id"] for a in first + second + rest]
    assert len(ids) == 5 and ids == sorted(set(ids))


@pytest.mark.parametrize(
    ("actor", "use"),
    [
        (ANALYST, lambda n, p: n.traveller_file(ANALYST, p)),
        (ANALYST, lambda n, p: n.stay_status(ANALYST, p, TODAY.date())),
        (ANALYST, lambda n, p: n.overstayers(ANALYST, TODAY.date(), 0, 10)),
        (ANALYST, lambda n, p: n.export_person(ANALYST, p)),
        (ANALYST, lambda n, p: n.audit_log(ANALYST, 0, 10)),
        (AUDITOR, lambda n, p: n.traveller_file(AUDITOR, p)),
        (AUDITOR, lambda n, p: n.record(AUDITOR, entry(passport("GEO")))),
        (OFFICER, lambda n, p: n.export_person(OFFICER, p)),
        (OFFICER, lambda n, p: n.purge(OFFICER)),
        (OFFICER, lambda n, p: n.audit_log(OFFICER, 0, 10)),
    ],
    ids=[
        "analyst-file",
        "analyst-stay",
        "analyst-overstayers",
        "analyst-export",
        "analyst-audit",
        "auditor-file",
        "auditor-record",
        "officer-export",
        "officer-purge",
        "officer-audit",
    ],
)
def test_a_role_without_the_permission_is_forbidden_and_reads_nothing(
    node: Node, actor: Actor, use: Any
) -> None:
    _, body = node.record(OFFICER, entry(passport("GEO")))
    before = count(node, t.audit_log)
    with pytest.raises(ForbiddenError):
        use(node, body["person_id"])
    assert count(node, t.audit_log) == before


# -- retention -----------------------------------------------------------------------------------


def _stay(node: Node, nationality: str, entered: datetime, left: datetime) -> int:
    mrz = passport(nationality, expiry_date=node_today() + timedelta(days=3 * 365))
    _, body = node.record(OFFICER, entry(mrz, entered, override_reason="test"))
    node.record(OFFICER, exit_(mrz, left))
    return int(body["person_id"])


def test_retention_deletes_a_traveller_three_years_after_the_last_exit(node: Node) -> None:
    old = _stay(node, "USA", days_ago(4 * 365 + 10), days_ago(4 * 365))
    recent = _stay(node, "USA", days_ago(2 * 365 + 10), days_ago(2 * 365))
    inside = node.record(OFFICER, entry(passport("GEO"), days_ago(5 * 365)))[1]["person_id"]
    result = node.purge(ADMIN)
    assert result["deleted"] == 1
    with pytest.raises(NotFoundError):
        node.traveller_file(OFFICER, old)
    assert node.traveller_file(OFFICER, recent)["crossings"]
    assert node.traveller_file(OFFICER, inside)["crossings"]
    with node.store.transaction() as tx:
        assert [a["action"] for a in tx.audit_of(old)][-1] == "retention deletion"


def test_retention_keeps_an_overstayer_five_years_after_the_last_exit(node: Node) -> None:
    kept = _stay(node, "USA", days_ago(4 * 365 + 120), days_ago(4 * 365))
    gone = _stay(node, "USA", days_ago(6 * 365 + 120), days_ago(6 * 365))
    file = node.traveller_file(OFFICER, kept)
    assert file["person"]["overstayed"] is True
    assert node.purge(ADMIN)["deleted"] == 1
    assert node.traveller_file(OFFICER, kept)["person"]["id"] == kept
    with pytest.raises(NotFoundError):
        node.traveller_file(OFFICER, gone)
    assert count(node, t.crossings) == 2


def test_retention_keeps_a_traveller_who_came_back_after_the_last_exit(node: Node) -> None:
    mrz = passport("USA", expiry_date=node_today() + timedelta(days=3 * 365))
    node.record(OFFICER, entry(mrz, days_ago(4 * 365 + 10), override_reason="test"))
    _, left = node.record(OFFICER, exit_(mrz, days_ago(4 * 365)))
    node.record(OFFICER, entry(mrz, days_ago(4 * 365 - 30), override_reason="back again"))
    assert node.purge(ADMIN)["deleted"] == 0
    assert len(node.traveller_file(OFFICER, left["person_id"])["crossings"]) == 3


def test_a_new_passport_confirmed_as_a_known_travellers_is_filed_under_that_person(
    node: Node,
) -> None:
    _, first = node.record(OFFICER, entry(passport("ARM"), days_ago(20)))
    person = first["person_id"]
    _, second = node.record(OFFICER, exit_(passport("ARM"), person_id=person))
    assert second["person_id"] == person
    file = node.traveller_file(OFFICER, person)
    assert len(file["documents"]) == 2
    assert [c["direction"] for c in file["crossings"]] == ["entry", "exit"]


def test_a_passport_of_one_person_cannot_be_confirmed_as_anothers(node: Node) -> None:
    mrz = passport("ARM")
    node.record(OFFICER, entry(mrz, days_ago(20)))
    _, other = node.record(OFFICER, entry(passport("AZE"), days_ago(20)))
    with pytest.raises(ConflictError, match="belongs to person"):
        node.record(OFFICER, exit_(mrz, person_id=other["person_id"]))


def test_after_retention_no_copy_of_the_travellers_mrz_is_left_on_the_node(node: Node) -> None:
    person = _stay(node, "USA", days_ago(4 * 365 + 10), days_ago(4 * 365))
    surname_line = node.export_person(ADMIN, person)["person"]["surname"]
    assert node.purge(ADMIN)["deleted"] == 1
    with node.store.transaction() as tx:
        payloads = [str(r.payload) for r in tx.c.execute(select(t.outbox.c.payload))]  # type: ignore[attr-defined]
    assert not any(surname_line in payload for payload in payloads)


def test_a_person_only_ever_refused_is_deleted_three_years_after_the_refusal(node: Node) -> None:
    """Retention runs from the last record of any kind, a refusal too (EES Art. 34: 3 years)."""
    mrz = passport("USA", expiry_date=node_today() + timedelta(days=3 * 365))
    request = RecordCrossing(mrz=mrz, crossing_point="GEO-TBS", direction=Direction.ENTRY,
                             occurred_at=days_ago(3 * 365 + 30), refused=True)  # fmt: skip
    _, body = node.record(OFFICER, request)
    assert node.purge(ADMIN)["deleted"] == 1
    with pytest.raises(NotFoundError):
        node.traveller_file(OFFICER, int(body["person_id"]))


def test_a_recent_refusal_keeps_a_person_whose_last_exit_is_old(node: Node) -> None:
    person = _stay(node, "USA", days_ago(4 * 365 + 10), days_ago(4 * 365))
    file = node.traveller_file(OFFICER, person)
    number = file["documents"][0]["document_number"]
    mrz = passport("USA", number=number,
                   expiry_date=node_today() + timedelta(days=3 * 365))  # fmt: skip
    node.record(OFFICER, RecordCrossing(mrz=mrz, crossing_point="GEO-TBS",
                                        direction=Direction.ENTRY, occurred_at=days_ago(10),
                                        refused=True))  # fmt: skip
    assert node.purge(ADMIN)["deleted"] == 0


def test_an_old_exit_recorded_late_does_not_move_the_last_exit_back(node: Node) -> None:
    person = _stay(node, "GEO", days_ago(30), days_ago(20))
    number = node.traveller_file(OFFICER, person)["documents"][0]["document_number"]
    mrz = passport("GEO", number=number,
                   expiry_date=node_today() + timedelta(days=3 * 365))  # fmt: skip
    node.record(OFFICER, exit_(mrz, days_ago(200)))
    assert node.traveller_file(OFFICER, person)["person"]["last_exit"] == (
        days_ago(20).astimezone(ZoneInfo("Asia/Tbilisi")).date()
    )


def test_an_internal_crossing_point_has_no_check_and_no_record(node: Node) -> None:
    """DESIGN.md data flow 2: internal borders are not checked; Sadakhlo is GEO-ARM."""
    request = BorderCheck(mrz=passport("USA"), crossing_point="GEO-SADAKHLO",
                          direction=Direction.ENTRY)  # fmt: skip
    with pytest.raises(InvalidInputError, match="internal border"):
        node.check(OFFICER, request)


def test_a_node_records_only_its_own_states_crossing_points(node: Node) -> None:
    request = BorderCheck(mrz=passport("USA"), crossing_point="ARM-EVN", direction=Direction.ENTRY)
    with pytest.raises(InvalidInputError, match="run by ARM"):
        node.check(OFFICER, request)
