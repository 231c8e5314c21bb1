"""A hostile peer's signed records on SQLite and PostgreSQL (the sweep of session 14, FED-A1
and FED-A3): a record no node records is kept, not applied, and the chain goes on; a peer's
``RetentionDeletion`` erases that peer's records only, never this node's own travellers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cta.adapters.storage import tables as t
from cta.domain.checks import Direction
from cta.federation.records import GENESIS_HASH, Record, RecordRef, seal
from cta.services.federation import federation_status
from cta.services.node import RecordCrossing
from tests.integration.node_server import passport, unique_number
from tests.integration.test_federation_amendments import NOW, OFFICER, Member, member
from tests.unit.federation.helpers import KEYS


@pytest.fixture
def aze(database_url: str) -> Iterator[Member]:
    found = member(database_url, "AZE")
    yield found
    found.node.store.engine.dispose()  # type: ignore[attr-defined]


def arm_crossing(mrz: list[str], direction: str, days_ago: int, **changes: Any) -> dict[str, Any]:
    """ARM's record of a crossing at Yerevan ``days_ago`` days before NOW (06:00 UTC)."""
    at = (NOW - timedelta(days=days_ago)).replace(hour=6)
    return {"person_id": 1, "direction": direction, "refused": False,
            "crossing_point": "ARM-EVN", "occurred_at": at.isoformat(),
            "local_date": at.date().isoformat(), "decision": "admit", "mrz": mrz} | changes


def arm_chain(facts: list[tuple[str, dict[str, Any]]], first: int = 1,
              prev: str = GENESIS_HASH) -> list[Record]:  # fmt: skip
    records = []
    for seq, (kind, payload) in enumerate(facts, start=first):
        records.append(seal("ARM", seq, NOW + timedelta(minutes=seq), kind, payload, prev,
                            KEYS["ARM"]))  # fmt: skip
        prev = records[-1].hash
    return records


def table(m: Member, name: str) -> list[dict[str, Any]]:
    engine = m.node.store.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(select(t.metadata.tables[name]))]


def test_a_record_out_of_the_calendar_is_kept_not_applied_and_the_chain_goes_on(
    aze: Member,
) -> None:
    good, bad = passport("USA", number=unique_number()), passport("USA", number=unique_number())
    first = arm_chain([
        ("CrossingRecorded", arm_crossing(good, "entry", 5)),
        ("CrossingRecorded", arm_crossing(bad, "entry", 5,
                                          occurred_at="0001-01-01T00:00:00+14:00")),
        ("CrossingRecorded", arm_crossing(bad, "entry", 5, refused="false",
                                          reasons="not a list")),
    ])  # fmt: skip
    result = aze.federation.ingest("ARM", first)
    assert result.rejection is None and (result.stored, result.head_seq) == (3, 3)
    later = arm_chain([("CrossingRecorded", arm_crossing(good, "exit", 1))], 4, first[-1].hash)
    assert aze.federation.ingest("ARM", later).head_seq == 4  # the chain goes on
    [arm] = [row for row in federation_status(aze.node.store, "AZE") if row["origin"] == "ARM"]
    assert arm["not_applied"] == 2
    assert [(r["seq"], r["why"]) for r in arm["not_applied_last"]] == [
        (3, "refused: 'false' is not true or false"),
        (2, "occurred_at: 0001-01-01T00:00:00+14:00 is outside 1900–2999")]
    assert len(table(aze, "persons")) == 1 and len(table(aze, "crossings")) == 2


def test_a_peers_deletion_erases_its_own_records_only(aze: Member) -> None:
    """ARM's deletion names AZE's own record of a traveller, with ARM's records of them and of
    another: the other traveller (ARM's records only) is deleted; the traveller AZE recorded
    keeps AZE's crossing and loses ARM's; a deletion naming none of ARM's is not applied; AZE
    announces nothing of its own."""
    ours, theirs = passport("USA", number=unique_number()), passport("USA", number=unique_number())
    aze.node.record(OFFICER, RecordCrossing(mrz=ours, crossing_point="AZE-GYD",
                                            direction=Direction.ENTRY,
                                            occurred_at=NOW - timedelta(days=10),
                                            override_reason="test"))  # fmt: skip
    assert aze.federation.seal_all() == 1
    records = arm_chain([
        ("CrossingRecorded", arm_crossing(theirs, "entry", 5)),
        ("CrossingRecorded", arm_crossing(ours, "exit", 5)),
        ("RetentionDeletion", {"records": [["AZE", 1], ["ARM", 1], ["ARM", 2]]}),
        ("RetentionDeletion", {"records": [["AZE", 1]]}),
    ])  # fmt: skip
    result = aze.federation.ingest("ARM", records)
    assert result.rejection is None and result.stored == 4
    [person] = table(aze, "persons")
    [kept] = table(aze, "crossings")
    assert (kept["person_id"], kept["origin"], kept["direction"]) == (person["id"], "AZE",
                                                                      "entry")
    wires = {(r["origin"], r["seq"]): r for r in table(aze, "records")}
    assert wires[("AZE", 1)]["wire"]["payload"] is not None
    assert wires[("AZE", 1)]["person_id"] == person["id"]
    assert wires[("ARM", 1)]["wire"]["payload"] is None
    assert wires[("ARM", 2)]["wire"]["payload"] is None
    assert wires[("ARM", 3)]["not_applied"] is None
    assert "none is ARM's own (AZE/1)" in wires[("ARM", 4)]["not_applied"]
    assert aze.federation.seal_all() == 0  # nothing of AZE's erased, nothing to announce


def test_a_record_that_follows_another_only_where_its_kind_does_and_of_its_own_origin(
    aze: Member,
) -> None:
    """The sweep's S15-D1: a crossing that named a record it followed, and ARM's alert that
    named AZE's crossing, were applied as if they named nothing."""
    mrz = passport("USA", number=unique_number())
    aze.node.record(OFFICER, RecordCrossing(mrz=mrz, crossing_point="AZE-GYD",
                                            direction=Direction.ENTRY,
                                            occurred_at=NOW - timedelta(days=10),
                                            override_reason="test"))  # fmt: skip
    assert aze.federation.seal_all() == 1
    alert = {"id": "ARM-S-1", "category": "refuse_entry", "names": ["Eve Mallory"]}
    facts = [("CrossingRecorded", arm_crossing(passport("USA", number=unique_number()),
                                               "entry", 5), None),
             ("CrossingRecorded", arm_crossing(passport("USA", number=unique_number()),
                                               "entry", 5), RecordRef("ARM", 1)),
             ("AlertPut", {"alert": alert, "version": 1}, RecordRef("AZE", 1)),
             ("AlertPut", {"alert": alert, "version": 1}, None)]  # fmt: skip
    records, prev = [], GENESIS_HASH
    for seq, (kind, payload, follows) in enumerate(facts, start=1):
        records.append(seal("ARM", seq, NOW + timedelta(minutes=seq), kind, payload, prev,
                            KEYS["ARM"], supersedes=follows))  # fmt: skip
        prev = records[-1].hash
    assert aze.federation.ingest("ARM", records).head_seq == 4
    why = {r["seq"]: r["not_applied"] for r in table(aze, "records") if r["origin"] == "ARM"}
    assert why[1] is None and why[4] is None
    assert why[2] is not None and "a CrossingRecorded follows no record" in why[2], why[2]
    assert why[3] is not None and "ARM follows its own records only, not AZE/1" in why[3]
    assert len(table(aze, "crossings")) == 2  # AZE's own and ARM's first
    assert [a["id"] for a in table(aze, "alerts")] == ["ARM-S-1"]
