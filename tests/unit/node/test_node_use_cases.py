"""The node's use cases on the in-memory twin of the store: rules, roles and audit, fast.

The same use cases run on SQLite and PostgreSQL in tests/integration/test_node_store.py.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cta.domain.checks import Direction
from cta.domain.documents import DocumentFields, DocumentType, generate_mrz
from cta.domain.errors import InvalidInputError, StayError
from cta.domain.roles import Role
from cta.services.applications import Applications
from cta.services.node import (
    Actor,
    BorderCheck,
    ConflictError,
    ForbiddenError,
    Idempotency,
    Node,
    RecordCrossing,
)

from .conftest import NOW
from .memory_store import MemoryStore

OFFICER = Actor("officer.tbs.01", Role.BORDER_OFFICER, "border control")
ANALYST = Actor("analyst.01", Role.ANALYST, "statistics")
ADMIN = Actor("admin.01", Role.ADMIN, "retention")


def passport(nationality: str = "GEO", number: str = "P12345678") -> list[str]:
    fields = DocumentFields(DocumentType.TD3, "P", nationality, "BERIDZE", "NINO", number,
                            nationality, date(1990, 4, 12), "F", date(2034, 1, 1))  # fmt: skip
    return list(generate_mrz(fields))


def crossing(
    direction: Direction, days_ago: int, nationality: str = "GEO", override: str | None = None
) -> RecordCrossing:
    return RecordCrossing(mrz=passport(nationality), crossing_point="GEO-TBS",
                          direction=direction, occurred_at=NOW - timedelta(days=days_ago),
                          override_reason=override)  # fmt: skip


def test_a_member_national_is_admitted_and_the_entry_is_recorded_once(
    node: Node, store: MemoryStore
) -> None:
    status, body = node.record(OFFICER, crossing(Direction.ENTRY, 0))
    assert (status, body["decision"], body["kind"]) == (201, "admit", "CrossingRecorded")
    assert len(store.tables["crossings"]) == 1
    assert [r["kind"] for r in store.tables["outbox"].values()] == ["CrossingRecorded"]


def test_a_check_stores_nothing_but_its_audit_entry(node: Node, store: MemoryStore) -> None:
    check = BorderCheck(mrz=passport(), crossing_point="GEO-TBS", direction=Direction.ENTRY)
    node.check(OFFICER, check)
    assert store.tables["crossings"] == {} and store.tables["persons"] == {}
    [entry] = store.tables["audit"].values()
    assert (entry["action"], entry["user_name"], entry["purpose"]) == (
        "check", "officer.tbs.01", "border control")


def test_an_entry_the_check_refused_is_not_recorded_without_an_override(
    node: Node, store: MemoryStore
) -> None:
    """A US citizen without a travel authorisation is refused C under the union draft."""
    with pytest.raises(ConflictError, match="override_reason"):
        node.record(OFFICER, crossing(Direction.ENTRY, 0, "USA"))
    assert store.tables["crossings"] == {} and store.tables["audit"] == {}


def test_a_retried_request_with_the_same_key_records_once_and_answers_the_same(
    node: Node, store: MemoryStore
) -> None:
    key = Idempotency("key-1", "hash-1")
    first = node.record(OFFICER, crossing(Direction.ENTRY, 0), idempotency=key)
    again = node.record(OFFICER, crossing(Direction.ENTRY, 0), idempotency=key)
    assert first == again
    assert len(store.tables["crossings"]) == 1


def test_a_key_reused_for_another_request_is_a_conflict(node: Node) -> None:
    node.record(OFFICER, crossing(Direction.ENTRY, 0), idempotency=Idempotency("k", "a"))
    with pytest.raises(ConflictError, match="different request"):
        node.record(OFFICER, crossing(Direction.EXIT, 0), idempotency=Idempotency("k", "b"))


def test_an_analyst_may_not_read_a_traveller_file_and_leaves_no_audit_entry(
    node: Node, store: MemoryStore
) -> None:
    _, body = node.record(OFFICER, crossing(Direction.ENTRY, 0))
    audited = len(store.tables["audit"])
    with pytest.raises(ForbiddenError):
        node.traveller_file(ANALYST, body["person_id"])
    assert len(store.tables["audit"]) == audited


def test_a_traveller_inside_for_100_days_is_an_overstayer(node: Node) -> None:
    node.record(OFFICER, crossing(Direction.ENTRY, 100, "USA", "authorisation seen on paper"))
    found = node.overstayers(OFFICER, NOW.date(), 0, 10)
    assert [(i["nationality"], i["days_used"]) for i in found["items"]] == [("USA", 101)]


def test_a_time_in_the_future_is_refused(node: Node) -> None:
    with pytest.raises(InvalidInputError, match="future"):
        node.record(OFFICER, crossing(Direction.ENTRY, -1))


def test_retention_deletes_a_person_and_every_copy_of_their_records(
    node: Node, store: MemoryStore
) -> None:
    node.record(OFFICER, crossing(Direction.ENTRY, 4 * 365 + 10))
    node.record(OFFICER, crossing(Direction.EXIT, 4 * 365))
    assert node.purge(ADMIN)["deleted"] == 1
    assert store.tables["persons"] == {} and store.tables["crossings"] == {}
    # never sealed, so never seen by a peer: the outbox rows go, nothing to tell the peers
    assert store.tables["outbox"] == {}


def test_a_purge_batch_ended_by_a_conflict_with_another_transaction_is_run_again(
    node: Node, store: MemoryStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PostgreSQL ends one of two transactions that lock the same persons in other orders (a
    peer's deletions applied at once): the purge's batch, which kept nothing, runs again; it
    answered 503 before (a fresh-clone run, session 16)."""
    from contextlib import contextmanager

    from cta.services.ports import TransactionConflictError

    node.record(OFFICER, crossing(Direction.ENTRY, 4 * 365 + 10))
    node.record(OFFICER, crossing(Direction.EXIT, 4 * 365))
    plain, ended = store.transaction, []

    @contextmanager
    def first_one_ended(**options: object) -> object:
        with plain(**options) as tx:  # type: ignore[arg-type]
            yield tx
            if not ended:  # its work undone, as the database's rollback undoes it
                ended.append(True)
                raise TransactionConflictError("deadlock")

    monkeypatch.setattr(store, "transaction", first_one_ended)
    assert node.purge(ADMIN)["deleted"] == 1 and ended == [True]
    assert store.tables["persons"] == {}


def test_retention_redacts_sealed_records_and_tells_the_peers_which(
    node: Node, store: MemoryStore
) -> None:
    node.record(OFFICER, crossing(Direction.ENTRY, 4 * 365 + 10))
    node.record(OFFICER, crossing(Direction.EXIT, 4 * 365))
    person_id = next(iter(store.tables["persons"]))
    wire = {"origin": "GEO", "seq": 1, "at": "2023-01-01T00:00:00.000000Z",
            "kind": "CrossingRecorded", "payload": {"x": 1}, "salt": "0" * 32,
            "payload_hash": "a" * 64, "supersedes": None, "prev_hash": "0" * 64,
            "hash": "b" * 64, "signature": "A" * 86 + "=="}  # fmt: skip
    store.tables["records"][("GEO", 1)] = {"origin": "GEO", "seq": 1, "wire": wire,
                                           "person_id": person_id}  # fmt: skip
    assert node.purge(ADMIN)["deleted"] == 1
    [record] = store.tables["records"].values()
    assert record["wire"]["payload"] is None and record["wire"]["hash"] == "b" * 64
    [deletion] = store.tables["outbox"].values()
    assert (deletion["kind"], deletion["payload"]) == ("RetentionDeletion",
                                                       {"records": [["GEO", 1]]})


@pytest.mark.parametrize("lines", [
    ["x" * 44, "y" * 44],  # the sweep's: a person "xxxx…" of nationality "yyy" was filed
    [passport()[0].lower(), passport()[1]],
    [passport()[0][:-1] + "«", passport()[1]],
], ids=["junk", "lower-case", "guillemet"])  # fmt: skip
def test_a_refusal_or_an_override_of_an_mrz_of_other_than_mrz_characters_files_nobody(
    node: Node, store: MemoryStore, lines: list[str]
) -> None:
    """A forgery is recorded as printed (a bad check digit, an impossible date), but an MRZ
    of characters no document prints is a typing or scanning error: 422 naming the line."""
    refusal = RecordCrossing(mrz=lines, crossing_point="GEO-TBS", direction=Direction.ENTRY,
                             occurred_at=NOW, refused=True, letters=("B",))  # fmt: skip
    override = RecordCrossing(mrz=lines, crossing_point="GEO-TBS", direction=Direction.ENTRY,
                              occurred_at=NOW, override_reason="seen")  # fmt: skip
    for request in (refusal, override):
        with pytest.raises(InvalidInputError, match=r"mrz: line 1 has .* not an MRZ character"):
            node.record(OFFICER, request)
    assert store.tables["persons"] == {} and store.tables["refusals"] == {}
    assert store.tables["outbox"] == {}


def test_a_refusal_of_a_forged_mrz_is_recorded_as_printed(node: Node, store: MemoryStore) -> None:
    first, second = passport()
    forged = [first, second[:9] + ("0" if second[9] != "0" else "1") + second[10:]]  # check digit
    _, body = node.record(OFFICER, RecordCrossing(
        mrz=forged, crossing_point="GEO-TBS", direction=Direction.ENTRY, occurred_at=NOW,
        refused=True, letters=("B",)))  # fmt: skip
    assert body["kind"] == "RefusalRecorded" and len(store.tables["persons"]) == 1


def test_a_stay_asked_about_at_the_calendar_s_end_is_an_error_not_a_day_past_it(
    node: Node,
) -> None:
    """The sweep's ``GET /v1/persons/{id}/stay?on=2999-12-31`` answered ``stay_until``
    3000-02-28, a day the same API refuses as input; now 422 (StayError) naming the answer."""
    _, body = node.record(OFFICER, crossing(Direction.ENTRY, 3, "USA", "authorisation seen"))
    node.record(OFFICER, crossing(Direction.EXIT, 1, "USA"))
    assert node.stay_status(OFFICER, body["person_id"], date(2999, 10, 1))["stay_until"] == (
        "2999-12-29")
    with pytest.raises(StayError, match="stay until 3000-03-30 is after 2999-12-31"):
        node.stay_status(OFFICER, body["person_id"], date(2999, 12, 31))


def test_an_annulment_whose_reason_holds_an_invisible_character_is_refused_where_typed(
    node: Node,
) -> None:
    """An annulment's or revocation's reasons go to the peers in its ``ApplicationDecided``,
    which they refuse when a reason holds a control or invisible character
    (``cta.domain.peer_filings``): the annulment counted here and nowhere else (the sweep of
    session 16). Refused before the application is even looked up."""
    consul = Actor("consul.01", Role.CONSULAR_OFFICER, "visa application")
    with pytest.raises(InvalidInputError, match=r"reasons\[1\]: '\\xad' at position 7"):
        Applications(node).end(consul, "GEO-000000000000", "annulled", ["fraud", "forged\u00ad"])
