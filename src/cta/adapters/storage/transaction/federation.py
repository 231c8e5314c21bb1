"""The federation's storage: the outbox this node's records are sealed from, the chain heads,
the records held (this node's and its peers'), the peers' status, the rows that records
reference (corrections, revocations), and the bulk apply of a peer's page."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table, bindparam, delete, insert, select, text, tuple_, update
from sqlalchemy.exc import IntegrityError, OperationalError

from cta.adapters.storage import tables as t
from cta.adapters.storage.bulk import _sqlite_rows, sqlite_last_id
from cta.adapters.storage.transaction.base import (
    _INSERT,
    _REFERENCED,
    DuplicateError,
    TransactionBase,
    _instant,
    hold_against_purge,
    sqlite_documents_by_key,
)
from cta.adapters.storage.transaction.persons import _TOUCH
from cta.domain.errors import InvalidInputError
from cta.federation.canonical import MAX_PAYLOAD_BYTES, encode_checked
from cta.services.ports import ChainHeadRow, OutboxRow, Referenced

__all__ = ["KEYS_PER_SELECT", "FederationRows"]

# The federation's bulk apply of a peer's page (``document_keys`` and after)
KEYS_PER_SELECT = 1000  # 2 parameters a key; SQLite allows 32,766 in a statement
_d = t.documents.c
_DOCUMENT_KEYS = select(_d.issuing_state, _d.document_number, _d.person_id, _d.id).where(
    tuple_(_d.issuing_state, _d.document_number).in_(bindparam("keys", expanding=True)))


_INSERT_IDS = {name: insert(table).returning(table.c.id, sort_by_parameter_order=True)
               for name, table in (("persons", t.persons), ("documents", t.documents))}


class FederationRows(TransactionBase):
    """The outbox, records, chain heads, peers, and the rows records reference."""

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

    def outbox_waiting(self, seq: int) -> bool:
        """Whether any outbox row lies after ``seq``: the idle sealer's question, one read
        (no lock, so a read-only transaction may ask it)."""
        o = t.outbox.c
        return self.c.execute(select(o.seq).where(o.seq > seq).limit(1)).first() is not None

    def savepoint(self) -> AbstractContextManager[object]:
        """A savepoint in this transaction: what is written in the block is undone if it
        raises, the rest of the transaction kept (on PostgreSQL, an aborted statement's
        transaction goes on from it)."""
        return self.c.begin_nested()

    def _outbox_settled(self) -> bool:
        try:
            with self.c.begin_nested():
                self.c.execute(text("SET LOCAL lock_timeout = '50ms'"))
                self.c.execute(text("LOCK TABLE outbox IN SHARE MODE"))
                self.c.execute(text("SET LOCAL lock_timeout TO DEFAULT"))
        except OperationalError:  # lock_timeout: writers still at work; next round
            return False
        return True

    def emit(
        self, kind: str, payload: dict[str, Any], at: datetime, person_id: int | None = None,
        *, supersedes: int | None = None,
    ) -> int:
        """An outbox row, sealed into a record later; ``supersedes``: the outbox row of the
        record it corrects or ends. A payload too long for one record is refused here, with
        the use case that made it: stored, it could never be sealed, and the outbox is sealed
        in order, so none of this node's later records would reach the peers either."""
        size = len(encode_checked(payload))
        if size > MAX_PAYLOAD_BYTES:
            raise InvalidInputError(
                f"{kind}: the record would be {size} bytes; a record holds at most "
                f"{MAX_PAYLOAD_BYTES}: shorten the text it carries")
        result = self.c.execute(_INSERT["outbox"], {"at": at, "kind": kind, "payload": payload,
                                                    "person_id": person_id,
                                                    "supersedes": supersedes})  # fmt: skip
        return int(result.inserted_primary_key[0])

    def add_records(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._insert_many(t.records, rows)

    def _insert_many(self, table: Table, rows: Sequence[dict[str, Any]]) -> None:
        """Rows of the same keys in one executemany. On SQLite, straight to the driver with
        the values in the form SQLAlchemy's types store (``bulk._sqlite_rows``): its
        per-row parameter processing was a fifth of applying a catch-up's page."""
        if self.c.dialect.name != "sqlite":
            self.c.execute(insert(table), list(rows))
            return
        columns = list(rows[0])
        names = ", ".join(f'"{name}"' for name in columns)
        self.c.exec_driver_sql(
            f"INSERT INTO {table.name} ({names}) VALUES ({', '.join('?' * len(columns))})",
            _sqlite_rows(columns, list(rows)),
        )  # fmt: skip

    def _insert_with_ids(self, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert rows and give their new ids, in order. On SQLite, the ids SQLite would give
        (after the highest ever given, ``sqlite_last_id``: this transaction holds the write
        lock) are given with the rows in one executemany: SQLAlchemy inserts rows one at a
        time when it must return their ids in order there. Elsewhere, one INSERT .. RETURNING."""
        if self.c.dialect.name != "sqlite":
            return [int(i) for i in self.c.execute(_INSERT_IDS[table.name], list(rows)).scalars()]
        top = sqlite_last_id(self.c, table.name, "id")
        ids = list(range(top + 1, top + 1 + len(rows)))
        self._insert_many(table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        return ids

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
        """The local persons the records ``(origin, seq)`` concern, locked for the rest of
        the transaction (``FOR UPDATE``, in id order). Two peers' deletions of one person's
        records, applied at once by their pullers, would each still see the other's records
        and leave the person with none (PostgreSQL's read committed; SQLite writes one
        transaction at a time): the second waits, then reads what the first left."""
        r = t.records.c
        found: set[int] = set()
        for origin in {o for o, _ in refs}:
            seqs = [seq for o, seq in refs if o == origin]
            rows = self.c.execute(select(r.person_id).where(
                r.origin == origin, r.seq.in_(seqs), r.person_id.is_not(None)))
            found |= {int(row[0]) for row in rows}
        if not found:
            return []
        p = t.persons.c
        locked = self.c.execute(select(p.id).where(p.id.in_(sorted(found))).order_by(p.id)
                                .with_for_update())  # fmt: skip
        return [int(row[0]) for row in locked]

    def hold_against_purge(self, *, purge: bool) -> None:
        """The purge alone, or the writers of many persons together (``base``)."""
        hold_against_purge(self.c, purge=purge)

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

    def document_keys(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """(person id, document id) of each document on record among ``keys``
        (issuing_state, document_number): one query per ``KEYS_PER_SELECT`` keys."""
        found: dict[tuple[str, str], tuple[int, int]] = {}
        sqlite = self.c.dialect.name == "sqlite"
        for start in range(0, len(keys), KEYS_PER_SELECT):
            chunk = [tuple(key) for key in keys[start : start + KEYS_PER_SELECT]]
            rows = (self.c.exec_driver_sql(sqlite_documents_by_key(len(chunk)),
                                           tuple(value for key in chunk for value in key))
                    if sqlite else self.c.execute(_DOCUMENT_KEYS, {"keys": chunk}))  # fmt: skip
            for state, number, person_id, document_id in rows:
                found[(state, number)] = (int(person_id), int(document_id))
        return found

    def add_persons(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert persons in one statement; their ids, in the order of ``rows``."""
        if not rows:
            return []
        return self._insert_with_ids(t.persons, rows)

    def add_documents(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert documents in one statement; their ids, in the order of ``rows``."""
        if not rows:
            return []
        try:
            with self.c.begin_nested():
                return self._insert_with_ids(t.documents, rows)
        except IntegrityError as exc:
            raise DuplicateError("document already recorded") from exc

    def add_crossings(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._insert_many(t.crossings, rows)

    def add_refusals(self, rows: Sequence[dict[str, Any]]) -> None:
        if rows:
            self._insert_many(t.refusals, rows)

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
