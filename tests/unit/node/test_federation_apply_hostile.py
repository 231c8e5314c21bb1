"""A peer's records that are signed and chained but say what no honest node records (the
hostile-input sweep of session 14, FED-A1, A2, B1, B3, C1): each is kept, since it is part of
its origin's chain, not applied, with the field named, and writes nothing else; a fault of the
store still fails the batch (on SQL: tests/integration/test_federation_hostile_records.py)."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from cta.bootstrap import reference
from cta.federation.records import GENESIS_HASH, Record, RecordRef, seal
from cta.policy.crossing_points import load_crossing_points
from cta.services import federation_apply
from cta.services.checks import read_document
from cta.services.federation import FederationService
from tests.integration.node_server import passport
from tests.unit.federation.helpers import KEYS, federation

from .conftest import NOW
from .memory_store import MemoryStore, MemoryTransaction

SEALED = datetime(2027, 5, 31, tzinfo=UTC)  # ARM's records: after the crossings they record
ROWS = ("persons", "documents", "crossings", "refusals", "visas", "authorizations", "alerts")


def crossing(number: str = "A00000001", **changes: Any) -> dict[str, Any]:
    """ARM's honest record of an entry at Yerevan on 3 May 2027, then ``changes``."""
    payload = {"person_id": 1, "direction": "entry", "refused": False,
               "crossing_point": "ARM-EVN", "occurred_at": "2027-05-03T06:00:00+00:00",
               "local_date": "2027-05-03", "decision": "admit",
               "mrz": passport("USA", number=number)}  # fmt: skip
    return payload | changes


def refusal(**changes: Any) -> dict[str, Any]:
    return crossing(refused=True, decision="refuse",
                    reasons=[{"code": "C", "message": "no visa"}]) | changes  # fmt: skip


def document(**changes: Any) -> dict[str, Any]:
    """A document's fields, as an imported crossing or a permit carries them."""
    fields = read_document(passport("GBR", number="G20000000"), on=date(2027, 5, 1),
                           countries=reference().countries).to_json()  # fmt: skip
    return fields | changes


def with_document(**changes: Any) -> dict[str, Any]:
    payload = crossing()
    del payload["mrz"]
    return payload | {"document": document(**changes)}


def authorization(**changes: Any) -> dict[str, Any]:
    return {"document": document(), "valid_from": "2027-05-01", "valid_to": "2028-04-30"} | changes


def chain(facts: list[tuple[str, dict[str, Any]]],
          supersedes: dict[int, int] | None = None) -> list[Record]:  # fmt: skip
    records, prev = [], GENESIS_HASH
    for seq, (kind, payload) in enumerate(facts, start=1):
        old = (supersedes or {}).get(seq)
        records.append(seal("ARM", seq, SEALED + timedelta(minutes=seq), kind, payload, prev,
                            KEYS["ARM"], salt=f"{seq:032x}",
                            supersedes=RecordRef("ARM", old) if old else None))  # fmt: skip
        prev = records[-1].hash
    return records


def service(store: MemoryStore) -> FederationService:
    return FederationService(store, federation("GEO"), KEYS["GEO"],
                             countries=reference().countries,
                             crossing_points=load_crossing_points(), clock=lambda: NOW)  # fmt: skip


def apply(store: MemoryStore, records: list[Record]) -> dict[int, str | None]:
    """Apply the records as ``ingest`` does once they are verified; why each was not applied."""
    with store.transaction() as tx:
        service(store)._apply_and_store(tx, records, NOW)
    return {seq: row["not_applied"] for (_, seq), row in store.tables["records"].items()}


def counts(store: MemoryStore) -> dict[str, int]:
    return {table: len(store.tables[table]) for table in ROWS}


NOTHING = dict.fromkeys(ROWS, 0)


@pytest.mark.parametrize(("kind", "payload", "why"), [
    # FED-A1: converting year 1 at +14:00 to UTC overflowed, and the chain stopped for good
    ("CrossingRecorded", crossing(occurred_at="0001-01-01T00:00:00+14:00"),
     "occurred_at: 0001-01-01T00:00:00+14:00 is outside 1900–2999"),
    ("CrossingRecorded", crossing(occurred_at="9999-12-31T23:59:59-12:00"),
     "occurred_at: 9999-12-31T23:59:59-12:00 is outside 1900–2999"),
    ("CrossingRecorded", crossing(occurred_at="0001-01-02T00:00:00+00:00",
                                  local_date="0001-01-02"), "occurred_at"),
    ("CrossingRecorded", crossing(occurred_at="2027-05-03T06:00:00"), "occurred_at: '2027-05-03"),
    ("CrossingRecorded", crossing(occurred_at="2027-06-03T06:00:00+00:00",
                                  local_date="2027-06-03"), "is after its record was sealed"),
    # FED-C1: the field named
    ("CrossingRecorded", crossing(local_date="2027-02-30"),
     "local_date: '2027-02-30' is not a calendar date"),
    ("CrossingRecorded", crossing(local_date="2027-04-02"),
     "local_date: 2027-04-02 is not the day of occurred_at at ARM-EVN (2027-05-03)"),
    ("CrossingRecorded", {k: v for k, v in crossing().items() if k != "mrz"},
     "neither mrz nor document"),
    # FED-B1, FED-A2
    ("CrossingRecorded", crossing(direction="sideways"), "direction: 'sideways' is not one of"),
    ("CrossingRecorded", crossing(direction=5), "direction: 5"),
    ("CrossingRecorded", crossing(decision="banana"), "decision: 'banana'"),
    ("CrossingRecorded", crossing(refused="false"), "refused: 'false' is not true or false"),
    ("RefusalRecorded", refusal(refused="false", reasons="not a list"), "refused: 'false'"),
    ("RefusalRecorded", refusal(reasons="not a list"), "reasons: a list of {code, message}"),
    ("RefusalRecorded", refusal(reasons=[{"code": "Z9", "message": "x"}]),
     "reasons[0].code: 'Z9'"),
    ("CrossingRecorded", crossing(crossing_point="XXX-NOWHERE"),
     "crossing_point: 'XXX-NOWHERE' is not a known crossing point"),
    ("CrossingRecorded", crossing(crossing_point="AZE-GYD"),
     "crossing_point: AZE-GYD is run by AZE, not by ARM"),
    ("CrossingRecorded", crossing(crossing_point="ARM-BAGRATASHEN"),
     "crossing_point: ARM-BAGRATASHEN is on an internal border"),
    ("CrossingRecorded", crossing(crossing_point="ARM-EVN\x00\x1b[31m"),
     "crossing_point: 'ARM-EVN\\x00\\x1b[31m' is not a known"),
    ("CrossingRecorded", crossing(mrz=[passport("USA")[0][:10] + "\x00", passport("USA")[1]]),
     "mrz: line 1"),
    ("CrossingRecorded", with_document(surname="EVIL\x00\x07\u202e"), "document.surname"),
    ("CrossingRecorded", with_document(surname="EVIL\u202e"), "document.surname"),
    ("CrossingRecorded", with_document(document_number="NUL\x001"), "document.document_number"),
    ("CrossingRecorded", with_document(nationality="=1+2"), "document.nationality: '=1+2'"),
    ("CrossingRecorded", with_document(issuing_state="QQQ"), "document.issuing_state"),
    ("CrossingRecorded", with_document(given_names="A" * 201), "document.given_names"),
    # FED-B3
    ("AuthorizationIssued", authorization(valid_from="0001-01-01", valid_to="9999-12-31"),
     "valid_from: 0001-01-01 is outside 1900–2999"),
    ("AuthorizationIssued", authorization(valid_to="2038-05-01"),
     "valid_to: a permit is valid 10 years at most"),
    ("AuthorizationIssued", authorization(document=document(nationality="AZE")),
     "document.nationality: a national of AZE, a member state"),
    ("AuthorizationIssued", authorization(document=document(document_number="AZ\x00")),
     "document.document_number"),
    ("VisaIssued", authorization(duration_days="90", entries=None), "duration_days: '90'"),
    ("AlertPut", {"alert": {"id": "AZE-X-9", "category": "refuse_entry",
                            "issuing_state": "ARM", "document_numbers": ["X1"]}, "version": 1},
     "alert.id: 'AZE-X-9' reads as an alert of AZE"),
    ("AlertPut", {"alert": {"id": "ARM-9", "category": "refuse_entry", "issuing_state": "ARM",
                            "names": ["Evil\x00"]}, "version": 1}, "alert.names[0]"),
    ("AlertPut", {"alert": "not an alert", "version": 1}, "alert: an object"),
    ("AuthorizationIssued", {"valid_from": "2027-05-01"}, "document: an object"),
    ("AlertWithdrawn", {"alert_id": {"a": 1}, "version": 2}, "alert_id: {'a': 1} is not text"),
    ("AlertWithdrawn", {"version": 2}, "alert_id: None is not text"),
])  # fmt: skip
def test_a_record_no_node_records_is_kept_not_applied_with_the_field_named_and_writes_nothing(
    store: MemoryStore, kind: str, payload: dict[str, Any], why: str
) -> None:
    records = chain([(kind, payload), ("CrossingRecorded", crossing("B00000001"))])
    found = apply(store, records)
    assert found[1] is not None and why in found[1], found[1]
    assert found[2] is None  # the chain goes on
    assert counts(store) == NOTHING | {"persons": 1, "documents": 1, "crossings": 1}


def test_the_honest_records_of_each_kind_are_applied(store: MemoryStore) -> None:
    """The rules refuse nothing an honest node sends (the cases above, unchanged)."""
    found = apply(store, chain([
        ("CrossingRecorded", crossing()), ("RefusalRecorded", refusal()),
        ("CrossingRecorded", with_document()), ("AuthorizationIssued", authorization()),
        ("AlertPut", {"alert": {"id": "ARM-9", "category": "refuse_entry",
                                "issuing_state": "ARM", "names": ["Aram"]}, "version": 1}),
    ]))  # fmt: skip
    assert list(found.values()) == [None] * 5
    assert counts(store) == {"persons": 2, "documents": 2, "crossings": 2, "refusals": 1,
                             "visas": 0, "authorizations": 1, "alerts": 1}  # fmt: skip


def test_a_correction_out_of_the_calendar_is_not_applied_and_the_row_stays(
    store: MemoryStore,
) -> None:
    found = apply(store, chain([
        ("CrossingRecorded", crossing()),
        ("CrossingCorrected", {"direction": "exit", "crossing_point": "ARM-EVN",
                               "occurred_at": "0001-01-01T00:00:00+14:00",
                               "local_date": "0001-01-01", "reason": "x", "officer": "y"}),
        ("CrossingCorrected", {"direction": "exit", "crossing_point": "AZE-GYD",
                               "occurred_at": "2027-05-03T07:00:00+00:00",
                               "local_date": "2027-05-03", "reason": "x", "officer": "y"}),
    ], supersedes={2: 1, 3: 1}))  # fmt: skip
    assert "occurred_at: 0001-01-01T00:00:00+14:00 is outside" in str(found[2])
    assert "crossing_point: AZE-GYD is run by AZE" in str(found[3])
    [row] = store.tables["crossings"].values()
    assert (row["direction"], row["record_seq"]) == ("entry", 1)


def test_an_alert_the_origin_put_here_under_another_members_id_before_it_may_still_change(
    store: MemoryStore,
) -> None:
    """Older data: ARM's alert held here as ARM's under an id of AZE's prefix is ARM's to
    change; a new one under such an id is not (``alert_id_owner``)."""
    alert = {"id": "AZE-X-9", "category": "refuse_entry", "issuing_state": "ARM",
             "document_numbers": ["X1"]}  # fmt: skip
    with store.transaction() as tx:
        tx.put_alerts([alert], NOW)
    found = apply(store, chain([("AlertPut", {"alert": alert | {"names": ["Aram"]},
                                              "version": 2})]))  # fmt: skip
    assert found == {1: None}
    with store.transaction(read_only=True) as tx:
        held = tx.alert("AZE-X-9")
    assert held is not None and held.issuing_state == "ARM"


@pytest.mark.parametrize("fault", [RecursionError("maximum recursion depth exceeded"),
                                   AttributeError("'str' object has no attribute 'get'"),
                                   OverflowError("date value out of range")])  # fmt: skip
def test_any_fault_of_a_records_content_keeps_it_not_applied_and_the_chain_goes_on(
    store: MemoryStore, monkeypatch: pytest.MonkeyPatch, fault: Exception
) -> None:
    def fails(alert: Any) -> None:
        raise fault

    monkeypatch.setattr(federation_apply, "alert_from_json", fails)
    alert = {"id": "ARM-9", "category": "refuse_entry", "issuing_state": "ARM"}
    found = apply(store, chain([("AlertPut", {"alert": alert, "version": 1}),
                                ("CrossingRecorded", crossing())]))  # fmt: skip
    assert found == {1: f"{type(fault).__name__}: {fault}", 2: None}


def test_a_fault_of_the_store_fails_the_batch(
    store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database away is no fault of the record: the page fails, to be pulled again."""
    def fails(self: Any, **fields: Any) -> int:
        raise OperationalError("INSERT INTO authorizations", {}, Exception("disk I/O error"))

    monkeypatch.setattr(MemoryTransaction, "add_authorization", fails)
    with pytest.raises(OperationalError):
        apply(store, chain([("AuthorizationIssued", copy.deepcopy(authorization()))]))
