"""What every part of the store's transaction shares: its connection and prepared reads, the
statements built once, the conversions of columns as the drivers give them, and the error of
a row that must be unique."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, Executable, Table, bindparam, insert, text
from sqlalchemy.exc import DBAPIError

from cta.adapters.storage import tables as t

__all__ = ["DuplicateError", "TransactionBase", "hold_against_purge", "sqlite_documents_by_key"]


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
        dialect = connection.dialect
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(self.sql, values)
            return list(cursor.fetchall())
        except dialect.loaded_dbapi.Error as exc:  # as SQLAlchemy raises it: a server that
            # died or hangs is a 503 (entrypoints.api.edge), not the driver's error and a 500
            raise DBAPIError.instance(self.sql, None, exc, dialect.loaded_dbapi.Error,
                                      dialect=dialect) from exc  # fmt: skip
        finally:
            cursor.close()


class _PreparedInsert:
    """An INSERT of fixed columns compiled once for a dialect and run on the driver's cursor,
    each value converted by its column type's own bind processor (as SQLAlchemy would).

    For the rows a border check or an entry writes every time (audit entries): SQLAlchemy's
    execution of a cached statement cost about ten times the driver's insert (the cache key,
    the execution context, the events). A failure is raised as SQLAlchemy raises it.
    """

    def __init__(self, table: Table, columns: tuple[str, ...], connection: Connection) -> None:
        statement = insert(table).values({name: bindparam(name) for name in columns})
        compiled = statement.compile(dialect=connection.dialect)
        self.sql = str(compiled)
        processors: dict[str, Any] = dict(compiled._bind_processors)
        self.positional = bool(compiled.positional)
        names = tuple(compiled.positiontup or ()) if self.positional else columns
        self.columns: tuple[tuple[str, Any], ...] = tuple(
            (name, processors.get(name)) for name in names)

    def run(self, connection: Connection, rows: list[dict[str, Any]]) -> None:
        converted: list[Any] = [
            [value(row[name]) if value else row[name] for name, value in self.columns]
            if self.positional else
            {name: value(row[name]) if value else row[name] for name, value in self.columns}
            for row in rows
        ]  # fmt: skip
        dialect = connection.dialect
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.executemany(self.sql, converted)
        except dialect.loaded_dbapi.Error as exc:
            raise DBAPIError.instance(self.sql, None, exc, dialect.loaded_dbapi.Error,
                                      dialect=dialect) from exc  # fmt: skip
        finally:
            cursor.close()


_PREPARED_INSERTS: dict[tuple[str, str], _PreparedInsert] = {}


# The purge's lock against transactions that write many persons at once (PostgreSQL's
# advisory lock of this key, held until the transaction ends): "cta_purg" as a bigint
PURGE_LOCK = 0x637461_5F70757267
_PURGE_LOCKS = {True: text("SELECT pg_advisory_xact_lock(:key)"),
                False: text("SELECT pg_advisory_xact_lock_shared(:key)")}


def hold_against_purge(connection: Connection, *, purge: bool) -> None:
    """Keep the purge and the writers of many persons at once (a peer's page, an import) out
    of each other's way for the rest of the transaction: the purge alone (``purge``), the
    others together. Each locks persons in an order of its own (the purge by id, a page
    record after record, an import line after line), and two such orders met on PostgreSQL
    end in a deadlock; now one waits for the other to finish instead. SQLite runs one writer
    at a time: nothing to do there."""
    if connection.dialect.name == "postgresql":
        connection.execute(_PURGE_LOCKS[purge], {"key": PURGE_LOCK})


def sqlite_documents_by_key(count: int) -> str:
    """The SQL that finds, on SQLite, the documents of ``count`` keys (issuing_state,
    document_number: ``2 * count`` parameters, in that order), each row (issuing_state,
    document_number, person_id, id); a key not on record gives no row, and a key given twice
    gives its row twice.

    The keys are a table of values joined to ``documents``, so each key is one look-up in the
    documents' unique index. SQLite reads a row-value ``(a, b) IN (VALUES ...)`` (SQLAlchemy's
    ``tuple_(...).in_(...)``) by scanning the whole table (``EXPLAIN QUERY PLAN``: ``SCAN
    documents``): at a million documents, 550 ms for 1,000 keys against 11 ms this way.
    """
    values = ", ".join(["(?, ?)"] * count)
    return ("SELECT d.issuing_state, d.document_number, d.person_id, d.id "
            f"FROM (VALUES {values}) AS k JOIN documents AS d "
            "ON d.issuing_state = k.column1 AND d.document_number = k.column2")


def prepared_insert(
    connection: Connection, table: Table, columns: tuple[str, ...]
) -> _PreparedInsert:
    """The ``_PreparedInsert`` of ``columns`` of ``table`` for the connection's dialect."""
    key = (connection.dialect.name, table.name)
    found = _PREPARED_INSERTS.get(key)
    if found is None:
        found = _PREPARED_INSERTS[key] = _PreparedInsert(table, columns, connection)
    return found


# Statements built once: a statement made per call (``insert(t).values(**row)``) costs
# SQLAlchemy more than the database's work for one row (the federation's catch-up profile).
_INSERT = {name: insert(table) for name, table in (
    ("persons", t.persons), ("documents", t.documents), ("crossings", t.crossings),
    ("refusals", t.refusals), ("visas", t.visas), ("authorizations", t.authorizations),
    ("alert_decisions", t.alert_decisions), ("outbox", t.outbox),
)}  # fmt: skip
_REFERENCED: dict[str, Table] = {"crossings": t.crossings, "refusals": t.refusals,
                                 "visas": t.visas, "authorizations": t.authorizations}


class TransactionBase:
    """A unit of work on one connection; the store commits it when the block ends."""

    def __init__(self, connection: Connection, prepared: dict[str, _Prepared]) -> None:
        self.c = connection
        self._prepared = prepared
