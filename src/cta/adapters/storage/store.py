"""The node's store on SQLAlchemy Core: one code path for SQLite and PostgreSQL."""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    Engine,
    Executable,
    Table,
    and_,
    bindparam,
    case,
    cast,
    delete,
    exists,
    func,
    insert,
    literal_column,
    null,
    select,
    text,
    true,
    tuple_,
    union_all,
    update,
)
from sqlalchemy.exc import IntegrityError, InterfaceError, InternalError, OperationalError

from cta.adapters.storage import tables as t
from cta.adapters.storage.consultations import ConsultationRows
from cta.adapters.storage.group_commit import GroupCommit
from cta.adapters.storage.watch import DatabaseWatch
from cta.services.ports import (
    AlertRow,
    AuditEntry,
    ChainHeadRow,
    CheckHistory,
    CrossingRow,
    DataHead,
    DocumentRow,
    OutboxRow,
    PersonRow,
    Referenced,
    RefusalRow,
    UserRow,
)

__all__ = ["DuplicateError", "SqlStore", "SqlTransaction"]


class DuplicateError(Exception):
    """A row that must be unique exists already (a concurrent writer got there first)."""


def _day(value: Any) -> date:
    """A DATE column as the driver gives it: a date (psycopg) or ISO text (sqlite3)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def _instant(value: Any) -> datetime | None:
    """A timestamp column as the driver gives it: a datetime (psycopg) or text (sqlite3)."""
    if value is None or isinstance(value, datetime):
        return value
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


class _Prepared:
    """A Core statement compiled once for a dialect and run on the driver's own cursor.

    The border check's reads are a handful of small queries; building, caching and wrapping
    each one in SQLAlchemy costs more than the query itself (about 150 µs against 15 µs on
    SQLite). The statement is still written once in Core for both databases; only its
    execution skips the layers. Rows come back as the driver's tuples.
    """

    def __init__(self, statement: Executable, connection: Connection) -> None:
        compiled = statement.compile(dialect=connection.dialect)
        self.sql = str(compiled)
        self.order = tuple(compiled.positiontup or ()) if compiled.positional else None

    def rows(self, connection: Connection, **params: Any) -> list[tuple[Any, ...]]:
        values: Any = params if self.order is None else [params[n] for n in self.order]
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.sql, values)
            return list(cursor.fetchall())
        finally:
            cursor.close()


_c, _v, _a, _d = t.crossings.c, t.visas.c, t.authorizations.c, t.documents.c
_HOT: dict[str, Executable] = {
    "owner": select(_d.person_id, _d.id).where(_d.issuing_state == bindparam("state"),
                                              _d.document_number == bindparam("number")),
    "days": select(_c.direction, _c.local_date).where(_c.person_id == bindparam("person"))
    .order_by(_c.occurred_at, _c.id),
    "visas": select(_v.document_number, _v.valid_from, _v.valid_to, _v.duration_days,
                    _v.entries, _v.entries_used).where(_v.person_id == bindparam("person"))
    .order_by(_v.id),
    "authorizations": select(_a.document_number, _a.valid_from, _a.valid_to)
    .where(_a.person_id == bindparam("person")).order_by(_a.id),
    "alert_watermark": select(func.max(t.alert_changes.c.seq)),
    "heads": select(t.chain_heads.c.origin, t.chain_heads.c.seq, t.chain_heads.c.at,
                    t.peer_status.c.last_success_at, t.chain_heads.c.not_applied)
    .select_from(t.chain_heads.outerjoin(t.peer_status,
                                         t.peer_status.c.peer == t.chain_heads.c.origin))
    .order_by(t.chain_heads.c.origin),
}  # fmt: skip


def _document_reads() -> Executable:
    """A document's owner and the owner's crossing days, visas and authorisations, as one
    statement (``_ReadOnly``): rows of 11 columns, ``part`` 0 to 3 first, each part in the
    order of its own statement above; the columns a part does not use are NULL."""
    doc = _HOT["owner"].cte("doc")  # type: ignore[attr-defined]

    def none(column: Any) -> Any:
        return cast(null(), column.type)

    def part(n: int) -> Any:
        return literal_column(str(n))

    at, no, count = none(_c.occurred_at), none(_c.id), none(_v.entries)
    return union_all(
        select(part(0).label("part"), doc.c.person_id, doc.c.id, none(_v.document_number),
               none(_c.local_date), none(_c.local_date), count, count, count,
               at.label("sort_at"), no.label("sort_id")),
        select(part(1), no, no, _c.direction, _c.local_date, none(_c.local_date), count, count,
               count, _c.occurred_at, _c.id)
        .select_from(t.crossings.join(doc, _c.person_id == doc.c.person_id)),
        select(part(2), no, no, _v.document_number, _v.valid_from, _v.valid_to,
               _v.duration_days, _v.entries, _v.entries_used, at, _v.id)
        .select_from(t.visas.join(doc, _v.person_id == doc.c.person_id)),
        select(part(3), no, no, _a.document_number, _a.valid_from, _a.valid_to, count, count,
               count, at, _a.id)
        .select_from(t.authorizations.join(doc, _a.person_id == doc.c.person_id)),
    ).order_by(*map(literal_column, ("part", "sort_at", "sort_id")))  # fmt: skip


def _watermark_and_heads() -> Executable:
    """The alert watermark and the data heads as one statement (``_ReadOnly``): a row per
    head, each with the watermark; one row of NULL heads when there are none."""
    watermark = select(func.max(t.alert_changes.c.seq).label("watermark")).subquery("w")
    heads = _HOT["heads"].order_by(None).subquery("h")  # type: ignore[attr-defined]
    return (select(watermark.c.watermark, *heads.c)
            .select_from(watermark.outerjoin(heads, true())).order_by(heads.c.origin))  # fmt: skip


_HOT |= {"document_reads": _document_reads(), "watermark_heads": _watermark_and_heads()}


# Statements built once: a statement made per call (``insert(t).values(**row)``) costs
# SQLAlchemy more than the database's work for one row (the federation's catch-up profile).
_INSERT = {name: insert(table) for name, table in (
    ("persons", t.persons), ("documents", t.documents), ("crossings", t.crossings),
    ("refusals", t.refusals), ("visas", t.visas), ("authorizations", t.authorizations),
    ("alert_decisions", t.alert_decisions), ("outbox", t.outbox),
)}  # fmt: skip
_REFERENCED: dict[str, Table] = {"crossings": t.crossings, "refusals": t.refusals,
                                 "visas": t.visas, "authorizations": t.authorizations}
# The federation's bulk apply of a peer's page (``SqlTransaction.document_keys`` and after)
KEYS_PER_SELECT = 1000  # 2 parameters a key; SQLite allows 32,766 in a statement
_DOCUMENT_KEYS = select(_d.issuing_state, _d.document_number, _d.person_id, _d.id).where(
    tuple_(_d.issuing_state, _d.document_number).in_(bindparam("keys", expanding=True)))
_INSERT_IDS = {name: insert(table).returning(table.c.id, sort_by_parameter_order=True)
               for name, table in (("persons", t.persons), ("documents", t.documents))}
_p = t.persons.c
_DAY, _EXITED = bindparam("day", type_=Date), bindparam("exited", type_=Boolean)
_TOUCH = update(t.persons).where(_p.id == bindparam("person", type_=t.Id)).values(
    last_seen=case((_p.last_seen.is_(None) | (_p.last_seen < _DAY), _DAY), else_=_p.last_seen),
    last_exit=case((_EXITED & (_p.last_exit.is_(None) | (_p.last_exit < _DAY)), _DAY),
                   else_=_p.last_exit),
    overstayed=_p.overstayed | bindparam("overstayed", type_=Boolean),
)  # fmt: skip


class SqlTransaction(ConsultationRows):
    """A unit of work on one connection; the store commits it when the block ends."""

    def __init__(self, connection: Connection, prepared: dict[str, _Prepared]) -> None:
        self.c = connection
        self._prepared = prepared

    # -- the border check's reads (prepared: see ``_Prepared``) ----------------------------

    def document_owner(self, issuing_state: str, number: str) -> int | None:
        found = self.document_key(issuing_state, number)
        return found[0] if found else None

    def document_key(self, issuing_state: str, number: str) -> tuple[int, int] | None:
        """(person id, document id) of a document, by its issuing state and number."""
        rows = self._prepared["owner"].rows(self.c, state=issuing_state, number=number)
        return (int(rows[0][0]), int(rows[0][1])) if rows else None

    def check_history(self, person_id: int) -> CheckHistory:
        p = self._prepared
        return CheckHistory(
            days=[(d, _day(on)) for d, on in p["days"].rows(self.c, person=person_id)],
            visas=[{"document_number": n, "valid_from": _day(f), "valid_to": _day(to),
                    "duration_days": days, "entries": e, "entries_used": used}
                   for n, f, to, days, e, used in p["visas"].rows(self.c, person=person_id)],
            authorizations=[
                {"document_number": n, "valid_from": _day(f), "valid_to": _day(to)}
                for n, f, to in p["authorizations"].rows(self.c, person=person_id)],
        )  # fmt: skip

    # -- persons and documents -------------------------------------------------------------

    def find_document(self, issuing_state: str, number: str) -> DocumentRow | None:
        row = self.c.execute(
            select(t.documents).where(
                t.documents.c.issuing_state == issuing_state,
                t.documents.c.document_number == number,
            )
        ).first()
        return DocumentRow(**row._mapping) if row else None

    def person(self, person_id: int) -> PersonRow | None:
        row = self.c.execute(select(t.persons).where(t.persons.c.id == person_id)).first()
        return PersonRow(**row._mapping) if row else None

    def candidates(self, nationality: str, birth_date_raw: str, surname: str) -> list[PersonRow]:
        rows = self.c.execute(
            select(t.persons)
            .where(
                t.persons.c.nationality == nationality,
                t.persons.c.birth_date_raw == birth_date_raw,
                t.persons.c.surname == surname,
            )
            .order_by(t.persons.c.id)
            .limit(20)
        )
        return [PersonRow(**r._mapping) for r in rows]

    def add_person(self, **fields: Any) -> int:
        return int(self.c.execute(_INSERT["persons"], fields).inserted_primary_key[0])

    def add_document(self, **fields: Any) -> int:
        try:
            with self.c.begin_nested():
                result = self.c.execute(_INSERT["documents"], fields)
        except IntegrityError as exc:
            raise DuplicateError("document already recorded") from exc
        return int(result.inserted_primary_key[0])

    def documents_of(self, person_id: int) -> list[DocumentRow]:
        rows = self.c.execute(
            select(t.documents).where(t.documents.c.person_id == person_id).order_by("id")
        )
        return [DocumentRow(**r._mapping) for r in rows]

    # -- crossings, refusals, permits, alerts ----------------------------------------------

    def crossings_of(self, person_id: int) -> list[CrossingRow]:
        rows = self.c.execute(
            select(t.crossings)
            .where(t.crossings.c.person_id == person_id)
            .order_by(t.crossings.c.occurred_at, t.crossings.c.id)
        )
        return [CrossingRow(**r._mapping) for r in rows]

    def refusals_of(self, person_id: int) -> list[RefusalRow]:
        rows = self.c.execute(
            select(t.refusals).where(t.refusals.c.person_id == person_id).order_by("id")
        )
        return [RefusalRow(**r._mapping) for r in rows]

    def visas_of(self, person_id: int) -> list[dict[str, Any]]:
        rows = self.c.execute(select(t.visas).where(t.visas.c.person_id == person_id))
        return [dict(r._mapping) for r in rows]

    def authorizations_of(self, person_id: int) -> list[dict[str, Any]]:
        rows = self.c.execute(
            select(t.authorizations).where(t.authorizations.c.person_id == person_id)
        )
        return [dict(r._mapping) for r in rows]

    def add_crossing(self, **fields: Any) -> int:
        return int(self.c.execute(_INSERT["crossings"], fields).inserted_primary_key[0])

    def add_refusal(self, **fields: Any) -> int:
        return int(self.c.execute(_INSERT["refusals"], fields).inserted_primary_key[0])

    def add_visa(self, **fields: Any) -> int:
        return int(self.c.execute(_INSERT["visas"], fields).inserted_primary_key[0])

    def add_authorization(self, **fields: Any) -> int:
        result = self.c.execute(_INSERT["authorizations"], fields)
        return int(result.inserted_primary_key[0])

    # -- alerts ----------------------------------------------------------------------------

    def data_heads(self) -> list[DataHead]:
        """Each origin's last record held, its time, when the sync loop last reached that
        peer, and how many of its records this node keeps without applying them: what a
        decision is based on."""
        rows = self._prepared["heads"].rows(self.c)
        return [(o, int(seq), _instant(at), _instant(reached), int(skipped or 0))
                for o, seq, at, reached, skipped in rows]  # fmt: skip

    def alert_watermark(self) -> int:
        """The number of the latest alert change (0: none yet); a check asks it every time."""
        rows = self._prepared["alert_watermark"].rows(self.c)
        return int(rows[0][0] or 0)

    def alert_changes_after(self, seq: int, limit: int) -> list[tuple[int, str]]:
        a = t.alert_changes.c
        rows = self.c.execute(select(a.seq, a.alert_id).where(a.seq > seq).order_by(a.seq)
                              .limit(limit))  # fmt: skip
        return [(int(r[0]), r[1]) for r in rows]

    def alerts_by_id(self, ids: Sequence[str]) -> list[AlertRow]:
        rows = self.c.execute(select(t.alerts).where(t.alerts.c.id.in_(list(ids))))
        return [AlertRow(**r._mapping) for r in rows]

    def alert(self, alert_id: str) -> AlertRow | None:
        found = self.alerts_by_id([alert_id])
        return found[0] if found else None

    def alert_page(self, after: str, limit: int, *, active_only: bool) -> list[AlertRow]:
        a = t.alerts.c
        query = select(t.alerts).where(a.id > after).order_by(a.id).limit(limit)
        if active_only:
            query = query.where(a.withdrawn_at.is_(None))
        return [AlertRow(**r._mapping) for r in self.c.execute(query)]

    def alert_heads(self, ids: Sequence[str]) -> dict[str, tuple[int, int | None]]:
        """Of the alerts ``ids`` that exist: their version and, for this node's own, the outbox
        row of their last change (what the next change supersedes)."""
        a = t.alerts.c
        return {row[0]: (int(row[1]), row[2]) for row in self.c.execute(
            select(a.id, a.version, a.outbox_seq).where(a.id.in_(list(ids))))}  # fmt: skip

    def put_alerts(
        self, records: Sequence[dict[str, Any]], at: datetime,
        outbox_seqs: dict[str, int] | None = None,
    ) -> dict[str, int]:  # fmt: skip
        """Create or change alerts (each a record dict with ``id`` and ``category``); their new
        versions by id. A withdrawn alert put again is in force again, as a new version.
        ``outbox_seqs``: this node's own alerts, the outbox row each change emitted."""
        a = t.alerts.c
        ids = [r["id"] for r in records]
        seqs = outbox_seqs or {}
        known = {i: v for i, (v, _) in self.alert_heads(ids).items()}
        new = [{"id": r["id"], "category": r["category"], "issuing_state": r.get("issuing_state"),
                "record": r, "version": 1, "created_at": at, "changed_at": at,
                "withdrawn_at": None, "outbox_seq": seqs.get(r["id"])}
               for r in records if r["id"] not in known]  # fmt: skip
        if new:
            self.c.execute(insert(t.alerts), new)
        versions = {r["id"]: 1 for r in new}
        for r in records:
            if r["id"] in known:
                versions[r["id"]] = known[r["id"]] + 1
                self.c.execute(update(t.alerts).where(a.id == r["id"]).values(
                    category=r["category"], issuing_state=r.get("issuing_state"), record=r,
                    version=versions[r["id"]], changed_at=at, withdrawn_at=None,
                    outbox_seq=seqs.get(r["id"])))  # fmt: skip
        self.c.execute(insert(t.alert_changes),
                       [{"alert_id": i, "change": "put", "at": at} for i in ids])  # fmt: skip
        return versions

    def withdraw_alert(
        self, alert_id: str, at: datetime, outbox_seq: int | None = None
    ) -> AlertRow | None:
        a = t.alerts.c
        done = self.c.execute(update(t.alerts).where(a.id == alert_id, a.withdrawn_at.is_(None))
                              .values(withdrawn_at=at, changed_at=at, version=a.version + 1,
                                      outbox_seq=outbox_seq))  # fmt: skip
        if done.rowcount == 0:
            return None
        self.c.execute(insert(t.alert_changes).values(alert_id=alert_id, change="withdraw",
                                                      at=at))  # fmt: skip
        return self.alert(alert_id)

    def add_alert_decision(self, **fields: Any) -> int:
        result = self.c.execute(_INSERT["alert_decisions"], fields)
        return int(result.inserted_primary_key[0])

    def alert_decisions_for(self, issuing_state: str, number: str) -> list[dict[str, Any]]:
        d = t.alert_decisions.c
        rows = self.c.execute(select(t.alert_decisions).where(
            d.issuing_state == issuing_state, d.document_number == number).order_by(d.id))
        return [dict(r._mapping) for r in rows]

    def meta(self, key: str) -> str | None:
        row = self.c.execute(select(t.node_meta.c.value).where(t.node_meta.c.key == key)).first()
        return None if row is None else str(row[0])

    # -- federation ------------------------------------------------------------------------

    def chain_head(self, origin: str, *, lock: bool = False) -> ChainHeadRow | None:
        query = select(t.chain_heads).where(t.chain_heads.c.origin == origin)
        row = self.c.execute(query.with_for_update() if lock else query).first()
        return ChainHeadRow(**row._mapping) if row else None

    def set_chain_head(self, head: ChainHeadRow) -> None:
        h = t.chain_heads.c
        values = {"seq": head.seq, "hash": head.hash, "at": head.at,
                  "outbox_seq": head.outbox_seq}  # fmt: skip
        done = self.c.execute(update(t.chain_heads).where(h.origin == head.origin)
                              .values(**values))  # fmt: skip
        if done.rowcount == 0:
            self.c.execute(insert(t.chain_heads).values(origin=head.origin, **values))

    def chain_heads(self) -> list[ChainHeadRow]:
        rows = self.c.execute(select(t.chain_heads).order_by(t.chain_heads.c.origin))
        return [ChainHeadRow(**r._mapping) for r in rows]

    def outbox_after(self, seq: int, limit: int) -> list[OutboxRow]:
        """Outbox rows after ``seq``, in order, once no row below them can still appear.

        The sealer keeps only a high-water mark, so a row must never commit below one already
        sealed. SQLite's single writer commits rows in seq order. PostgreSQL hands out seqs at
        insert and concurrent transactions commit in any order: row 11 may be visible while
        row 10's transaction is still open, and sealing past it would lose row 10 for good.
        So the sealer first waits for every open writer of the outbox (a SHARE lock conflicts
        with their inserts; new inserts queue behind it until this transaction ends); if that
        takes more than a moment (a long import), it seals nothing this round.
        """
        if self.c.dialect.name == "postgresql" and not self._outbox_settled():
            return []
        o = t.outbox.c
        rows = self.c.execute(select(o.seq, o.at, o.kind, o.payload, o.person_id,
                                     o.supersedes)
                              .where(o.seq > seq).order_by(o.seq).limit(limit))  # fmt: skip
        return [OutboxRow(**r._mapping) for r in rows]

    def _outbox_settled(self) -> bool:
        try:
            with self.c.begin_nested():
                self.c.execute(text("SET LOCAL lock_timeout = '50ms'"))
                self.c.execute(text("LOCK TABLE outbox IN SHARE MODE"))
                self.c.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
        except OperationalError:  # lock_timeout: writers still at work; next round
            return False
        return True

    def add_records(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.c.execute(insert(t.records), list(rows))

    def record_hashes(self, origin: str, seqs: Sequence[int]) -> dict[int, str]:
        if not seqs:
            return {}
        r = t.records.c
        rows = self.c.execute(select(r.seq, r.hash).where(r.origin == origin,
                                                          r.seq.in_(list(seqs))))  # fmt: skip
        return {int(seq): digest for seq, digest in rows}

    def records_page(self, origin: str, after: int, limit: int) -> list[dict[str, Any]]:
        r = t.records.c
        rows = self.c.execute(select(r.wire).where(r.origin == origin, r.seq > after)
                              .order_by(r.seq).limit(limit))  # fmt: skip
        return [row[0] for row in rows]

    def records_of_person(self, person_id: int) -> list[tuple[str, int, dict[str, Any]]]:
        r = t.records.c
        rows = self.c.execute(select(r.origin, r.seq, r.wire).where(r.person_id == person_id))
        return [(o, int(seq), wire) for o, seq, wire in rows]

    def replace_record_wire(self, origin: str, seq: int, wire: dict[str, Any]) -> None:
        r = t.records.c
        self.c.execute(update(t.records).where(r.origin == origin, r.seq == seq)
                       .values(wire=wire, person_id=None))  # fmt: skip

    def persons_of_records(self, refs: Sequence[tuple[str, int]]) -> list[int]:
        """The local persons the records ``(origin, seq)`` concern."""
        r = t.records.c
        found: set[int] = set()
        for origin in {o for o, _ in refs}:
            seqs = [seq for o, seq in refs if o == origin]
            rows = self.c.execute(select(r.person_id).where(
                r.origin == origin, r.seq.in_(seqs), r.person_id.is_not(None)))
            found |= {int(row[0]) for row in rows}
        return sorted(found)

    def mark_erased(self, origin: str, seqs: Sequence[int], by_seq: int) -> None:
        """``origin``'s records ``seqs`` are erased by its RetentionDeletion ``by_seq``."""
        if seqs:
            r = t.records.c
            self.c.execute(update(t.records).where(r.origin == origin, r.seq.in_(list(seqs)))
                           .values(erased_by=by_seq))  # fmt: skip

    def erasures_of(self, origin: str, seqs: Sequence[int]) -> dict[int, int]:
        """Of ``origin``'s records ``seqs`` held here, those known erased: seq -> erased_by."""
        if not seqs:
            return {}
        r = t.records.c
        rows = self.c.execute(select(r.seq, r.erased_by).where(
            r.origin == origin, r.seq.in_(list(seqs)), r.erased_by.is_not(None)))
        return {int(seq): int(by) for seq, by in rows}

    def record_wires(self, origin: str, seqs: Sequence[int]) -> list[dict[str, Any]]:
        """The records ``seqs`` of ``origin`` held here, in order."""
        if not seqs:
            return []
        r = t.records.c
        rows = self.c.execute(select(r.wire).where(r.origin == origin, r.seq.in_(list(seqs)))
                              .order_by(r.seq))  # fmt: skip
        return [row[0] for row in rows]

    def delete_peer_decisions(self, refs: Sequence[tuple[str, int]]) -> None:
        """Drop the peers' decisions on hits that the records ``refs`` filed (erased)."""
        d = t.alert_decisions.c
        for origin in {o for o, _ in refs}:
            seqs = [seq for o, seq in refs if o == origin]
            self.c.execute(delete(t.alert_decisions).where(d.origin == origin,
                                                           d.record_seq.in_(seqs)))  # fmt: skip

    def count_not_applied(self, origin: str, count: int) -> None:
        if count:
            h = t.chain_heads.c
            self.c.execute(update(t.chain_heads).where(h.origin == origin)
                           .values(not_applied=h.not_applied + count))  # fmt: skip

    def not_applied_records(self, origin: str, limit: int) -> list[dict[str, Any]]:
        """The last ``limit`` records of ``origin`` kept here without being applied."""
        r = t.records.c
        rows = self.c.execute(select(r.seq, r.kind, r.at, r.not_applied).where(
            r.origin == origin, r.not_applied.is_not(None)).order_by(r.seq.desc()).limit(limit))
        return [{"seq": int(seq), "kind": kind, "at": _instant(at), "why": why}
                for seq, kind, at, why in rows]  # fmt: skip

    def put_peer_status(self, **fields: Any) -> None:
        p = t.peer_status.c
        done = self.c.execute(update(t.peer_status).where(p.peer == fields["peer"])
                              .values(**fields))  # fmt: skip
        if done.rowcount == 0:
            self.c.execute(insert(t.peer_status).values(**fields))

    def peer_statuses(self) -> list[dict[str, Any]]:
        rows = self.c.execute(select(t.peer_status).order_by(t.peer_status.c.peer))
        return [dict(r._mapping) for r in rows]

    # -- record references: corrections, revocations, identity links -----------------------

    def record_seq_of_outbox(self, outbox_seq: int) -> int | None:
        """The number of this node's record sealed from outbox row ``outbox_seq``."""
        r = t.records.c
        return self.c.execute(select(r.seq).where(r.outbox_seq == outbox_seq)).scalar()

    def row(self, table: Referenced, row_id: int) -> dict[str, Any] | None:
        """One row by id; its times in UTC with their zone (SQLite keeps them without it)."""
        found = _REFERENCED[table]
        row = self.c.execute(select(found).where(found.c.id == row_id)).first()
        if row is None:
            return None
        return {k: v.replace(tzinfo=UTC) if isinstance(v, datetime) and v.tzinfo is None else v
                for k, v in row._mapping.items()}  # fmt: skip

    def row_of_record(self, table: Referenced, origin: str, record_seq: int) -> int | None:
        """The local row a peer's record (``origin``, ``record_seq``) wrote, or last corrected."""
        found = _REFERENCED[table]
        return self.c.execute(select(found.c.id).where(
            found.c.origin == origin, found.c.record_seq == record_seq)).scalar()  # fmt: skip

    def update_row(self, table: Referenced, row_id: int, **fields: Any) -> None:
        found = _REFERENCED[table]
        self.c.execute(update(found).where(found.c.id == row_id).values(**fields))

    def delete_row(self, table: Referenced, row_id: int) -> None:
        found = _REFERENCED[table]
        self.c.execute(delete(found).where(found.c.id == row_id))

    def refresh_person_days(self, person_id: int) -> None:
        """Last day seen and last exit computed again from the records (after a correction
        moved or removed one: ``touch_person`` only moves them forwards)."""
        c, r = t.crossings.c, t.refusals.c
        crossed, exited = self.c.execute(
            select(func.max(c.local_date), func.max(case((c.direction == "exit", c.local_date))))
            .where(c.person_id == person_id)).one()  # fmt: skip
        refused = self.c.execute(select(func.max(r.local_date))
                                 .where(r.person_id == person_id)).scalar()  # fmt: skip
        days = [_day(d) for d in (crossed, refused) if d is not None]
        self.c.execute(update(t.persons).where(_p.id == person_id).values(
            last_seen=max(days) if days else None,
            last_exit=_day(exited) if exited is not None else None))  # fmt: skip

    def merge_persons(self, keep: int, other: int) -> None:
        """Two persons found to be one (an identity link): ``other``'s documents and records
        become ``keep``'s and ``other`` is gone. The audit log is not rewritten: its entries
        name the person id they concerned then."""
        for table in (t.documents, t.crossings, t.refusals, t.visas, t.authorizations,
                      t.alert_decisions, t.outbox, t.records):
            self.c.execute(update(table).where(table.c.person_id == other)
                           .values(person_id=keep))  # fmt: skip
        was = self.c.execute(select(_p.overstayed).where(_p.id == other)).scalar()
        self.c.execute(delete(t.persons).where(_p.id == other))
        if was:
            self.c.execute(update(t.persons).where(_p.id == keep).values(overstayed=True))
        self.refresh_person_days(keep)

    # -- federation: bulk apply of a peer's page --------------------------------------------

    def document_keys(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """(person id, document id) of each document on record among ``keys``
        (issuing_state, document_number): one query per ``KEYS_PER_SELECT`` keys."""
        found: dict[tuple[str, str], tuple[int, int]] = {}
        for start in range(0, len(keys), KEYS_PER_SELECT):
            chunk = [tuple(key) for key in keys[start : start + KEYS_PER_SELECT]]
            for state, number, person_id, document_id in self.c.execute(
                _DOCUMENT_KEYS, {"keys": chunk}
            ):  # fmt: skip
                found[(state, number)] = (int(person_id), int(document_id))
        return found

    def add_persons(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert persons in one statement; their ids, in the order of ``rows``."""
        if not rows:
            return []
        return [int(i) for i in self.c.execute(_INSERT_IDS["persons"], list(rows)).scalars()]

    def add_documents(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert documents in one statement; their ids, in the order of ``rows``."""
        if not rows:
            return []
        try:
            with self.c.begin_nested():
                result = self.c.execute(_INSERT_IDS["documents"], list(rows))
                return [int(i) for i in result.scalars()]
        except IntegrityError as exc:
            raise DuplicateError("document already recorded") from exc

    def add_crossings(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.c.execute(_INSERT["crossings"], list(rows))

    def add_refusals(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self.c.execute(_INSERT["refusals"], list(rows))

    def touch_persons(self, last_seen: dict[int, date], last_exits: dict[int, date]) -> None:
        """``touch_person`` for many persons, one executemany: each one's last day seen (and
        last exit) move forward to these days, never back. As in ``bulk.note_days``, the
        persons are those of ``last_seen``; a last exit is one of the days seen."""
        params = []
        for person_id, day in last_seen.items():
            exit_day = last_exits.get(person_id)
            params.append({"person": person_id, "day": day, "exited": exit_day == day,
                           "overstayed": False})  # fmt: skip
            if exit_day is not None and exit_day != day:
                params.append({"person": person_id, "day": exit_day, "exited": True,
                               "overstayed": False})  # fmt: skip
        if params:
            self.c.execute(_TOUCH, params)

    # -- audit and outbox ------------------------------------------------------------------

    def audit(self, entry: AuditEntry, at: datetime) -> None:
        self.audit_many([(entry, at)])

    def audit_many(self, entries: Sequence[tuple[AuditEntry, datetime]]) -> None:
        self.c.execute(insert(t.audit_log), [
            {"at": at, "user_name": e.user_name, "role": e.role, "action": e.action,
             "person_id": e.person_id, "purpose": e.purpose, "detail": e.detail or {}}
            for e, at in entries
        ])  # fmt: skip

    def audit_of(self, person_id: int) -> list[dict[str, Any]]:
        rows = self.c.execute(
            select(t.audit_log).where(t.audit_log.c.person_id == person_id).order_by("id")
        )
        return [dict(r._mapping) for r in rows]

    def audit_page(self, after: int, limit: int) -> list[dict[str, Any]]:
        rows = self.c.execute(
            select(t.audit_log).where(t.audit_log.c.id > after).order_by("id").limit(limit)
        )
        return [dict(r._mapping) for r in rows]

    def emit(
        self, kind: str, payload: dict[str, Any], at: datetime, person_id: int | None = None,
        *, supersedes: int | None = None,
    ) -> int:
        """An outbox row, sealed into a record later; ``supersedes``: the outbox row of the
        record it corrects or ends."""
        result = self.c.execute(_INSERT["outbox"], {"at": at, "kind": kind, "payload": payload,
                                                    "person_id": person_id,
                                                    "supersedes": supersedes})  # fmt: skip
        return int(result.inserted_primary_key[0])

    def touch_person(
        self, person_id: int, day: date, *, exited: bool = False, overstayed: bool = False
    ) -> None:
        """A record of ``day``: the last day seen (and last exit) only ever move forwards."""
        self.c.execute(_TOUCH, {"person": person_id, "day": day, "exited": exited,
                                "overstayed": overstayed})  # fmt: skip

    # -- sweeps ----------------------------------------------------------------------------

    def persons_inside(self, on: date, after: int, limit: int) -> list[int]:
        """Persons whose last crossing on or before ``on`` is an entry, by id after ``after``."""
        last = (
            select(t.crossings.c.person_id, func.max(t.crossings.c.occurred_at).label("at"))
            .where(t.crossings.c.local_date <= on, t.crossings.c.person_id > after)
            .group_by(t.crossings.c.person_id)
            .subquery()
        )
        rows = self.c.execute(
            select(last.c.person_id)
            .join(
                t.crossings,
                and_(
                    t.crossings.c.person_id == last.c.person_id,
                    t.crossings.c.occurred_at == last.c.at,
                ),
            )
            .where(t.crossings.c.direction == "entry")
            .order_by(last.c.person_id)
            .limit(limit)
        )
        return [int(r[0]) for r in rows]

    def persons_to_purge(self, before: date, overstayer_before: date, limit: int) -> list[int]:
        p, c = t.persons.c, t.crossings.c
        # retention runs from the last record of any kind (exit, refusal) while the person is
        # out: one whose latest crossing is an entry is inside the area, and kept
        later = t.crossings.alias("later")
        latest = (
            select(func.max(later.c.occurred_at))
            .where(later.c.person_id == p.id)
            .correlate(t.persons)
            .scalar_subquery()
        )
        inside = exists().where(c.person_id == p.id, c.occurred_at == latest,
                                c.direction == "entry")  # fmt: skip
        rows = self.c.execute(
            select(p.id)
            .where(
                p.last_seen.is_not(None),
                ~inside,
                ((p.overstayed.is_(False)) & (p.last_seen < before))
                | ((p.overstayed.is_(True)) & (p.last_seen < overstayer_before)),
            )
            .order_by(p.id)
            .limit(limit)
        )
        return [int(r[0]) for r in rows]

    def delete_person(self, person_id: int) -> None:
        """The person and every record of theirs, the outbox's copies included."""
        for table in (t.crossings, t.refusals, t.visas, t.authorizations, t.alert_decisions,
                      t.documents, t.outbox):  # records are redacted, not deleted (federation)
            self.c.execute(delete(table).where(table.c.person_id == person_id))
        self.c.execute(delete(t.persons).where(t.persons.c.id == person_id))

    # -- users and idempotency -------------------------------------------------------------

    def user_by_token_hash(self, token_hash: str) -> UserRow | None:
        row = self.c.execute(
            select(t.users.c.id, t.users.c.name, t.users.c.role, t.users.c.active).where(
                t.users.c.token_hash == token_hash
            )
        ).first()
        return UserRow(**row._mapping) if row else None

    def add_user(self, name: str, role: str, token_hash: str, at: datetime) -> int:
        try:
            with self.c.begin_nested():
                result = self.c.execute(
                    insert(t.users).values(
                        name=name, role=role, token_hash=token_hash, created_at=at, active=True
                    )
                )
        except IntegrityError as exc:
            raise DuplicateError(f"a user named {name!r} exists already") from exc
        return int(result.inserted_primary_key[0])

    def idempotent_response(self, user: str, key: str) -> tuple[str, int, Any] | None:
        row = self.c.execute(
            select(t.idempotency.c.request_hash, t.idempotency.c.status, t.idempotency.c.body)
            .where(t.idempotency.c.user_name == user, t.idempotency.c.key == key)
        ).first()
        return (row[0], int(row[1]), row[2]) if row else None

    def save_response(
        self, user: str, key: str, request_hash: str, status: int, body: Any, at: datetime
    ) -> None:
        try:
            with self.c.begin_nested():
                self.c.execute(
                    insert(t.idempotency).values(
                        user_name=user, key=key, request_hash=request_hash, status=status,
                        body=body, at=at,
                    )
                )
        except IntegrityError as exc:
            raise DuplicateError("this idempotency key was used at the same time") from exc


class _SqliteWriterLock:
    """The one SQLite writer: threads of a process queue on a lock, processes on ``flock``.

    Both waits are queues the kernel or the interpreter wakes as soon as the writer is done;
    SQLite's own busy handler instead polls with sleeps of up to 100 ms. The lock file sits
    beside the database (``NAME.writer-lock``); an in-memory database needs only the thread
    lock.
    """

    def __init__(self, engine: Engine) -> None:
        database = engine.url.database
        self._path = None if not database or database == ":memory:" else database + ".writer-lock"
        self._threads = threading.Lock()
        self._file: int | None = None
        self._pid = 0

    def __enter__(self) -> None:
        self._threads.acquire()
        if self._path is None:
            return
        try:
            if self._file is None or self._pid != os.getpid():
                self._file = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()
            fcntl.flock(self._file, fcntl.LOCK_EX)
        except BaseException:
            self._threads.release()
            raise

    def __exit__(self, *_exc: object) -> None:
        try:
            if self._path is not None and self._file is not None:
                fcntl.flock(self._file, fcntl.LOCK_UN)
        finally:
            self._threads.release()


class _ReadOnly(SqlTransaction):
    """A read-only transaction: what a border check reads comes in two statements, not six.

    ``document_key`` fetches the owner's history with the owner, and ``check_history`` of
    that person answers from it; ``alert_watermark`` fetches the data heads too, and
    ``data_heads`` answers from them. Nothing writes in between, and at PostgreSQL's READ
    COMMITTED each statement reads its own snapshot either way, so the answers are those the
    separate reads would give. For a server database only: there a round trip cost the
    server and the driver more CPU than the read (a check's reads 330 -> 170 µs in the
    driver); SQLite answers in-process, and the combined statements cost it 7 µs more.
    """

    def __init__(self, connection: Connection, prepared: dict[str, _Prepared]) -> None:
        super().__init__(connection, prepared)
        self._history: tuple[int, CheckHistory] | None = None
        self._heads: list[DataHead] | None = None

    def document_key(self, issuing_state: str, number: str) -> tuple[int, int] | None:
        rows = self._prepared["document_reads"].rows(self.c, state=issuing_state, number=number)
        if not rows:
            return None
        person = int(rows[0][1])
        history = CheckHistory(days=[], visas=[], authorizations=[])
        for part, _, _, name, first, last, duration, entries, used, _, _ in rows[1:]:
            if part == 1:
                history.days.append((name, _day(first)))
            elif part == 2:
                history.visas.append({
                    "document_number": name, "valid_from": _day(first), "valid_to": _day(last),
                    "duration_days": duration, "entries": entries, "entries_used": used,
                })  # fmt: skip
            else:
                history.authorizations.append({
                    "document_number": name, "valid_from": _day(first), "valid_to": _day(last),
                })  # fmt: skip
        self._history = (person, history)
        return person, int(rows[0][2])

    def check_history(self, person_id: int) -> CheckHistory:
        if self._history is not None and self._history[0] == person_id:
            return self._history[1]
        return super().check_history(person_id)

    def alert_watermark(self) -> int:
        rows = self._prepared["watermark_heads"].rows(self.c)
        self._heads = [(o, int(seq), _instant(at), _instant(reached), int(skipped or 0))
                       for _, o, seq, at, reached, skipped in rows if o is not None]  # fmt: skip
        return int(rows[0][0] or 0)

    def data_heads(self) -> list[DataHead]:
        return self._heads if self._heads is not None else super().data_heads()


class SqlStore:
    """Transactions over one engine (on SQLite each one begins IMMEDIATE: see ``engine``)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # SQLite has one writer at a time. Writers queue here, in order, instead of in
        # SQLite's busy handler, whose sleeps grow to 100 ms and make the tail.
        self._writer = _SqliteWriterLock(engine) if engine.dialect.name == "sqlite" else None
        self._prepared: dict[str, _Prepared] | None = None
        self._remote = engine.dialect.name != "sqlite"  # a statement is a round trip
        self._audits: GroupCommit[tuple[AuditEntry, datetime]] = GroupCommit(self._write_audit)
        self.watch = DatabaseWatch(engine)  # the file it opened; the last write's failure

    def _statements(self, connection: Connection) -> dict[str, _Prepared]:
        if self._prepared is None:
            self._prepared = {name: _Prepared(s, connection) for name, s in _HOT.items()}
        return self._prepared

    def audit(self, entries: Sequence[AuditEntry], at: datetime) -> None:
        """Append audit entries, durable when this returns (group commit: ``group_commit``)."""
        if entries:
            self._audits.submit([(entry, at) for entry in entries])

    def _write_audit(self, entries: list[tuple[AuditEntry, datetime]]) -> None:
        with self.transaction() as tx:
            tx.audit_many(entries)

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[SqlTransaction]:
        if read_only:
            with self.engine.connect() as connection:
                connection = connection.execution_options(cta_read_only=True)
                with connection.begin():
                    kind = _ReadOnly if self._remote else SqlTransaction
                    yield kind(connection, self._statements(connection))
            return
        self.watch.check_writable()  # never into a removed or replaced SQLite file
        try:
            with (
                self._writer or contextlib.nullcontext(),
                self.engine.connect() as connection,
                connection.begin(),
            ):
                yield SqlTransaction(connection, self._statements(connection))
        except (OperationalError, InterfaceError, InternalError) as exc:
            self.watch.write_failed(exc)  # /v1/health says so until a write succeeds
            raise
        self.watch.write_succeeded()

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as connection:
            return {
                name: int(connection.execute(select(func.count()).select_from(table)).scalar_one())
                for name, table in (
                    ("persons", t.persons),
                    ("documents", t.documents),
                    ("crossings", t.crossings),
                    ("refusals", t.refusals),
                    ("audit_log", t.audit_log),
                    ("outbox", t.outbox),
                )
            }
