"""Applying a peer's batch (``FederationService.ingest``) on SQLite and PostgreSQL.

Runs of consecutive crossings and refusals are applied in bulk; any other record is applied on
its own, in its place. The rows written must be those of applying the records one at a time
(the reference here: the same records ingested one per batch into a second database), and a
batch is stored and applied whole or not at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from cta.adapters.storage import tables as t
from cta.adapters.storage.engine import make_engine, migrate
from cta.adapters.storage.store import SqlStore, SqlTransaction
from cta.bootstrap import reference
from cta.federation.records import GENESIS_HASH, Record, seal
from cta.federation.verify import Reason
from cta.policy.crossing_points import load_crossing_points
from cta.services.checks import read_document
from cta.services.federation import FederationService, federation_status
from cta.services.ports import AuditEntry
from tests.integration.node_server import passport
from tests.unit.federation.helpers import KEYS, federation

T0 = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
DAY = date(2027, 6, 1)
NOW = datetime(2027, 6, 10, 12, 0, tzinfo=UTC)


def service(url: str) -> FederationService:
    engine = make_engine(url)
    migrate(engine)
    return FederationService(SqlStore(engine), federation("GEO"), KEYS["GEO"],
                             countries=reference().countries,
                             crossing_points=load_crossing_points(), clock=lambda: NOW)  # fmt: skip


@pytest.fixture
def geo(database_url: str) -> Iterator[FederationService]:
    node = service(database_url)
    yield node
    _engine(node).dispose()


@pytest.fixture
def reference_geo(tmp_path: Path) -> Iterator[FederationService]:
    """A second GEO on SQLite, to apply the same records one batch each."""
    node = service(f"sqlite:///{tmp_path / 'one-by-one.sqlite'}")
    yield node
    _engine(node).dispose()


def _engine(node: FederationService) -> Engine:
    engine: Engine = node.store.engine  # type: ignore[attr-defined]
    return engine


def crossing(number: str, direction: str, day: int, *, refused: bool = False) -> dict[str, Any]:
    """ARM's record of a crossing at Yerevan on June ``day``, 2027."""
    on = date(2027, 6, day)
    mrz = passport("USA", number=number, surname=f"TRAVELLER {number[0]}")
    payload = {"person_id": 1, "direction": direction, "refused": refused,
               "crossing_point": "ARM-EVN",
               "occurred_at": datetime(2027, 6, day, 6, tzinfo=UTC).isoformat(),
               "local_date": on.isoformat(), "decision": "refuse" if refused else "admit",
               "mrz": mrz}  # fmt: skip
    if refused:
        payload["reasons"] = [{"code": "C", "message": "no visa"}]
    return payload


def fields_instead_of_mrz(payload: dict[str, Any]) -> dict[str, Any]:
    """The payload with the document as fields, not its MRZ (the other form a peer sends)."""
    mrz = payload.pop("mrz")
    document = read_document(mrz, on=DAY, countries=reference().countries).to_json()
    return {**payload, "document": document}


def chain(facts: list[tuple[str, dict[str, Any]]]) -> list[Record]:
    """ARM's records of ``facts`` (kind, payload), seq 1, 2, ... a minute apart, sealed
    after the crossings they record (a crossing is never later than its record)."""
    records, prev = [], GENESIS_HASH
    for seq, (kind, payload) in enumerate(facts, start=1):
        records.append(seal("ARM", seq, NOW + timedelta(minutes=seq), kind, payload, prev,
                            KEYS["ARM"], salt=f"{seq:032x}"))  # fmt: skip
        prev = records[-1].hash
    return records


def rows(node: FederationService) -> dict[str, list[dict[str, Any]]]:
    """The tables a peer's records write, comparable across databases (times in UTC, naive)."""
    out = {}
    with _engine(node).connect() as connection:
        for table in (t.persons, t.documents, t.crossings, t.refusals, t.alerts, t.records):
            found = connection.execute(select(table).order_by(*table.primary_key.columns))
            out[table.name] = [
                {k: _comparable(v) for k, v in r._mapping.items()
                 if k not in ("recorded_at", "received_at", "wire", "changed_at", "created_at")
                 or table is t.persons}
                for r in found
            ]  # fmt: skip
    return out


def _comparable(value: Any) -> Any:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


# A page with every case: a traveller twice in one run, a refusal, a record that cannot be
# applied, a redacted one, an alert between runs, a day earlier than one seen already, a
# deletion of a person filed in the same batch, and that person's document seen again after it.
FACTS: list[tuple[str, dict[str, Any]]] = [
    ("CrossingRecorded", crossing("A00000001", "entry", 1)),  # 1: A is new
    ("CrossingRecorded", crossing("B00000001", "entry", 1)),  # 2: B is new
    ("CrossingRecorded", crossing("A00000001", "exit", 3)),  # 3: A again, same run
    ("RefusalRecorded", crossing("C00000001", "entry", 2, refused=True)),  # 4: C refused
    ("CrossingRecorded", fields_instead_of_mrz(crossing("D00000001", "entry", 2))),  # 5
    ("CrossingRecorded", {k: v for k, v in crossing("E00000001", "exit", 2).items()
                          if k != "direction"}),  # 6: no direction: not applied
    ("CrossingRecorded", crossing("F00000001", "entry", 2)),  # 7: redacted below
    ("AlertPut", {"alert": {"id": "ARM-1", "category": "refuse_entry",
                            "issuing_state": "ARM", "document_numbers": ["X1"]}}),  # 8
    ("CrossingRecorded", crossing("A00000001", "entry", 2)),  # 9: A, found on the node
    ("RetentionDeletion", {"records": [["ARM", 2], ["ARM", 7]]}),  # 10: B is deleted; 7's proof
    ("CrossingRecorded", crossing("B00000001", "exit", 4)),  # 11: B is new again
    ("RefusalRecorded", crossing("C00000001", "entry", 4, refused=True)),  # 12: C again
]


def page() -> list[Record]:
    records = chain(FACTS)
    records[6] = records[6].redact()
    return records


def test_a_batch_writes_the_rows_of_its_records_applied_one_at_a_time(
    geo: FederationService, reference_geo: FederationService
) -> None:
    records = page()
    result = geo.ingest("ARM", records)
    assert result.rejection is None and result.stored == len(records)
    for record in records:  # 7 comes with the proof of its erasure, as a page carries it
        one = reference_geo.ingest("ARM", [record], records[9:10])
        assert one.rejection is None and one.stored == 1
    assert rows(geo) == rows(reference_geo)


def test_runs_file_each_document_once_and_keep_each_records_person(
    geo: FederationService,
) -> None:
    geo.ingest("ARM", page())
    tables = rows(geo)
    person_of = {r["seq"]: r["person_id"] for r in tables["records"]}
    a, b, c = person_of[1], person_of[2], person_of[4]
    assert len({a, b, c}) == 3
    assert person_of[3] == person_of[9] == a  # one person, in a run and after it
    assert person_of[12] == c
    # not applied (6), redacted (7), and records of other kinds: no person
    assert person_of[6] is person_of[7] is person_of[8] is person_of[10] is None
    assert person_of[11] not in (None, a, b, c)  # B filed again after the deletion
    assert person_of[2] is None  # B's first record, redacted by the deletion
    # 6 is kept but not applied, and says why; 7 was erased (with its proof), not "not applied"
    why = {r["seq"]: r["not_applied"] for r in tables["records"] if r["not_applied"]}
    assert list(why) == [6] and "direction" in why[6]
    assert {r["seq"]: r["erased_by"] for r in tables["records"] if r["erased_by"]} == {2: 10,
                                                                                       7: 10}
    arm = next(row for row in federation_status(geo.store, "GEO") if row["origin"] == "ARM")
    assert arm["not_applied"] == 1
    assert [(r["seq"], r["kind"]) for r in arm["not_applied_last"]] == [(6, "CrossingRecorded")]
    assert "direction" in arm["not_applied_last"][0]["why"]
    numbers = sorted(d["document_number"] for d in tables["documents"])
    assert numbers == ["A00000001", "B00000001", "C00000001", "D00000001"]
    assert not [r for r in tables["persons"] if r["surname"] == "TRAVELLER E"]  # 6: nothing
    crossings = {(r["record_seq"], r["origin"], r["person_id"]) for r in tables["crossings"]}
    assert crossings == {(1, "ARM", a), (3, "ARM", a), (5, "ARM", person_of[5]),
                         (9, "ARM", a), (11, "ARM", person_of[11])}  # fmt: skip
    refusals = [(r["record_seq"], r["person_id"]) for r in tables["refusals"]]
    assert refusals == [(4, c), (12, c)]
    persons = {r["id"]: r for r in tables["persons"]}
    # A: seen on the 1st, 3rd (exit) and then a record of the 2nd: never moved back
    assert (persons[a]["last_seen"], persons[a]["last_exit"]) == (date(2027, 6, 3),
                                                                   date(2027, 6, 3))
    assert (persons[c]["last_seen"], persons[c]["last_exit"]) == (date(2027, 6, 4), None)
    assert persons[person_of[11]]["last_exit"] == date(2027, 6, 4)
    assert [a["id"] for a in tables["alerts"]] == ["ARM-1"]


def test_a_document_on_the_node_before_the_batch_is_reused(geo: FederationService) -> None:
    records = chain(FACTS[:4])
    geo.ingest("ARM", records[:2])
    geo.ingest("ARM", records[2:])
    tables = rows(geo)
    assert len(tables["persons"]) == 3 and len(tables["documents"]) == 3
    person_of = {r["seq"]: r["person_id"] for r in tables["records"]}
    assert person_of[1] == person_of[3]


def test_a_batch_that_fails_to_apply_stores_nothing(
    geo: FederationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = chain(FACTS[:4])

    def broken(self: SqlTransaction, rows: Any) -> None:
        raise RuntimeError("the database went away")

    with monkeypatch.context() as patched:
        patched.setattr(SqlTransaction, "add_refusals", broken)
        with pytest.raises(RuntimeError):
            geo.ingest("ARM", records)
    assert all(not found for found in rows(geo).values())
    assert geo.position("ARM") == 0
    assert geo.ingest("ARM", records).stored == 4


# -- pages verified in threads, pulled with the next page on its way ---------------------------

BULK = [("CrossingRecorded", crossing(f"P{n:08d}", "entry" if n % 2 else "exit", 1 + n % 5))
        for n in range(300)]  # fmt: skip


def test_a_forged_record_in_the_middle_of_a_bulk_page_refuses_the_page_and_changes_nothing(
    geo: FederationService,
) -> None:
    from dataclasses import replace

    from cta.federation.verify import Reason

    records = chain(BULK)
    assert geo.ingest("ARM", records[:100]).stored == 100
    before = rows(geo)
    page = list(records[100:])
    page[120] = replace(page[120], signature=records[0].signature)  # seq 221, mid-page
    result = geo.ingest("ARM", page)
    assert result.rejection is not None and result.rejection.reason is Reason.BAD_SIGNATURE
    assert (result.rejection.seq, result.stored, result.head_seq) == (221, 0, 100)
    assert "signature is not ARM's" in str(result.rejection)
    assert rows(geo) == before and geo.position("ARM") == 100
    assert geo.ingest("ARM", records[100:]).stored == 200


def test_a_page_checked_ahead_while_the_one_before_is_applied_is_refused_as_before(
    geo: FederationService, reference_geo: FederationService
) -> None:
    """The daemon's puller checks each page it fetched ahead (``FederationService.check``)
    while the page before is applied: a forged record in such a page refuses it with the same
    reason, place and message as ingesting the pages one after the other, nothing of it is
    stored, and the rows are those of the pages before."""
    import httpx

    from cta.federation.memory import MemoryLedger
    from cta.federation.serve import answer_records_request
    from cta.federation.sync import Peer

    records = chain(BULK)
    forged = list(records)
    forged[250] = replace(forged[250], signature=records[0].signature)  # page 3, seq 251
    arm = MemoryLedger(federation("ARM"), KEYS["ARM"])
    arm.hold(forged)
    checked: list[int] = []

    def serve(request: httpx.Request) -> httpx.Response:
        answer = answer_records_request(arm.federation, "GET", request.url.raw_path.decode(),
                                        request.headers, T0, arm.page)  # fmt: skip
        return httpx.Response(answer.status, json=answer.body)

    def check(batch: Any) -> Any:
        checked.append(batch[0].seq)
        return geo.check(batch)

    client = httpx.Client(transport=httpx.MockTransport(serve))
    puller = Peer("ARM", "http://arm.test", "GEO", KEYS["GEO"], client, geo.ingest,
                  geo.position, limit=100, clock=lambda: T0, check=check)  # fmt: skip
    outcome = puller.pull_once()
    client.close()
    assert checked == [101, 201]  # the pages fetched ahead; ingest checked the first itself
    expected = [reference_geo.ingest("ARM", forged[n : n + 100]) for n in (0, 100, 200)]
    assert expected[2].rejection is not None
    assert outcome.rejection == expected[2].rejection
    assert outcome.rejection.reason is Reason.BAD_SIGNATURE and outcome.rejection.seq == 251
    assert (outcome.stored, geo.position("ARM")) == (200, 200)
    assert rows(geo) == rows(reference_geo)


class _Forgetful(dict[Any, Any]):
    """A ``_mrz_keys`` that keeps nothing: every MRZ read every time, as before."""

    def __setitem__(self, key: Any, value: Any) -> None:
        pass


def test_an_mrz_read_once_files_the_rows_of_reading_it_every_time(
    geo: FederationService, reference_geo: FederationService
) -> None:
    """A document's key comes from an MRZ read before (``_mrz_keys``), its fields are read as
    of the record's own day only when it is new here (B filed again on June 4 after its
    deletion, with the MRZ read on June 1): the rows are those of reading every MRZ."""
    reference_geo._mrz_keys = _Forgetful()
    records = page()
    for node in (geo, reference_geo):
        assert node.ingest("ARM", records[:9], records[9:10]).rejection is None  # 10: 7's proof
        assert node.ingest("ARM", records[9:]).rejection is None
    # A, B, C (E: not applied, its MRZ never read; F: erased)
    assert len(geo._mrz_keys) == 3 and not reference_geo._mrz_keys
    assert rows(geo) == rows(reference_geo)


def test_a_pages_documents_are_looked_up_by_key_in_the_unique_index(
    geo: FederationService,
) -> None:
    """``document_keys`` finds the documents on the node among the keys given, and on SQLite
    through the documents' unique index: the row-value ``IN`` it used before scanned the whole
    table for every page, and a catch-up slowed as the node filled."""
    from cta.adapters.storage.transaction.base import sqlite_documents_by_key

    assert geo.ingest("ARM", chain(FACTS[:5])).rejection is None  # A, B, C and D filed
    keys = [("USA", "A00000001"), ("USA", "Z00000001"), ("GBR", "B00000001"),
            ("USA", "B00000001"), ("USA", "D00000001")]  # fmt: skip
    with geo.store.transaction(read_only=True) as tx:
        found = tx.document_keys(keys)
    assert sorted(found) == [("USA", "A00000001"), ("USA", "B00000001"), ("USA", "D00000001")]
    assert len({person for person, _ in found.values()}) == 3
    engine = _engine(geo)
    if engine.dialect.name == "sqlite":
        with engine.connect() as connection:
            plan = [row[3] for row in connection.exec_driver_sql(
                "EXPLAIN QUERY PLAN " + sqlite_documents_by_key(2), ("USA", "A", "USA", "B"))]
        assert any("USING INDEX sqlite_autoindex_documents_1" in step for step in plan), plan
        assert not any("SCAN d" in step or "SCAN documents" in step for step in plan), plan


def test_crossings_read_ahead_file_the_rows_of_reading_them_in_the_apply(
    geo: FederationService, reference_geo: FederationService
) -> None:
    """``prepare`` reads a page's crossings in the thread that fetched it; the apply files the
    same rows as reading them itself, and takes a reading only from the very record it was
    made of: readings of another chain's records at the same seqs are not used."""
    from cta.federation.verify import check_records
    from cta.services.federation_apply import Prepared

    records = page()
    other = chain([(kind, {**payload, "crossing_point": "ARM-LWN"} if "mrz" in payload
                    else payload) for kind, payload in FACTS])  # fmt: skip
    verdicts = check_records(records, geo.federation)
    misleading = geo.prepare(other, check_records(other, geo.federation)).readings
    assert set(misleading) == {1, 2, 3, 4, 5, 7, 9, 11, 12}  # the other chain's, by seq
    ahead = geo.prepare(records, verdicts)
    assert set(ahead.readings) == {1, 2, 3, 4, 5, 9, 11, 12}  # 6 unreadable, 7 redacted
    assert geo.ingest("ARM", records, (), Prepared(verdicts, misleading)).rejection is None
    assert reference_geo.ingest("ARM", records, (), Prepared(verdicts, {})).rejection is None
    assert rows(geo) == rows(reference_geo)
    assert {r["crossing_point"] for r in rows(geo)["crossings"]} == {"ARM-EVN"}


def test_a_peers_page_commits_without_waiting_for_the_disk_and_nothing_else_does(
    geo: FederationService,
) -> None:
    """On SQLite a peer's page is committed with ``synchronous=NORMAL`` (it is pulled again if a
    power cut undoes it) and every other write with ``FULL``, on the same pooled connections:
    the setting each commit ran with, read at the commit itself."""
    engine = _engine(geo)
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite's synchronous setting (PostgreSQL's commits are unchanged)")
    seen: list[int] = []

    def note(connection: Any) -> None:
        raw = connection.connection.dbapi_connection
        seen.append(raw.execute("PRAGMA synchronous").fetchone()[0])

    event.listen(engine, "commit", note)
    try:
        assert geo.ingest("ARM", chain(FACTS[:3])).rejection is None
        page_commits, seen[:] = list(seen), []
        with geo.store.transaction() as tx:  # a durable write on a connection the page used
            tx.audit_many([])
        geo.store.audit([AuditEntry("federation", "node", "test", "federation", None, {})],
                        NOW)  # the border's shared commit  # fmt: skip
        assert geo.ingest("ARM", chain(FACTS[:5])[3:]).rejection is None
    finally:
        event.remove(engine, "commit", note)
    assert page_commits == [1]  # NORMAL
    assert seen == [2, 2, 1], seen  # FULL, FULL, then the next page NORMAL again


def test_a_pull_that_fails_half_way_keeps_the_pages_before_and_resumes_after_them(
    geo: FederationService, reference_geo: FederationService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pages of 100 of 300 records: the store fails while the second page is written. The
    first page stays, nothing of the second is kept, the third (fetched meanwhile) is not
    used, and the next pull goes on from record 101 to the end."""
    import httpx

    from cta.federation.memory import MemoryLedger
    from cta.federation.serve import answer_records_request
    from cta.federation.sync import Peer

    records = chain(BULK)
    arm = MemoryLedger(federation("ARM"), KEYS["ARM"])
    arm.hold(records)
    asked: list[str] = []

    def serve(request: httpx.Request) -> httpx.Response:
        asked.append(request.url.params["after"])
        answer = answer_records_request(arm.federation, "GET", request.url.raw_path.decode(),
                                        request.headers, T0, arm.page)  # fmt: skip
        return httpx.Response(answer.status, json=answer.body)

    client = httpx.Client(transport=httpx.MockTransport(serve))
    puller = Peer("ARM", "http://arm.test", "GEO", KEYS["GEO"], client, geo.ingest,
                  geo.position, limit=100, clock=lambda: T0)  # fmt: skip
    calls = [0]
    original = SqlTransaction.add_crossings

    def fails_the_second_time(self: SqlTransaction, rows: Any) -> None:
        calls[0] += 1
        if calls[0] == 2:
            raise RuntimeError("the disk is full")
        original(self, rows)

    with monkeypatch.context() as patched:
        patched.setattr(SqlTransaction, "add_crossings", fails_the_second_time)
        outcome = puller.pull_once()
    assert outcome.error is not None and "the disk is full" in outcome.error
    assert (outcome.stored, geo.position("ARM"), asked) == (100, 100, ["0", "100", "200"])
    assert reference_geo.ingest("ARM", records[:100]).stored == 100
    assert without_ids(geo) == without_ids(reference_geo)
    outcome = puller.pull_once()
    assert (outcome.error, outcome.stored, geo.position("ARM")) == (None, 200, 300)
    assert asked[3:] == ["100", "200"]
    assert reference_geo.ingest("ARM", records[100:]).stored == 200
    assert without_ids(geo) == without_ids(reference_geo)
    client.close()


def without_ids(node: FederationService) -> dict[str, list[str]]:
    """``rows`` without the surrogate keys (a failed PostgreSQL transaction spends sequence
    numbers), in a stable order."""
    ids = {"id", "person_id", "document_id"}
    return {name: sorted(repr(sorted((k, v) for k, v in row.items() if k not in ids))
                         for row in table) for name, table in rows(node).items()}  # fmt: skip


def test_a_long_poll_returns_when_the_node_seals_a_record(geo: FederationService) -> None:
    """``await_records`` holds a peer's pull while nothing is sealed after its position, and
    lets it go once the sealer has sealed one (woken in the process, not by its 30 s)."""
    import asyncio

    def seal_one() -> int:
        with geo.store.transaction() as tx:
            tx.emit("CrossingRecorded", crossing("W00000001", "entry", 1), T0)
        return geo.seal_pending()

    async def scenario() -> None:
        await geo.await_records(0, 0.05)  # nothing sealed: returns when the time is up
        pull = asyncio.create_task(geo.await_records(0, 30))
        await asyncio.sleep(0.3)
        assert not pull.done()
        assert await asyncio.to_thread(seal_one) == 1
        await asyncio.wait_for(pull, 10)

    asyncio.run(scenario())


def test_the_served_page_is_the_page_as_json(geo: FederationService) -> None:
    """The route serves the stored records as they are (``served_page``): the same body as
    reading them into records and back, erased records and their proofs included."""
    with geo.store.transaction() as tx:
        for n in range(5):
            tx.emit("CrossingRecorded", crossing(f"S{n:08d}", "entry", 1), T0)
    geo.seal_all()
    for after, limit in ((0, 10), (0, 2), (3, 10), (5, 10)):
        assert geo.served_page(after, limit).to_json() == geo.page(after, limit).to_json()
