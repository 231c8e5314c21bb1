"""Bulk writes for imports: many rows per statement, one transaction per import.

The generic path is SQLAlchemy Core ``executemany``; two faster paths skip its per-row work:
on SQLite the rows go to the driver's ``executemany`` already in SQLAlchemy's storage format
(dates as ISO text, timestamps as naive UTC ``YYYY-MM-DD HH:MM:SS.ffffff``), on PostgreSQL
they go through ``COPY ... FROM STDIN`` (psycopg 3). New persons and documents get their ids
before they are written: on SQLite from ``max(id)`` (the import holds the write lock, taken by
``BEGIN IMMEDIATE``), on PostgreSQL from the table's sequence, so live writers may go on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Connection, Engine, Table, func, insert, select, text, tuple_

from cta.adapters.storage import tables as t
from cta.services.imports import ACTION
from cta.services.ports import AuditEntry

__all__ = ["SqlBulkSession", "SqlBulkStore"]

LOOKUP_CHUNK = 2_000  # document keys per SELECT (SQLite allows 32,766 parameters)

_PERSON = ("id", "surname", "given_names", "nationality", "birth_date", "birth_date_raw", "sex",
           "created_at", "last_exit", "last_seen", "overstayed")  # fmt: skip
_DOCUMENT = ("id", "person_id", "document_code", "issuing_state", "document_number",
             "expiry_date", "first_seen")  # fmt: skip
_CROSSING = ("person_id", "document_id", "direction", "crossing_point", "occurred_at",
             "time_zone", "local_date", "officer", "decision", "override_reason",
             "recorded_at")  # fmt: skip
_OUTBOX = ("at", "kind", "payload", "person_id")


class SqlBulkStore:
    """Import sessions over one engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def session(self) -> Iterator[SqlBulkSession]:
        """One transaction: committed when the block ends, unless discarded or failed."""
        with self.engine.connect() as connection:
            transaction = connection.begin()
            session = SqlBulkSession(connection)
            try:
                yield session
            except BaseException:
                transaction.rollback()
                raise
            if session.discarded:
                transaction.rollback()
            else:
                transaction.commit()


class SqlBulkSession:
    """Rows in bulk on one connection, within the import's transaction."""

    def __init__(self, connection: Connection) -> None:
        self.c = connection
        self.dialect = connection.dialect.name
        self.discarded = False

    def discard(self) -> None:
        self.discarded = True

    # -- reads -------------------------------------------------------------------------------

    def imports_of(self, sha256: str) -> list[dict[str, Any]]:
        """Earlier, kept imports of the file with this SHA-256 (from the audit log)."""
        rows = self.c.execute(
            select(t.audit_log.c.at, t.audit_log.c.user_name, t.audit_log.c.detail)
            .where(t.audit_log.c.action == ACTION)
            .order_by(t.audit_log.c.id)
        )
        return [dict(r._mapping) for r in rows
                if r.detail.get("sha256") == sha256 and not r.detail.get("rejected")]  # fmt: skip

    def known_documents(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """Documents recorded already, by (issuing_state, document_number)."""
        if self.dialect == "postgresql":
            # a join against the keys as arrays: one index probe per key, never a table scan
            rows = self.c.execute(
                text("SELECT d.issuing_state, d.document_number, d.person_id, d.id "
                     "FROM unnest(CAST(:states AS varchar[]), CAST(:numbers AS varchar[])) "
                     "AS k(state, number) JOIN documents AS d "
                     "ON d.issuing_state = k.state AND d.document_number = k.number"),
                {"states": [k[0] for k in keys], "numbers": [k[1] for k in keys]},
            )  # fmt: skip
            return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in rows}
        d = t.documents.c
        found: dict[tuple[str, str], tuple[int, int]] = {}
        for start in range(0, len(keys), LOOKUP_CHUNK):
            chunk = keys[start : start + LOOKUP_CHUNK]
            rows = self.c.execute(
                select(d.issuing_state, d.document_number, d.person_id, d.id).where(
                    tuple_(d.issuing_state, d.document_number).in_(chunk)
                )
            )
            for state, number, person_id, document_id in rows:
                found[(state, number)] = (int(person_id), int(document_id))
        return found

    # -- writes ------------------------------------------------------------------------------

    def add_persons(self, rows: list[dict[str, Any]]) -> list[int]:
        ids = self._new_ids(t.persons, len(rows))
        self._write(t.persons, _PERSON, [{"id": i, **r} for i, r in zip(ids, rows, strict=True)])
        return ids

    def add_documents(self, rows: list[dict[str, Any]]) -> list[int]:
        ids = self._new_ids(t.documents, len(rows))
        self._write(t.documents, _DOCUMENT,
                    [{"id": i, **r} for i, r in zip(ids, rows, strict=True)])  # fmt: skip
        return ids

    def add_crossings(self, rows: list[dict[str, Any]]) -> None:
        self._write(t.crossings, _CROSSING, rows)

    def emit_many(
        self, kind: str, payloads: list[dict[str, Any]], at: datetime, person_ids: list[int]
    ) -> None:
        rows = [{"at": at, "kind": kind, "payload": p, "person_id": i}
                for p, i in zip(payloads, person_ids, strict=True)]  # fmt: skip
        self._write(t.outbox, _OUTBOX, rows)

    def note_days(self, last_seen: dict[int, date], last_exits: dict[int, date]) -> None:
        """Each person's last day seen and last exit (retention) move forward, never back."""
        ids = list(last_seen)
        exits = [last_exits.get(i) for i in ids]
        if self.dialect == "postgresql":
            self.c.execute(
                text("UPDATE persons SET "
                     "last_seen = GREATEST(persons.last_seen, x.seen), "
                     "last_exit = GREATEST(persons.last_exit, x.exit) FROM "
                     "(SELECT unnest(CAST(:ids AS bigint[])) AS id, "
                     "unnest(CAST(:seen AS date[])) AS seen, "
                     "unnest(CAST(:exits AS date[])) AS exit) AS x "
                     "WHERE persons.id = x.id"),
                {"ids": ids, "seen": [last_seen[i] for i in ids], "exits": exits},
            )  # fmt: skip
            return
        # SQLite's max() of two values is NULL if either is; dates compare as ISO text
        self.c.exec_driver_sql(
            "UPDATE persons SET "
            "last_seen = CASE WHEN last_seen IS NULL OR last_seen < ?1 THEN ?1 ELSE last_seen END, "
            "last_exit = CASE WHEN ?2 IS NOT NULL AND (last_exit IS NULL OR last_exit < ?2) "
            "THEN ?2 ELSE last_exit END WHERE id = ?3",
            [(last_seen[i].isoformat(), e.isoformat() if e else None, i)
             for i, e in zip(ids, exits, strict=True)],
        )  # fmt: skip

    def audit(self, entry: AuditEntry, at: datetime) -> None:
        self.c.execute(
            insert(t.audit_log).values(
                at=at, user_name=entry.user_name, role=entry.role, action=entry.action,
                person_id=entry.person_id, purpose=entry.purpose, detail=entry.detail or {},
            )
        )  # fmt: skip

    # -- the fast paths ----------------------------------------------------------------------

    def _new_ids(self, table: Table, count: int) -> list[int]:
        if count == 0:
            return []
        if self.dialect == "postgresql":
            rows = self.c.execute(
                text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                     "FROM generate_series(1, :n)"),
                {"table": table.name, "n": count},
            )  # fmt: skip
            return [int(r[0]) for r in rows]
        top = self.c.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
        return list(range(int(top) + 1, int(top) + 1 + count))

    def _write(self, table: Table, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.dialect == "postgresql":
            _copy(self.c, table, columns, rows)
        elif self.dialect == "sqlite":
            names = ", ".join(columns)
            marks = ", ".join("?" * len(columns))
            self.c.exec_driver_sql(
                f"INSERT INTO {table.name} ({names}) VALUES ({marks})", _sqlite_rows(columns, rows)
            )
        else:  # any other database SQLAlchemy knows: Core executemany
            self.c.execute(insert(table), rows)


def _sqlite(value: Any) -> Any:
    """A value in the text form SQLAlchemy's SQLite types store (and read back)."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.isoformat(" ", "microseconds")  # SQLAlchemy's "%Y-%m-%d %H:%M:%S.%f"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_rows(columns: Sequence[str], rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The rows as tuples in SQLite's storage form; a column's values converted together."""
    values = []
    for name in columns:
        column = [r[name] for r in rows]
        sample = next((v for v in column if v is not None), None)
        if isinstance(sample, str | int) and not isinstance(sample, bool):
            values.append(column)
        elif isinstance(sample, datetime) and all(v is sample for v in column):
            values.append([_sqlite(sample)] * len(column))  # one time for the whole batch
        else:
            values.append([None if v is None else _sqlite(v) for v in column])
    return list(zip(*values, strict=True))


def _copy(
    connection: Connection, table: Table, columns: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """COPY the rows in (psycopg adapts dates and timestamps; JSON goes in as its text)."""
    raw: Any = connection.connection.driver_connection
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    with raw.cursor() as cursor, cursor.copy(
        f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    ) as copy:
        if json_columns:
            for row in rows:
                copy.write_row(
                    [json.dumps(row[c]) if c in json_columns else row[c] for c in columns]
                )
        else:
            for row in rows:
                copy.write_row([row[c] for c in columns])
