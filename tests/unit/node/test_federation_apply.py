"""Applying a peer's records on the in-memory twin: runs of crossings and refusals in bulk,
other records on their own in their place (the SQL store: tests/integration/
test_federation_apply.py, on SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from cta.bootstrap import reference
from cta.federation.records import GENESIS_HASH, Record, seal
from cta.policy.crossing_points import load_crossing_points
from cta.services.checks import read_document
from cta.services.federation import FederationService
from tests.integration.node_server import passport
from tests.unit.federation.helpers import KEYS, federation

from .conftest import NOW
from .memory_store import MemoryStore


def crossing(number: str, direction: str, day: int, *, refused: bool = False) -> dict[str, Any]:
    payload = {"person_id": 1, "direction": direction, "refused": refused,
               "crossing_point": "ARM-EVN",
               "occurred_at": datetime(2027, 5, day, 6, tzinfo=UTC).isoformat(),
               "local_date": date(2027, 5, day).isoformat(),
               "decision": "refuse" if refused else "admit",
               "mrz": passport("USA", number=number)}  # fmt: skip
    if refused:
        payload["reasons"] = [{"code": "C", "message": "no visa"}]
    return payload


def chain(facts: list[tuple[str, dict[str, Any]]]) -> list[Record]:
    records, prev = [], GENESIS_HASH
    for seq, (kind, payload) in enumerate(facts, start=1):
        at = datetime(2027, 5, 31, tzinfo=UTC) + timedelta(minutes=seq)  # after the crossings
        records.append(seal("ARM", seq, at, kind, payload, prev, KEYS["ARM"],
                            salt=f"{seq:032x}"))  # fmt: skip
        prev = records[-1].hash
    return records


def apply(store: MemoryStore, records: list[Record]) -> dict[int, int | None]:
    """Apply the records as ``ingest`` does once they are verified; each one's person."""
    service = FederationService(
        store, federation("GEO"), KEYS["GEO"], countries=reference().countries,
        crossing_points=load_crossing_points(), clock=lambda: NOW,
    )  # fmt: skip
    with store.transaction() as tx:
        service._apply_and_store(tx, records, NOW)
    return {seq: row["person_id"] for (_, seq), row in store.tables["records"].items()}


def test_a_run_files_a_document_once_and_moves_days_forward_only(store: MemoryStore) -> None:
    person_of = apply(store, chain([
        ("CrossingRecorded", crossing("A00000001", "entry", 1)),
        ("CrossingRecorded", crossing("A00000001", "exit", 5)),
        ("RefusalRecorded", crossing("B00000001", "entry", 2, refused=True)),
        ("CrossingRecorded", crossing("A00000001", "entry", 3)),  # earlier than the exit
    ]))  # fmt: skip
    a, b = person_of[1], person_of[3]
    assert person_of[2] == person_of[4] == a and b not in (None, a)
    assert len(store.tables["persons"]) == len(store.tables["documents"]) == 2
    person = store.tables["persons"][a]
    assert (person["last_seen"], person["last_exit"]) == (date(2027, 5, 5), date(2027, 5, 5))
    assert store.tables["persons"][b]["last_exit"] is None
    assert sorted(c["record_seq"] for c in store.tables["crossings"].values()) == [1, 2, 4]
    assert [(r["record_seq"], r["origin"]) for r in store.tables["refusals"].values()] == [
        (3, "ARM")]


def test_other_records_end_a_run_and_are_applied_in_their_place(store: MemoryStore) -> None:
    records = chain([
        ("CrossingRecorded", crossing("A00000001", "entry", 1)),
        ("AlertPut", {"alert": {"id": "ARM-1", "category": "refuse_entry",
                                "issuing_state": "ARM", "document_numbers": ["X1"]}}),
        ("CrossingRecorded", crossing("A00000001", "exit", 2)),  # found on the node
        ("CrossingRecorded", crossing("C00000001", "entry", 2)),  # redacted below
        ("CrossingRecorded", {**crossing("D00000001", "exit", 2), "local_date": "soon"}),
    ])  # fmt: skip
    records[3] = records[3].redact()
    person_of = apply(store, records)
    assert person_of == {1: person_of[1], 2: None, 3: person_of[1], 4: None, 5: None}
    assert list(store.tables["alerts"]) == ["ARM-1"]
    # the redacted record and the one that cannot be read wrote nothing
    assert len(store.tables["persons"]) == 1 and len(store.tables["crossings"]) == 2


def test_a_new_document_is_filed_by_the_first_record_whose_fields_can_file_it(
    store: MemoryStore,
) -> None:
    def with_fields(payload: dict[str, Any], **fields: Any) -> dict[str, Any]:
        """The payload with its document as fields (the other form), changed by ``fields``."""
        document = read_document(payload.pop("mrz"), on=date(2027, 5, 1),
                                 countries=reference().countries).to_json()  # fmt: skip
        return {**payload, "document": {**document, **fields}}

    person_of = apply(store, chain([
        ("CrossingRecorded", with_fields(crossing("A00000001", "entry", 1),
                                         birth_date="someday")),  # new here: not filed
        ("CrossingRecorded", with_fields(crossing("A00000001", "exit", 2))),  # files A
        ("CrossingRecorded", with_fields(crossing("A00000001", "entry", 3),
                                         birth_date="someday")),  # A is known: applied
    ]))  # fmt: skip
    assert person_of[1] is None and person_of[2] == person_of[3] is not None
    assert sorted(c["record_seq"] for c in store.tables["crossings"].values()) == [2, 3]
    assert store.tables["persons"][person_of[2]]["created_at"] == datetime(2027, 5, 2, 6,
                                                                           tzinfo=UTC)
