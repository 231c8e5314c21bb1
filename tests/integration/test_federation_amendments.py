"""Records that amend others, from the node's use case to a peer's tables, on both databases.

ARM's node corrects and withdraws crossings, issues and revokes visas and authorisations, and
links a new passport to a known traveller; its sealer turns each into a record whose
``supersedes`` names the record it amends; GEO ingests ARM's records and must end with the
same rows. (The same flows through real processes: tests/integration/test_federation_area.py.)
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from cta.adapters.storage import tables as t
from cta.adapters.storage.bulk import SqlBulkStore
from cta.adapters.storage.engine import make_engine, migrate
from cta.adapters.storage.store import SqlStore
from cta.bootstrap import reference
from cta.domain.checks import Direction
from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.roles import Role
from cta.federation.records import Record, RecordRef
from cta.policy.crossing_points import load_crossing_points
from cta.services.federation import FederationService
from cta.services.imports import ImportCrossings, import_crossings
from cta.services.node import (
    Actor,
    BorderCheck,
    ConflictError,
    CrossingCorrection,
    ForbiddenError,
    IssuePermit,
    Node,
    NotFoundError,
    RecordCrossing,
    RefusalCorrection,
)
from tests.integration.node_server import passport, unique_number
from tests.unit.federation.helpers import KEYS, federation

NOW = datetime(2027, 6, 10, 12, 0, tzinfo=UTC)
OFFICER = Actor("officer.evn.01", Role.BORDER_OFFICER)
CONSUL = Actor("consul.01", Role.CONSULAR_OFFICER, "visa application")
ADMIN = Actor("admin.import", Role.ADMIN, "migration of the old register")


@dataclass
class Member:
    node: Node
    federation: FederationService


def member(url: str, state: str) -> Member:
    engine = make_engine(url)
    migrate(engine)
    store = SqlStore(engine)
    node = Node(store, reference(), load_crossing_points(), state=state, clock=lambda: NOW)
    service = FederationService(store, federation(state), KEYS[state],
                                countries=reference().countries,
                                crossing_points=load_crossing_points(), clock=lambda: NOW)
    return Member(node, service)


@pytest.fixture
def arm(database_url: str) -> Iterator[Member]:
    found = member(database_url, "ARM")
    yield found
    found.node.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def geo(tmp_path: Path) -> Iterator[Member]:
    found = member(f"sqlite:///{tmp_path / 'geo.sqlite'}", "GEO")
    yield found
    found.node.store.engine.dispose()  # type: ignore[attr-defined]


def sync(origin: Member, peer: Member) -> list[Record]:
    """Seal the origin's outbox and hand all its records to the peer; the records."""
    origin.federation.seal_all()
    page = origin.federation.page(0, 10_000)
    result = peer.federation.ingest(origin.federation.state, page.records)
    assert result.rejection is None, result.rejection
    return list(page.records)


def crossing(mrz: list[str], direction: Direction, days_ago: int, **options: Any) -> RecordCrossing:
    return RecordCrossing(mrz=mrz, crossing_point="ARM-EVN", direction=direction,
                          occurred_at=NOW - timedelta(days=days_ago), override_reason="test",
                          **options)  # fmt: skip


def rows(m: Member, table: Any, *columns: str) -> list[tuple[Any, ...]]:
    engine = m.node.store.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        found = connection.execute(select(*(table.c[c] for c in columns))).all()
    return sorted(tuple(str(v) for v in r) for r in found)


def stay(m: Member, mrz: list[str]) -> int:
    point = {"ARM": "ARM-EVN", "GEO": "GEO-TBS", "AZE": "AZE-GYD"}[m.node.state]
    outcome = m.node.check(OFFICER, BorderCheck(mrz, point, Direction.ENTRY))
    assert outcome.person_id is not None
    days = m.node.stay_status(OFFICER, outcome.person_id, NOW.date())["days_used"]
    return int(days)


def test_a_correction_supersedes_the_record_it_corrects_and_the_peer_follows(
    arm: Member, geo: Member
) -> None:
    mrz = passport("USA", number=unique_number())
    arm.node.record(OFFICER, crossing(mrz, Direction.ENTRY, 30))
    _, exited = arm.node.record(OFFICER, crossing(mrz, Direction.EXIT, 20))
    first = sync(arm, geo)
    assert stay(geo, mrz) == stay(arm, mrz) == 11
    fixed = arm.node.correct_crossing(OFFICER, exited["id"], CrossingCorrection(
        reason="wrong day typed", occurred_at=NOW - timedelta(days=10)))  # fmt: skip
    assert fixed["local_date"] == (NOW - timedelta(days=10)).date().isoformat()
    corrected = sync(arm, geo)[len(first):]
    assert [r.kind for r in corrected] == ["CrossingCorrected"]
    assert corrected[0].supersedes == RecordRef("ARM", first[1].seq)  # the exit's record
    assert stay(geo, mrz) == stay(arm, mrz) == 21
    # a second correction supersedes the first correction, not the original record
    arm.node.correct_crossing(OFFICER, exited["id"], CrossingCorrection(
        reason="it was the land border", crossing_point="ARM-AGARAK"))  # fmt: skip
    again = sync(arm, geo)[len(first) + 1:]
    assert again[0].supersedes == corrected[0].ref
    columns = ("direction", "crossing_point", "local_date")
    assert rows(geo, t.crossings, *columns) == rows(arm, t.crossings, *columns)
    arm.node.correct_crossing(OFFICER, exited["id"], CrossingCorrection(
        reason="recorded in error", withdraw=True))  # fmt: skip
    sync(arm, geo)
    assert rows(geo, t.crossings, *columns) == rows(arm, t.crossings, *columns)
    assert [r[0] for r in rows(geo, t.crossings, "direction")] == ["entry"]
    assert rows(geo, t.persons, "last_seen", "last_exit") == [
        ((NOW - timedelta(days=30)).date().isoformat(), "None")]


def test_a_correction_is_refused_where_it_cannot_hold(arm: Member, geo: Member) -> None:
    mrz = passport("USA", number=unique_number())
    _, entered = arm.node.record(OFFICER, crossing(mrz, Direction.ENTRY, 3))
    with pytest.raises(InvalidInputError, match="reason"):
        arm.node.correct_crossing(OFFICER, entered["id"], CrossingCorrection(reason=" "))
    with pytest.raises(InvalidInputError, match="future"):
        arm.node.correct_crossing(OFFICER, entered["id"], CrossingCorrection(
            reason="x", occurred_at=NOW + timedelta(days=1)))  # fmt: skip
    with pytest.raises(InvalidInputError, match="run by GEO"):
        arm.node.correct_crossing(OFFICER, entered["id"], CrossingCorrection(
            reason="x", crossing_point="GEO-TBS"))  # fmt: skip
    with pytest.raises(ForbiddenError):
        arm.node.correct_crossing(CONSUL, entered["id"], CrossingCorrection(reason="x"))
    sync(arm, geo)
    [geo_crossing] = rows(geo, t.crossings, "id")
    with pytest.raises(ConflictError, match="recorded by ARM"):
        geo.node.correct_crossing(OFFICER, int(geo_crossing[0]), CrossingCorrection(
            reason="not ours", withdraw=True))  # fmt: skip


def test_a_visa_and_an_authorisation_issued_at_one_node_hold_at_the_peer_until_revoked(
    arm: Member, geo: Member
) -> None:
    indian, american = passport("IND", number=unique_number()), passport("USA")

    def decision(m: Member, mrz: list[str]) -> str:
        point = "ARM-EVN" if m.node.state == "ARM" else "GEO-TBS"
        outcome = m.node.check(OFFICER, BorderCheck(mrz, point, Direction.ENTRY))
        return outcome.decision.outcome.value

    assert decision(geo, indian) == decision(geo, american) == "refuse"
    _, visa = arm.node.issue_permit(CONSUL, IssuePermit(
        indian, NOW.date(), NOW.date() + timedelta(days=60), duration_days=30, entries=2))
    _, authorisation = arm.node.issue_permit(CONSUL, IssuePermit(
        american, NOW.date(), NOW.date() + timedelta(days=3 * 365)))  # fmt: skip
    assert (visa["kind"], authorisation["kind"]) == ("visa", "authorization")
    issued = sync(arm, geo)
    assert [r.kind for r in issued] == ["VisaIssued", "AuthorizationIssued"]
    assert decision(geo, indian) == decision(geo, american) == "admit"
    assert rows(geo, t.visas, "document_number", "valid_to", "duration_days", "entries",
                "origin") == rows(arm, t.visas, "document_number", "valid_to", "duration_days",
                                  "entries", "origin")  # fmt: skip
    with pytest.raises(ConflictError, match="issued by ARM"):
        geo.node.revoke_permit(CONSUL, "visas", int(rows(geo, t.visas, "id")[0][0]), "no")
    arm.node.revoke_permit(CONSUL, "visas", visa["id"], "false statements")
    revoked = sync(arm, geo)[len(issued):]
    assert [(r.kind, r.supersedes) for r in revoked] == [("VisaRevoked", issued[0].ref)]
    assert decision(geo, indian) == "refuse" and decision(geo, american) == "admit"


def test_a_permit_is_checked_before_it_is_issued(arm: Member) -> None:
    mrz = passport("IND", number=unique_number(), expiry_date=date(2028, 1, 1))
    day = NOW.date()
    cases = [
        (IssuePermit(mrz, day, day - timedelta(days=1), duration_days=1), "before valid_from"),
        (IssuePermit(mrz, day, day + timedelta(days=10), duration_days=30), "duration_days"),
        (IssuePermit(mrz, day, date(2028, 6, 1), duration_days=30), "document expires"),
        (IssuePermit(mrz, day, day + timedelta(days=9), entries=1), "only a visa"),
        (IssuePermit(["P<IND", "garbage"], day, day), "expected 3×30"),
    ]
    for request, problem in cases:
        with pytest.raises(CTAError, match=problem):  # a 422 naming the problem
            arm.node.issue_permit(CONSUL, request)
    with pytest.raises(ForbiddenError):
        arm.node.issue_permit(OFFICER, IssuePermit(mrz, day, day + timedelta(days=9)))
    assert rows(arm, t.visas, "id") == rows(arm, t.authorizations, "id") == []


def test_a_new_passport_confirmed_at_the_origin_makes_one_person_at_the_peer(
    arm: Member, geo: Member
) -> None:
    old = passport("USA", surname="RENEWED", number=unique_number())
    new = passport("USA", surname="RENEWED", number=unique_number())
    _, entered = arm.node.record(OFFICER, crossing(old, Direction.ENTRY, 30))
    # GEO meets the new passport first: a person of its own there
    geo_refusal = RecordCrossing(mrz=new, crossing_point="GEO-TBS", direction=Direction.ENTRY,
                                 occurred_at=NOW - timedelta(days=40), refused=True)
    geo.node.record(OFFICER, geo_refusal)
    arm.node.record(OFFICER, crossing(new, Direction.EXIT, 5, person_id=entered["person_id"]))
    kinds = [r.kind for r in sync(arm, geo)]
    assert kinds == ["CrossingRecorded", "IdentityLinked", "CrossingRecorded"]
    assert rows(geo, t.persons, "surname") == [("RENEWED",)]
    assert len(rows(geo, t.documents, "id")) == 2
    assert stay(geo, old) == stay(geo, new) == stay(arm, new) == 26


def test_two_known_persons_are_merged_only_when_they_may_be_one_traveller(arm: Member) -> None:
    """An officer's link joins two persons filed here when they are candidates with the same
    given names, or one traveller after a change of name when the officer saw the earlier
    document; never two born on different days, nor two surnames on a bare ``person_id``."""
    first = passport("USA", surname="SAME", number=unique_number())
    second = passport("USA", surname="SAME", number=unique_number())
    renamed = passport("USA", surname="WED", number=unique_number())
    other = passport("USA", surname="SAME", number=unique_number(), birth_date=date(1971, 1, 1))
    _, a = arm.node.record(OFFICER, crossing(first, Direction.ENTRY, 30))
    for days_ago, mrz in ((20, second), (19, renamed), (18, other)):
        arm.node.record(OFFICER, crossing(mrz, Direction.ENTRY, days_ago))
    for mrz in (other, renamed):
        with pytest.raises(ConflictError, match="not a candidate"):
            arm.node.record(OFFICER, crossing(mrz, Direction.EXIT, 1, person_id=a["person_id"]))
    for mrz, earlier in ((second, None), (renamed, first)):
        _, merged = arm.node.record(OFFICER, crossing(mrz, Direction.EXIT, 1,
                                                      person_id=a["person_id"],
                                                      earlier_mrz=earlier))  # fmt: skip
        assert merged["person_id"] == a["person_id"]
    assert len(rows(arm, t.persons, "id")) == 2  # SAME and WED (merged), and OTHER


def test_a_change_of_name_confirmed_at_the_origin_makes_one_person_at_the_peer(
    arm: Member, geo: Member
) -> None:
    """GEO filed her new passport (her married name) as a person of its own; ARM's officer,
    shown her earlier passport, links the two: GEO joins them too, and both nodes count one
    stay (before, GEO refused a link between two surnames and counted her stays apart)."""
    old = passport("USA", surname="MAIDEN", number=unique_number())
    new = passport("USA", surname="MARRIED", number=unique_number())
    _, entered = arm.node.record(OFFICER, crossing(old, Direction.ENTRY, 30))
    geo_refusal = RecordCrossing(mrz=new, crossing_point="GEO-TBS", direction=Direction.ENTRY,
                                 occurred_at=NOW - timedelta(days=40), refused=True)
    geo.node.record(OFFICER, geo_refusal)
    sync(arm, geo)
    assert len(rows(geo, t.persons, "id")) == 2
    arm.node.record(OFFICER, crossing(new, Direction.EXIT, 5, person_id=entered["person_id"],
                                      earlier_mrz=old))  # fmt: skip
    records = sync(arm, geo)
    assert [r.kind for r in records] == ["CrossingRecorded", "IdentityLinked", "CrossingRecorded"]
    assert records[1].payload is not None and records[1].payload["name_change"] is True
    assert len(rows(geo, t.persons, "id")) == 1  # the file kept is GEO's first (MARRIED)
    assert stay(geo, old) == stay(geo, new) == stay(arm, new) == 26


def test_an_alert_change_and_withdrawal_supersede_the_alerts_last_record(
    arm: Member, geo: Member
) -> None:
    admin = Actor("admin.01", Role.ADMIN, "alerts")
    alert = {"id": "ARM-77", "category": "refuse_entry", "names": ["Aram Petrosyan"]}
    arm.node.put_alerts(admin, [alert])
    arm.node.put_alerts(admin, [{**alert, "birth_date": "1980-01-02"}])
    arm.node.withdraw_alert(admin, "ARM-77")
    with pytest.raises(ConflictError, match="withdrawn already"):
        arm.node.withdraw_alert(admin, "ARM-77")
    put, changed, withdrawn = sync(arm, geo)
    assert [r.kind for r in (put, changed, withdrawn)] == ["AlertPut", "AlertPut", "AlertWithdrawn"]
    assert (put.supersedes, changed.supersedes, withdrawn.supersedes) == (
        None, put.ref, changed.ref)
    assert [r.payload["version"] for r in (put, changed, withdrawn)] == [1, 2, 3]  # type: ignore[index]
    assert geo.node.alert_of(admin, "ARM-77")["withdrawn_at"] is not None


def test_a_single_entry_visa_used_at_one_node_is_used_up_at_the_other(
    arm: Member, geo: Member
) -> None:
    mrz = passport("IND", number=unique_number())
    arm.node.issue_permit(CONSUL, IssuePermit(mrz, NOW.date() - timedelta(days=30),
                                              NOW.date() + timedelta(days=60),
                                              duration_days=30, entries=1))  # fmt: skip
    entry = crossing(mrz, Direction.ENTRY, 20)
    assert arm.node.record(OFFICER, entry)[1]["decision"] == "admit"
    arm.node.record(OFFICER, crossing(mrz, Direction.EXIT, 15))
    sync(arm, geo)
    again = geo.node.check(OFFICER, BorderCheck(mrz, "GEO-TBS", Direction.ENTRY))
    assert again.decision.outcome.value == "refuse"
    assert any("allowed 1 entries, all used" in r.message for r in again.decision.reasons)


def test_a_link_that_arrives_before_the_record_of_the_old_passport_still_holds(
    arm: Member, geo: Member, tmp_path: Path
) -> None:
    """AZE hears ARM's link before GEO's record of the old passport: when that record comes,
    it must join the linked person, not make a second one."""
    aze = member(f"sqlite:///{tmp_path / 'aze.sqlite'}", "AZE")
    try:
        old = passport("USA", surname="EARLY", number=unique_number())
        new = passport("USA", surname="EARLY", number=unique_number())
        geo.node.record(OFFICER, RecordCrossing(mrz=old, crossing_point="GEO-TBS",
                                                direction=Direction.ENTRY,
                                                occurred_at=NOW - timedelta(days=30),
                                                override_reason="test"))  # fmt: skip
        sync(geo, arm)
        person = arm.node.check(OFFICER, BorderCheck(old, "ARM-EVN", Direction.EXIT)).person_id
        arm.node.record(OFFICER, crossing(new, Direction.EXIT, 5, person_id=person))
        sync(arm, aze)  # the link first
        sync(geo, aze)  # then the old passport's entry
        assert rows(aze, t.persons, "surname") == [("EARLY",)]
        assert stay(aze, old) == stay(aze, new) == stay(arm, new) == 26
    finally:
        aze.node.store.engine.dispose()  # type: ignore[attr-defined]


def imported(m: Member, mrz: list[str], *moves: tuple[str, int]) -> None:
    """``cta import crossings``'s use case: crossings of ``mrz`` (direction, days ago)."""
    lines = [json.dumps({"direction": direction, "crossing_point": "ARM-EVN",
                         "occurred_at": (NOW - timedelta(days=ago)).isoformat(),
                         "officer": "officer.evn.old", "mrz": mrz})
             for direction, ago in moves]  # fmt: skip
    command = ImportCrossings("old.jsonl", unique_number() * 7, list(enumerate(lines, 1)))
    store = SqlBulkStore(m.node.store.engine)  # type: ignore[attr-defined]
    assert import_crossings(m.node, ADMIN, command, store).imported == len(moves)


def test_a_crossing_of_a_bulk_import_is_corrected_like_one_recorded_here(
    arm: Member, geo: Member
) -> None:
    """The import keeps each crossing's outbox row, so a correction supersedes its record."""
    before = passport("USA", number=unique_number())
    arm.node.record(OFFICER, crossing(before, Direction.ENTRY, 40))  # a desk row before it
    mrz = passport("USA", number=unique_number())
    imported(arm, mrz, ("entry", 30), ("exit", 20))
    arm.node.record(OFFICER, crossing(before, Direction.EXIT, 35))  # and one after
    first = sync(arm, geo)
    assert [r.seq for r in first] == [1, 2, 3, 4]  # every outbox row sealed, in order
    assert stay(geo, mrz) == stay(arm, mrz) == 11
    exit_id = next(int(i) for i, direction, number in rows(arm, t.crossings, "id", "direction",
                                                           "document_id")
                   if direction == "exit" and number == str(_document_id(arm, mrz)))
    arm.node.correct_crossing(OFFICER, exit_id, CrossingCorrection(
        reason="the old register had the wrong day", occurred_at=NOW - timedelta(days=10)))
    corrected = sync(arm, geo)[len(first):]
    assert [r.kind for r in corrected] == ["CrossingCorrected"]
    assert corrected[0].supersedes == RecordRef("ARM", first[2].seq)  # the imported exit's
    assert stay(geo, mrz) == stay(arm, mrz) == 21
    entry_id = next(int(i) for i, direction, number in rows(arm, t.crossings, "id", "direction",
                                                            "document_id")
                    if direction == "entry" and number == str(_document_id(arm, mrz)))
    arm.node.correct_crossing(OFFICER, entry_id, CrossingCorrection(
        reason="never came: a typing error in the old register", withdraw=True))
    withdrawn = sync(arm, geo)[len(first) + 1:]
    assert withdrawn[0].kind == "CrossingWithdrawn"
    assert withdrawn[0].supersedes == RecordRef("ARM", first[1].seq)
    columns = ("direction", "crossing_point", "local_date")
    assert rows(geo, t.crossings, *columns) == rows(arm, t.crossings, *columns)
    assert len(rows(geo, t.crossings, "id")) == 3  # the desk's two and the corrected exit


def _document_id(m: Member, mrz: list[str]) -> int:
    number = mrz[1][:9].rstrip("<")
    [(found,)] = [(i,) for i, n in rows(m, t.documents, "id", "document_number") if n == number]
    return int(found)


def test_the_sealer_never_seals_past_an_import_still_writing_the_outbox(
    arm: Member, database_url: str
) -> None:
    """PostgreSQL numbers outbox rows when asked and commits them in any order: a desk entry
    may take a later number and commit while an import's rows, numbered before it, are still
    to come. The sealer keeps only a high-water mark, so sealing the desk's row then would lose
    the import's for good; the import holds the outbox's write lock from its first number, and
    the sealer waits for it."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer: a desk entry waits for the import to commit")
    store = SqlBulkStore(arm.node.store.engine)  # type: ignore[attr-defined]
    desk = passport("USA", number=unique_number())
    with store.session() as session:
        [seq] = session._new_outbox_seqs(1)  # numbered, not yet written: the gap in question
        done = threading.Event()

        def at_the_desk() -> None:  # another connection, as a worker of the node
            arm.node.record(OFFICER, crossing(desk, Direction.ENTRY, 1))
            done.set()

        worker = threading.Thread(target=at_the_desk)
        worker.start()
        worker.join(timeout=10)
        assert done.is_set()  # the desk's insert is not held up by the import
        assert arm.federation.seal_pending() == 0  # the import still writes: nothing sealed
        session.c.execute(t.outbox.insert().values(seq=seq, at=NOW, kind="CrossingRecorded",
                                                   payload={"imported": True}))  # fmt: skip
    assert arm.federation.seal_all() == 2
    sealed = rows(arm, t.records, "outbox_seq")
    assert sorted(int(s) for (s,) in sealed) == sorted(
        int(s) for (s,) in rows(arm, t.outbox, "seq"))  # fmt: skip
    assert (str(seq),) in sealed


def test_a_withdrawal_repeated_never_reaches_the_next_travellers_crossing(arm: Member) -> None:
    """SQLite gave a deleted row's id to the next row: withdrawing the last crossing and then
    retrying the withdrawal deleted the next traveller's crossing (migration 0016)."""
    mrz = passport("PAK", number=unique_number())
    _, last = arm.node.record(OFFICER, crossing(mrz, Direction.ENTRY, 2))
    undo = CrossingCorrection(reason="recorded in error", withdraw=True)
    arm.node.correct_crossing(OFFICER, last["id"], undo)
    _, next_one = arm.node.record(OFFICER, crossing(passport("USA", number=unique_number()),
                                                    Direction.ENTRY, 1))  # fmt: skip
    assert next_one["id"] > last["id"]
    with pytest.raises(NotFoundError):
        arm.node.correct_crossing(OFFICER, last["id"], undo)
    assert [int(i) for (i,) in rows(arm, t.crossings, "id")] == [next_one["id"]]


def test_a_refusal_is_corrected_and_withdrawn_and_the_peer_follows(
    arm: Member, geo: Member
) -> None:
    mrz = passport("USA", number=unique_number())  # no authorisation: the check refuses (C)
    _, refused = arm.node.record(OFFICER, RecordCrossing(
        mrz=mrz, crossing_point="ARM-EVN", direction=Direction.ENTRY,
        occurred_at=NOW - timedelta(days=5), refused=True))  # fmt: skip
    assert [r["code"] for r in refused["reasons_recorded"]] == ["C"]
    first = sync(arm, geo)
    columns = ("crossing_point", "local_date", "reasons")
    assert rows(geo, t.refusals, *columns) == rows(arm, t.refusals, *columns)
    fixed = arm.node.correct_refusal(OFFICER, refused["id"], RefusalCorrection(
        reason="the form was ticked wrong", occurred_at=NOW - timedelta(days=4),
        crossing_point="ARM-AGARAK", letters=("C", "G")))  # fmt: skip
    assert [r["code"] for r in fixed["reasons"]] == ["C", "G"]
    assert fixed["reasons"][1]["message"] == "ticked by the officer"
    corrected = sync(arm, geo)[len(first):]
    assert [r.kind for r in corrected] == ["RefusalCorrected"]
    assert corrected[0].supersedes == first[-1].ref
    assert rows(geo, t.refusals, *columns) == rows(arm, t.refusals, *columns)
    assert rows(geo, t.refusals, "crossing_point") == [("ARM-AGARAK",)]
    [geo_refusal] = rows(geo, t.refusals, "id")
    with pytest.raises(ConflictError, match="recorded by ARM"):
        geo.node.correct_refusal(OFFICER, int(geo_refusal[0]), RefusalCorrection(
            reason="not ours", withdraw=True))  # fmt: skip
    with pytest.raises(InvalidInputError, match="not a letter of the refusal form"):
        arm.node.correct_refusal(OFFICER, refused["id"], RefusalCorrection(
            reason="x", letters=("Z",)))  # fmt: skip
    arm.node.correct_refusal(OFFICER, refused["id"], RefusalCorrection(
        reason="the traveller was admitted after all: recorded in error", withdraw=True))
    withdrawn = sync(arm, geo)[len(first) + 1:]
    assert [r.kind for r in withdrawn] == ["RefusalWithdrawn"]
    assert rows(geo, t.refusals, "id") == rows(arm, t.refusals, "id") == []
    assert rows(geo, t.persons, "last_seen") == rows(arm, t.persons, "last_seen") == [("None",)]
    with pytest.raises(NotFoundError):
        arm.node.correct_refusal(OFFICER, refused["id"], RefusalCorrection(
            reason="again", withdraw=True))  # fmt: skip
