"""What the node's use cases need from storage, as small interfaces (the store and its rows).

``cta.adapters.storage.store.SqlStore`` is the real one, on SQLite or PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, Protocol

from cta.domain.errors import CTAError

__all__ = [
    "Aggregates",
    "AlertRow",
    "AuditEntry",
    "ChainHeadRow",
    "CheckHistory",
    "CrossingRow",
    "DataHead",
    "DatabaseUnavailableError",
    "DocumentRow",
    "OutboxRow",
    "PersonRow",
    "Referenced",
    "RefusalRow",
    "Store",
    "Transaction",
    "UserRow",
]


class DatabaseUnavailableError(CTAError):
    """The store cannot write (or reach) its database: its file was removed or replaced while
    the node ran, or it is not there at all; the message says which and what to do."""


# the tables whose rows a record writes and a later record may correct, revoke or withdraw
Referenced = Literal["crossings", "refusals", "visas", "authorizations"]


@dataclass(frozen=True, slots=True)
class PersonRow:
    id: int
    surname: str
    given_names: str
    nationality: str
    birth_date: date | None
    birth_date_raw: str
    sex: str | None
    created_at: datetime
    last_exit: date | None
    overstayed: bool
    last_seen: date | None = None


@dataclass(frozen=True, slots=True)
class DocumentRow:
    id: int
    person_id: int
    document_code: str
    issuing_state: str
    document_number: str
    expiry_date: date | None
    first_seen: datetime


@dataclass(frozen=True, slots=True)
class CrossingRow:
    id: int
    person_id: int
    document_id: int
    direction: str
    crossing_point: str
    occurred_at: datetime
    time_zone: str
    local_date: date
    officer: str
    decision: str
    override_reason: str | None
    recorded_at: datetime
    origin: str | None = None  # the node that recorded it (None: this one)
    record_seq: int | None = None  # a peer's crossing: the seq of its origin's latest record
    outbox_seq: int | None = None  # this node's: the outbox row of its latest record


@dataclass(frozen=True, slots=True)
class RefusalRow:
    id: int
    person_id: int
    document_id: int
    crossing_point: str
    occurred_at: datetime
    time_zone: str
    local_date: date
    officer: str
    reasons: list[dict[str, str]]
    recorded_at: datetime
    origin: str | None = None
    record_seq: int | None = None
    outbox_seq: int | None = None


@dataclass(frozen=True, slots=True)
class UserRow:
    id: int
    name: str
    role: str
    active: bool


@dataclass(frozen=True, slots=True)
class AuditEntry:
    user_name: str
    role: str
    action: str
    purpose: str
    person_id: int | None = None
    detail: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class AlertRow:
    id: str
    category: str
    issuing_state: str | None
    record: dict[str, Any]  # the alert as its JSON line gives it
    version: int
    created_at: datetime
    changed_at: datetime
    withdrawn_at: datetime | None
    outbox_seq: int | None = None  # this node's alert: the outbox row of its last change


@dataclass(frozen=True, slots=True)
class ChainHeadRow:
    origin: str
    seq: int
    hash: str
    at: datetime | None
    outbox_seq: int = 0
    not_applied: int = 0  # the origin's records kept here without being applied


# an origin's last record held, its time, when its peer was last reached, records not applied
DataHead = tuple[str, int, datetime | None, datetime | None, int]


@dataclass(frozen=True, slots=True)
class OutboxRow:
    seq: int
    at: datetime
    kind: str
    payload: dict[str, Any]
    person_id: int | None
    supersedes: int | None = None  # the outbox row of the record this one corrects


@dataclass(frozen=True, slots=True)
class CheckHistory:
    """What a border check reads of a known person: crossing days, visas, authorisations."""

    days: list[tuple[str, date]]  # (direction, local date), in the order they happened
    visas: list[dict[str, Any]]
    authorizations: list[dict[str, Any]]


class Transaction(Protocol):
    """One unit of work: everything done in it is committed together, or not at all."""

    def document_owner(self, issuing_state: str, number: str) -> int | None: ...
    def document_key(self, issuing_state: str, number: str) -> tuple[int, int] | None: ...
    def check_history(self, person_id: int) -> CheckHistory: ...
    def document_histories(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, CheckHistory]]: ...
    def find_document(self, issuing_state: str, number: str) -> DocumentRow | None: ...
    def person(self, person_id: int) -> PersonRow | None: ...
    def candidates(
        self, nationality: str, birth_date_raw: str, surname: str
    ) -> list[PersonRow]: ...
    def add_person(self, **fields: Any) -> int: ...
    def add_document(self, **fields: Any) -> int: ...
    def documents_of(self, person_id: int) -> list[DocumentRow]: ...
    def crossings_of(self, person_id: int) -> list[CrossingRow]: ...
    def refusals_of(self, person_id: int) -> list[RefusalRow]: ...
    def visas_of(self, person_id: int) -> list[dict[str, Any]]: ...
    def authorizations_of(self, person_id: int) -> list[dict[str, Any]]: ...
    def data_heads(self) -> list[DataHead]: ...
    def alert_watermark(self) -> int: ...
    def alert_changes_after(self, seq: int, limit: int) -> list[tuple[int, str]]: ...
    def alerts_by_id(self, ids: Sequence[str]) -> list[AlertRow]: ...
    def alert(self, alert_id: str) -> AlertRow | None: ...
    def alert_page(self, after: str, limit: int, *, active_only: bool) -> list[AlertRow]: ...
    def alert_heads(self, ids: Sequence[str]) -> dict[str, tuple[int, int | None]]: ...
    def put_alerts(self, records: Sequence[dict[str, Any]], at: datetime,
                   outbox_seqs: dict[str, int] | None = None) -> dict[str, int]: ...
    def withdraw_alert(self, alert_id: str, at: datetime,
                       outbox_seq: int | None = None) -> AlertRow | None: ...
    def add_alert_decision(self, **fields: Any) -> int: ...
    def alert_decisions_for(self, issuing_state: str, number: str) -> list[dict[str, Any]]: ...
    def meta(self, key: str) -> str | None: ...
    # federation (cta.services.federation)
    def chain_head(self, origin: str, *, lock: bool = False) -> ChainHeadRow | None: ...
    def set_chain_head(self, head: ChainHeadRow) -> None: ...
    def chain_heads(self) -> list[ChainHeadRow]: ...
    def outbox_after(self, seq: int, limit: int) -> list[OutboxRow]: ...
    def add_records(self, rows: Sequence[dict[str, Any]]) -> None: ...
    def record_hashes(self, origin: str, seqs: Sequence[int]) -> dict[int, str]: ...
    def records_page(self, origin: str, after: int, limit: int) -> list[dict[str, Any]]: ...
    def records_of_person(self, person_id: int) -> list[tuple[str, int, dict[str, Any]]]: ...
    def replace_record_wire(self, origin: str, seq: int, wire: dict[str, Any]) -> None: ...
    def persons_of_records(self, refs: Sequence[tuple[str, int]]) -> list[int]: ...
    # federation integrity (migration 0006): erasures' proofs, records kept but not applied
    def mark_erased(self, origin: str, seqs: Sequence[int], by_seq: int) -> None: ...
    def erasures_of(self, origin: str, seqs: Sequence[int]) -> dict[int, int]: ...
    def record_wires(self, origin: str, seqs: Sequence[int]) -> list[dict[str, Any]]: ...
    def count_not_applied(self, origin: str, count: int) -> None: ...
    def delete_peer_decisions(self, refs: Sequence[tuple[str, int]]) -> None: ...
    def not_applied_records(self, origin: str, limit: int) -> list[dict[str, Any]]: ...
    # retention of applications' records and of carriers' audit entries (transaction.erasure)
    def own_records_of(self, origin: str,
                       kinds: Sequence[str]) -> list[tuple[int, dict[str, Any]]]: ...  # fmt: skip
    def outbox_rows_of(self, kinds: Sequence[str]) -> list[tuple[int, dict[str, Any]]]: ...
    def delete_outbox_rows(self, seqs: Sequence[int]) -> None: ...
    def delete_consultations_of(self, asking_state: str, numbers: Sequence[str]) -> int: ...
    def delete_decisions_of(self, origin: str, numbers: Sequence[str]) -> None: ...
    def delete_filed_from(self, refs: Sequence[tuple[str, int]]) -> list[str]: ...
    def delete_audit_entries(self, actions: Sequence[str], before: datetime) -> int: ...
    def put_peer_status(self, **fields: Any) -> None: ...
    def peer_statuses(self) -> list[dict[str, Any]]: ...
    def add_crossing(self, **fields: Any) -> int: ...
    def add_refusal(self, **fields: Any) -> int: ...
    def add_visa(self, **fields: Any) -> int: ...
    def add_authorization(self, **fields: Any) -> int: ...
    # visa numbers (migration 0010, cta.services.visas)
    def next_in_sequence(self, key: str) -> int: ...
    def visa_by_number(self, number: str) -> dict[str, Any] | None: ...
    def add_mail(self, **fields: Any) -> None: ...
    def audit(self, entry: AuditEntry, at: datetime) -> None: ...
    def audit_of(self, person_id: int) -> list[dict[str, Any]]: ...
    def audit_page(self, after: int, limit: int) -> list[dict[str, Any]]: ...
    def emit(
        self, kind: str, payload: dict[str, Any], at: datetime, person_id: int | None = None,
        *, supersedes: int | None = None,
    ) -> int: ...
    # record references: corrections, revocations, identity links (migration 0005)
    def record_seq_of_outbox(self, outbox_seq: int) -> int | None: ...
    def row(self, table: Referenced, row_id: int) -> dict[str, Any] | None: ...
    def row_of_record(self, table: Referenced, origin: str, record_seq: int) -> int | None: ...
    def update_row(self, table: Referenced, row_id: int, **fields: Any) -> None: ...
    def delete_row(self, table: Referenced, row_id: int) -> None: ...
    def refresh_person_days(self, person_id: int) -> None: ...
    def merge_persons(self, keep: int, other: int) -> None: ...
    def touch_person(
        self, person_id: int, day: date, *, exited: bool = False, overstayed: bool = False
    ) -> None: ...
    # federation: bulk apply of a peer's page (FederationService._apply_crossings)
    def document_keys(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, int]]: ...
    def add_persons(self, rows: Sequence[dict[str, Any]]) -> list[int]: ...
    def add_documents(self, rows: Sequence[dict[str, Any]]) -> list[int]: ...
    def add_crossings(self, rows: Sequence[dict[str, Any]]) -> None: ...
    def add_refusals(self, rows: Sequence[dict[str, Any]]) -> None: ...
    def touch_persons(self, last_seen: dict[int, date], last_exits: dict[int, date]) -> None: ...
    def persons_inside(self, on: date, after: int, limit: int) -> list[int]: ...
    def persons_to_purge(self, before: date, overstayer_before: date, limit: int) -> list[int]: ...
    def delete_person(self, person_id: int) -> None: ...
    def user_by_token_hash(self, token_hash: str) -> UserRow | None: ...
    def add_user(self, name: str, role: str, token_hash: str, at: datetime) -> int: ...
    # consultations between members (services/consultations.py)
    def add_consultation(self, **fields: Any) -> int: ...
    def set_consultation_ref(self, row_id: int, ref: str) -> None: ...
    def consultation(self, ref: str, *, lock: bool = False) -> dict[str, Any] | None: ...
    def consultations_asked_of(
        self, state: str, *, open_only: bool, after: int, limit: int
    ) -> list[dict[str, Any]]: ...
    def consultations_of(self, asking_state: str, application: str) -> list[dict[str, Any]]: ...
    def answer_consultation(
        self, ref: str, *, opinion: str, reasons: list[str], answered_at: datetime,
        answered_by: str | None,
    ) -> bool: ...
    def idempotent_response(self, user: str, key: str) -> tuple[str, int, Any] | None: ...
    def save_response(self, user: str, key: str, request_hash: str, status: int, body: Any,
                      at: datetime) -> None: ...


class Aggregates(Protocol):
    """Counts for analysts, never a person (``cta.adapters.storage.aggregates``)."""

    def cells(self, first: date, last: date) -> list[dict[str, Any]]:
        """``{day, crossing_point, nationality, measure, count}`` per cell with a count."""
        ...
    def secret(self) -> bytes:
        """The node's key for rounding small cells (``cta.domain.disclosure``)."""
        ...


class Store(Protocol):
    """The node's storage: transactions over one database."""

    def transaction(self, *, read_only: bool = False) -> AbstractContextManager[Transaction]:
        """A unit of work; ``read_only`` ones must not write (SQLite: no write lock taken)."""
        ...
    def audit(self, entries: Sequence[AuditEntry], at: datetime) -> None:
        """Append audit entries outside any other transaction; durable when it returns."""
        ...
    def counts(self) -> dict[str, int]: ...
