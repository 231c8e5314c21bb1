"""Bulk writes for imports: many rows per statement, one transaction per import.

The generic path is SQLAlchemy Core ``executemany``; two faster paths skip its per-row work:
on SQLite the rows go to the driver's ``executemany`` already in SQLAlchemy's storage format
(dates as ISO text, timestamps as naive UTC ``YYYY-MM-DD HH:MM:SS.ffffff``), on PostgreSQL
they go through ``COPY ... FROM STDIN`` (psycopg 3). New persons and documents get their ids
before they are written: on SQLite from ``max(id)`` (the import holds the write lock, taken by
``BEGIN IMMEDIATE``), on PostgreSQL from the table's sequence, so live writers may go on.

On SQLite an import's connection gets a page cache big enough for the indexes it updates
(``IMPORT_CACHE_KIB``; the default 2 MiB would write the same index pages to the WAL over and
over while the transaction is open), and its own size back at the end. ``synchronous`` stays
``FULL``: the commit is as durable as any other.
"""

from __future__ import annotations

import json
import re
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent import futures
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import JSON, Connection, Engine, Table, func, insert, select, text, tuple_

from cta.adapters.storage import tables as t
from cta.adapters.storage.transaction.base import hold_against_purge
from cta.services.imports import ACTION, DocumentsFiledMeanwhile
from cta.services.ports import AuditEntry

__all__ = ["SqlBulkSession", "SqlBulkStore"]

LOOKUP_CHUNK = 2_000  # document keys per SELECT (SQLite allows 32,766 parameters)
IN_FLIGHT = 4  # PostgreSQL: COPYs queued for the writing thread, about one batch
IMPORT_CACHE_KIB = 1 << 20  # SQLite's page cache for an import's connection: 1 GiB at most

_PERSON = ("id", "surname", "given_names", "nationality", "birth_date", "birth_date_raw", "sex",
           "created_at", "last_exit", "last_seen", "overstayed")  # fmt: skip
_DOCUMENT = ("id", "person_id", "document_code", "issuing_state", "document_number",
             "expiry_date", "first_seen")  # fmt: skip
_CROSSING = ("person_id", "document_id", "direction", "crossing_point", "occurred_at",
             "time_zone", "local_date", "officer", "decision", "override_reason",
             "recorded_at", "outbox_seq")  # fmt: skip
_OUTBOX = ("seq", "at", "kind", "payload", "person_id")


class SqlBulkStore:
    """Import sessions over one engine (SQLite or PostgreSQL)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @contextmanager
    def session(self) -> Iterator[SqlBulkSession]:
        """One transaction: committed when the block ends, unless discarded or failed."""
        with (
            self.engine.connect() as connection, _import_cache(connection),
            _lookups(self.engine, connection) as lookups,
        ):  # fmt: skip
            transaction = connection.begin()
            hold_against_purge(connection, purge=False)  # its persons in the file's order
            session = SqlBulkSession(connection, lookups)
            try:
                yield session
                session.drain()
            except BaseException as exc:
                session.drain(quietly=True)  # nothing may still write while it rolls back
                transaction.rollback()
                if _document_filed_meanwhile(exc):
                    raise DocumentsFiledMeanwhile(
                        "another writer filed one of this file's documents while it was "
                        "imported; nothing of the import was kept") from exc
                raise
            finally:
                session.close()
            if session.discarded:
                transaction.rollback()
            else:
                transaction.commit()


def _document_filed_meanwhile(exc: BaseException) -> bool:
    """A unique violation of ``documents`` (PostgreSQL): a document this import looked up, not
    found, and filed, was filed by another writer in between."""
    cause: Any = getattr(exc, "orig", None) or exc  # SQLAlchemy's wrapper, or psycopg's own
    diag = getattr(cause, "diag", None)
    return getattr(cause, "sqlstate", None) == "23505" and getattr(diag, "table_name", None) \
        == "documents"


@contextmanager
def _lookups(engine: Engine, connection: Connection) -> Iterator[Connection]:
    """On PostgreSQL, a second connection for look-ups and new ids, so that they need not wait
    for the writes in flight: it sees what is committed, and what this import creates it
    knows already. Elsewhere, the import's own connection."""
    if connection.dialect.name != "postgresql":
        yield connection
        return
    with engine.connect() as other:
        yield other.execution_options(isolation_level="AUTOCOMMIT")


@contextmanager
def _import_cache(connection: Connection) -> Iterator[None]:
    """On SQLite, a big page cache for the import, and the connection's own size back after."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw: Any = connection.connection.dbapi_connection
    before = raw.execute("PRAGMA cache_size").fetchone()[0]
    raw.execute(f"PRAGMA cache_size=-{IMPORT_CACHE_KIB}")
    try:
        yield
    finally:
        raw.execute(f"PRAGMA cache_size={int(before)}")


class SqlBulkSession:
    """Rows in bulk on one connection, within the import's transaction."""

    def __init__(self, connection: Connection, lookups: Connection | None = None) -> None:
        self.c = connection
        self.lookups = lookups or connection
        self.dialect = connection.dialect.name
        self.discarded = False
        # On PostgreSQL the COPYs run in a thread, in order, while the import prepares the
        # next batch: the server files one batch (indexes, foreign keys) as Python makes the
        # next. The thread waits on the socket without the GIL. SQLite's driver takes and
        # gives back the GIL at every row, so there the writes stay in this thread.
        self._writes = ThreadPoolExecutor(1) if self.dialect == "postgresql" else None
        self._pending: deque[Future[None]] = deque()
        self._outbox_locked = False  # PostgreSQL: this import holds the outbox's write lock

    def discard(self) -> None:
        self.discarded = True

    def drain(self, *, quietly: bool = False) -> None:
        """Wait for the writes in flight (raising the first failure, unless ``quietly``)."""
        while self._pending:
            future = self._pending.popleft()
            if quietly:
                futures.wait([future])
            else:
                future.result()

    def close(self) -> None:
        """No more writes: the writing thread ends (after those in flight)."""
        if self._writes is not None:
            self._writes.shutdown(wait=True)
            self._writes = None

    def _later(self, write: Callable[..., None], *args: Any) -> None:
        """``write(*args)`` in the writing thread, at most ``IN_FLIGHT`` writes ahead."""
        if self._writes is None:
            write(*args)
            return
        while len(self._pending) >= IN_FLIGHT:
            self._pending.popleft().result()
        self._pending.append(self._writes.submit(write, *args))

    # -- reads -------------------------------------------------------------------------------

    def imports_of(self, sha256: str) -> list[dict[str, Any]]:
        """Earlier imports of the file with this SHA-256 that kept crossings (from the audit
        log): one that kept none (every line bad, an empty file) does not stop a second try."""
        rows = self.c.execute(
            select(t.audit_log.c.at, t.audit_log.c.user_name, t.audit_log.c.detail)
            .where(t.audit_log.c.action == ACTION)
            .order_by(t.audit_log.c.id)
        )
        return [dict(r._mapping) for r in rows
                if r.detail.get("sha256") == sha256 and not r.detail.get("rejected")
                and r.detail.get("imported", 1)]  # fmt: skip

    def known_documents(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, int]]:
        """Documents recorded already, by (issuing_state, document_number)."""
        if self.dialect == "postgresql":
            # one probe of the unique index per key, the keys as two arrays (one text each:
            # psycopg's list dumper took µs an element). The LIMIT keeps the planner from
            # turning it into a join: with statistics it hashed the whole table for every
            # batch, 0.5 s at 1M documents against 0.05 s for 20,000 probes.
            rows = self.lookups.execute(
                text("SELECT k.state, k.number, d.person_id, d.id "
                     "FROM unnest(CAST(:states AS text[]), CAST(:numbers AS text[])) "
                     "AS k(state, number) CROSS JOIN LATERAL (SELECT person_id, id "
                     "FROM documents WHERE issuing_state = k.state "
                     "AND document_number = k.number LIMIT 1) AS d"),
                {"states": _pg_array(k[0] for k in keys),
                 "numbers": _pg_array(k[1] for k in keys)},
            )  # fmt: skip
            return {(r[0], r[1]): (int(r[2]), int(r[3])) for r in rows}
        found: dict[tuple[str, str], tuple[int, int]] = {}
        if self.dialect == "sqlite":
            # one probe of the unique index per key, in the driver: SQLAlchemy's expanding IN
            # cost more to compile than SQLite took to answer
            cursor = self.c.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
            probe = ("SELECT person_id, id FROM documents "
                     "WHERE issuing_state = ? AND document_number = ?")  # fmt: skip
            for key in keys:
                row = cursor.execute(probe, key).fetchone()
                if row is not None:
                    found[(key[0], key[1])] = (int(row[0]), int(row[1]))
            cursor.close()
            return found
        d = t.documents.c
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

    def crossing_days(self, person_ids: Sequence[int]) -> dict[int, list[tuple[str, date]]]:
        """The persons' crossings (direction, local day), in the order they happened."""
        self.drain()
        c = t.crossings.c
        days: dict[int, list[tuple[str, date]]] = {}
        for start in range(0, len(person_ids), LOOKUP_CHUNK):
            rows = self.c.execute(
                select(c.person_id, c.direction, c.local_date)
                .where(c.person_id.in_(person_ids[start : start + LOOKUP_CHUNK]))
                .order_by(c.person_id, c.occurred_at, c.id)
            )
            for person_id, direction, on in rows:
                days.setdefault(int(person_id), []).append((direction, on))
        return days

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
        self, kind: str, payloads: list[str], at: datetime, person_ids: list[int]
    ) -> list[int]:
        """Outbox records of one kind, each payload its JSON text already; their outbox seqs,
        in order (a crossing row keeps its own, so that a correction can supersede it)."""
        if not payloads:
            return []
        seqs = self._new_outbox_seqs(len(payloads))
        if self.dialect == "postgresql":
            count = len(payloads)
            columns = [seqs, [at] * count, [kind] * count, payloads, person_ids]
            self._later(_copy_columns, self.c, t.outbox, _OUTBOX, columns)
            return seqs
        if self.dialect == "sqlite":
            self.c.exec_driver_sql(
                "INSERT INTO outbox (seq, at, kind, payload, person_id) VALUES (?, ?, ?, ?, ?)",
                [(seq, when, kind, p, i) for when in (_sqlite_time(at),)
                 for seq, p, i in zip(seqs, payloads, person_ids, strict=True)],
            )  # fmt: skip
            return seqs
        self.c.execute(insert(t.outbox), [
            {"seq": seq, "at": at, "kind": kind, "payload": json.loads(p), "person_id": i}
            for seq, p, i in zip(seqs, payloads, person_ids, strict=True)])  # fmt: skip
        return seqs

    def _new_outbox_seqs(self, count: int) -> list[int]:
        """Outbox numbers for ``count`` rows, taken where no row may later commit below one
        the sealer has sealed (it keeps a high-water mark: ``outbox_after``).

        PostgreSQL: the outbox is locked for writing first, on the import's own connection
        and until it commits, and only then are numbers drawn: the sealer waits for every
        writer of the outbox (a SHARE lock), so it cannot seal a later row while this
        import's rows are still to come. SQLite: the import holds the database's write lock
        from its first statement; AUTOINCREMENT's counter is read with the largest seq, so a
        number deleted at the top is not handed out again.
        """
        if self.dialect == "postgresql":
            if not self._outbox_locked:
                self.drain()  # the connection is the writing thread's until then
                self.c.execute(text("LOCK TABLE outbox IN ROW EXCLUSIVE MODE"))
                self._outbox_locked = True
            ids = self.lookups.execute(
                text("SELECT string_agg(nextval(pg_get_serial_sequence('outbox', 'seq'))"
                     "::text, ',') FROM generate_series(1, :n)"),
                {"n": count},
            ).scalar_one()  # fmt: skip
            return [int(i) for i in ids.split(",")]
        if self.dialect == "sqlite":
            top = sqlite_last_id(self.c, "outbox", "seq")
        else:
            top = self.c.execute(select(func.coalesce(func.max(t.outbox.c.seq), 0))).scalar_one()
        return list(range(int(top) + 1, int(top) + 1 + count))

    def note_days(
        self, last_seen: dict[int, date], last_exits: dict[int, date], overstayers: set[int]
    ) -> None:
        """Each person's last day seen and last exit (retention) move forward, never back;
        an overstayer is marked so (and stays marked)."""
        self.drain()
        ids = list(last_seen)
        exits = [last_exits.get(i) for i in ids]
        if self.dialect == "postgresql":
            self.c.execute(
                text("UPDATE persons SET "
                     "last_seen = GREATEST(persons.last_seen, x.seen), "
                     "last_exit = GREATEST(persons.last_exit, x.exit), "
                     "overstayed = persons.overstayed OR x.over FROM "
                     "(SELECT unnest(CAST(:ids AS bigint[])) AS id, "
                     "unnest(CAST(:seen AS date[])) AS seen, "
                     "unnest(CAST(:exits AS date[])) AS exit, "
                     "unnest(CAST(:over AS boolean[])) AS over) AS x "
                     "WHERE persons.id = x.id"),
                {"ids": _pg_array(ids), "seen": _pg_array(last_seen[i] for i in ids),
                 "exits": _pg_array(exits), "over": _pg_array(i in overstayers for i in ids)},
            )  # fmt: skip
            return
        # SQLite's max() of two values is NULL if either is; dates compare as ISO text
        self.c.exec_driver_sql(
            "UPDATE persons SET "
            "last_seen = CASE WHEN last_seen IS NULL OR last_seen < ?1 THEN ?1 ELSE last_seen END, "
            "last_exit = CASE WHEN ?2 IS NOT NULL AND (last_exit IS NULL OR last_exit < ?2) "
            "THEN ?2 ELSE last_exit END, overstayed = overstayed OR ?3 WHERE id = ?4",
            [(last_seen[i].isoformat(), e.isoformat() if e else None, int(i in overstayers), i)
             for i, e in zip(ids, exits, strict=True)],
        )  # fmt: skip

    def audit(self, entry: AuditEntry, at: datetime) -> None:
        self.drain()
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
            ids = self.lookups.execute(
                text("SELECT string_agg(nextval(pg_get_serial_sequence(:table, 'id'))::text, "
                     "',') FROM generate_series(1, :n)"),
                {"table": table.name, "n": count},
            ).scalar_one()  # fmt: skip
            return [int(i) for i in ids.split(",")]
        top = sqlite_last_id(self.c, table.name, "id") if self.dialect == "sqlite" else (
            self.c.execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one())
        return list(range(int(top) + 1, int(top) + 1 + count))

    def _write(self, table: Table, columns: Sequence[str], rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        if self.dialect == "postgresql":
            self._later(_copy, self.c, table, columns, rows)
        elif self.dialect == "sqlite":
            names = ", ".join(columns)
            marks = ", ".join("?" * len(columns))
            self.c.exec_driver_sql(
                f"INSERT INTO {table.name} ({names}) VALUES ({marks})", _sqlite_rows(columns, rows)
            )
        else:  # any other database SQLAlchemy knows: Core executemany
            self.c.execute(insert(table), rows)


def sqlite_last_id(connection: Connection, table: str, column: str) -> int:
    """The highest id a SQLite table has ever given (AUTOINCREMENT's counter, or the highest
    row's when that is higher): a row written with an id of its own takes the next one, as
    SQLite would give it, never the number of a row deleted. The caller holds the write
    lock (an import's, a peer page's transaction), so nobody takes it meanwhile."""
    return int(connection.exec_driver_sql(
        f"SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = '{table}'), 0), "
        f"coalesce((SELECT max({column}) FROM {table}), 0))").scalar_one())  # fmt: skip


def _pg_array(values: Iterable[Any]) -> str:
    """A PostgreSQL array literal of numbers, dates, booleans, NULLs or strings, quoted."""
    items = []
    for v in values:
        if v is None:
            items.append("NULL")
        elif isinstance(v, bool):
            items.append("t" if v else "f")
        elif isinstance(v, int | date):
            items.append(str(v))
        else:
            items.append('"' + str(v).replace("\\", "\\\\").replace('"', '\\"') + '"')
    return "{" + ",".join(items) + "}"


def _sqlite_time(value: datetime) -> str:
    """A timestamp as SQLAlchemy's SQLite DateTime stores it: naive UTC, microseconds."""
    if value.tzinfo is UTC:  # the usual case: drop the "+00:00"
        return value.isoformat(" ", "microseconds")[:26]
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(" ", "microseconds")  # SQLAlchemy's "%Y-%m-%d %H:%M:%S.%f"


def _sqlite(value: Any) -> Any:
    """A value in the text form SQLAlchemy's SQLite types store (and read back)."""
    if isinstance(value, datetime):
        return _sqlite_time(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):  # a value that carries its JSON text is not encoded again
        text = getattr(value, "json_text", None)
        return text if text is not None else json.dumps(value)
    if isinstance(value, bool):
        return int(value)
    return value


def _sqlite_column(column: list[Any]) -> list[Any]:
    """One column's values in SQLite's storage form, converted by the type of its first value."""
    sample = next((v for v in column if v is not None), None)
    if sample is None or type(sample) in (str, int, float):
        return column
    if type(sample) is datetime:
        if all(v is sample for v in column):
            return [_sqlite_time(sample)] * len(column)  # one time for the whole batch
        return _converted(column, datetime, _sqlite_time)
    if type(sample) is date:
        days: dict[date, str] = {}  # few distinct days in a batch: each converted once
        return _converted(column, date, lambda d: days.get(d) or days.setdefault(d, str(d)))
    return [None if v is None else _sqlite(v) for v in column]


def _converted(column: list[Any], kind: type, convert: Callable[[Any], Any]) -> list[Any]:
    """``convert`` on values of exactly ``kind``; any other value by the general rule."""
    return [convert(v) if type(v) is kind else None if v is None else _sqlite(v)
            for v in column]  # fmt: skip


def _sqlite_rows(columns: Sequence[str], rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The rows as tuples in SQLite's storage form; a column's values converted together."""
    values = [_sqlite_column([r[name] for r in rows]) for name in columns]
    return list(zip(*values, strict=True))


def _copy(
    connection: Connection, table: Table, columns: Sequence[str], rows: list[dict[str, Any]]
) -> None:
    """COPY the rows in (psycopg adapts dates and timestamps; JSON goes in as its text)."""
    json_columns = {c for c in columns if isinstance(table.c[c].type, JSON)}
    _copy_columns(connection, table, columns, [
        [json.dumps(r[c]) for r in rows] if c in json_columns else [r[c] for r in rows]
        for c in columns])  # fmt: skip


def _copy_columns(
    connection: Connection, table: Table, columns: Sequence[str], values: list[list[Any]]
) -> None:
    """COPY rows given column by column, as one text (JSON columns as their text already).

    The text is made here, a column at a time (``_copy_column``): psycopg's ``write_row``
    took some 9 µs a row, more than the rest of an import's work on it.
    """
    raw: Any = connection.connection.driver_connection
    lines = ["\t".join(row) for row in zip(*map(_copy_column, values), strict=True)]
    with raw.cursor() as cursor, cursor.copy(
        f"COPY {table.name} ({', '.join(columns)}) FROM STDIN"
    ) as copy:
        copy.write("\n".join(lines) + "\n")


_COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_column(column: list[Any]) -> list[str]:
    """One column in COPY's text format: NULL as \\N, booleans t/f, dates and times ISO
    (with their offset), strings with backslash, tab and line ends escaped."""
    sample = next((v for v in column if v is not None), None)
    if sample is None:
        return ["\\N"] * len(column)
    if all(v is sample for v in column):  # one time or code for the whole batch
        return [_copy_value(sample)] * len(column)
    kind = type(sample)
    if kind is str:
        if not _COPY_SPECIAL.search("".join(v for v in column if v is not None)):
            return ["\\N" if v is None else v for v in column]  # the usual case: as they are
        return ["\\N" if v is None else v.translate(_COPY_ESCAPES) for v in column]
    if kind in (int, datetime) and None not in column:  # ids, times: one C call a value
        return list(map(str if kind is int else datetime.isoformat, column))
    if kind is date:  # few distinct days in a batch: each written once
        days: dict[date, str] = {}
        return ["\\N" if v is None else days.get(v) or days.setdefault(v, v.isoformat())
                for v in column]  # fmt: skip
    return ["\\N" if v is None else _copy_value(v) for v in column]


def _copy_value(value: Any) -> str:
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return str(value)
