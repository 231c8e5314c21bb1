"""The node's store on SQLAlchemy Core: one code path for SQLite and PostgreSQL.

``SqlTransaction`` is made of parts, one module per what they store
(``cta.adapters.storage.transaction``): persons, permits, alerts, federation, audit, and the
border check's prepared reads.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import InterfaceError, InternalError, OperationalError

from cta.adapters.storage import tables as t
from cta.adapters.storage.engine import _raw_begin
from cta.adapters.storage.group_commit import GroupCommit, SharedCommit
from cta.adapters.storage.transaction.alerts import AlertRows
from cta.adapters.storage.transaction.applications import ApplicationRows
from cta.adapters.storage.transaction.audit import AuditRows
from cta.adapters.storage.transaction.base import DuplicateError, _day, _instant, _Prepared
from cta.adapters.storage.transaction.check_reads import _HOT, CheckReads
from cta.adapters.storage.transaction.consultations import ConsultationRows
from cta.adapters.storage.transaction.erasure import ErasureRows
from cta.adapters.storage.transaction.federation import FederationRows
from cta.adapters.storage.transaction.internal_checks import InternalCheckRows
from cta.adapters.storage.transaction.mail import MailRows
from cta.adapters.storage.transaction.permits import PermitRows
from cta.adapters.storage.transaction.persons import PersonRows
from cta.adapters.storage.watch import DatabaseWatch
from cta.services.ports import (
    AuditEntry,
    CheckHistory,
    DatabaseUnavailableError,
    DataHead,
    TransactionConflictError,
)

__all__ = ["DuplicateError", "SqlStore", "SqlTransaction"]


# the SQLSTATEs with which PostgreSQL ends a transaction to break a conflict between two
_CONFLICTS = {"40P01": "deadlock", "40001": "serialization failure"}


class SqlTransaction(
    CheckReads, PersonRows, PermitRows, AlertRows, FederationRows, AuditRows, ApplicationRows,
    MailRows, ConsultationRows, ErasureRows, InternalCheckRows,
):
    """A unit of work on one connection; the store commits it when the block ends."""


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


class _RoundTripsSaved(SqlTransaction):
    """A server database's transaction: what a border check reads comes in two statements,
    not six.

    ``document_key`` fetches the owner's history with the owner, and ``check_history`` of
    that person answers from it, once; ``alert_watermark`` fetches the data heads too, and
    ``data_heads`` answers from them, once. A check (``CrossingUseCases._decide``) asks for
    each pair with nothing written in between, also when it decides again before recording
    an entry (a ``shared`` write transaction), and at PostgreSQL's READ COMMITTED each
    statement reads its own snapshot either way, so the answers are those the separate
    reads would give; a later ask reads anew.
    For a server database only: there a round trip cost the server and the driver more CPU
    than the read (a check's reads 330 -> 170 µs in the driver; an entry's four statements
    fewer); SQLite answers in-process, and the combined statements cost it 7 µs more.
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
        for part, _, _, name, first, last, duration, entries, used, where, _, _ in rows[1:]:
            if part == 1:
                history.days.append((name, _day(first)))
            elif part == 2:
                history.visas.append({
                    "document_number": name, "valid_from": _day(first), "valid_to": _day(last),
                    "duration_days": duration, "entries": entries, "entries_used": used,
                    "territorial_validity": where,
                })  # fmt: skip
            else:
                history.authorizations.append({
                    "document_number": name, "valid_from": _day(first), "valid_to": _day(last),
                    "territorial_validity": where,
                })  # fmt: skip
        self._history = (person, history)
        return person, int(rows[0][2])

    def check_history(self, person_id: int) -> CheckHistory:
        found, self._history = self._history, None
        if found is not None and found[0] == person_id:
            return found[1]
        return super().check_history(person_id)

    def alert_watermark(self) -> int:
        rows = self._prepared["watermark_heads"].rows(self.c)
        self._heads = [(o, int(seq), _instant(at), _instant(reached), int(skipped or 0))
                       for _, o, seq, at, reached, skipped in rows if o is not None]  # fmt: skip
        return int(rows[0][0] or 0)

    def data_heads(self) -> list[DataHead]:
        found, self._heads = self._heads, None
        return found if found is not None else super().data_heads()


class _Open:
    """A shared write transaction (``SqlStore._shared``): its connection, and whether undoing
    one member's work failed (then nothing of it may be committed)."""

    __slots__ = ("broken", "connection", "transaction")

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.transaction = connection.begin()
        self.broken = False


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
        # SQLite's writes that may share a commit (``transaction(shared=True)``): one fsync
        # for all the threads' work in one transaction instead of one each (group_commit)
        self._shared: SharedCommit[SqlTransaction] | None = (
            SharedCommit(self._shared_begin, self._shared_unit, self._shared_end)
            if self._writer is not None else None)  # fmt: skip

    def _statements(self, connection: Connection) -> dict[str, _Prepared]:
        if self._prepared is None:
            self._prepared = {name: _Prepared(s, connection) for name, s in _HOT.items()}
        return self._prepared

    def audit(self, entries: Sequence[AuditEntry], at: datetime) -> None:
        """Append audit entries, durable when this returns (group commit: ``group_commit``)."""
        if entries:
            self._audits.submit([(entry, at) for entry in entries])

    def _write_audit(self, entries: list[tuple[AuditEntry, datetime]]) -> None:
        with self.transaction(shared=True) as tx:
            tx.audit_many(entries)

    @contextmanager
    def transaction(
        self, *, read_only: bool = False, shared: bool = False, replayable: bool = False
    ) -> Iterator[SqlTransaction]:
        """A unit of work, committed when the block ends (durable then) and rolled back if it
        raises. ``shared``: a border use case's short write (an entry, audit entries). On
        SQLite it may share its transaction and commit with other threads' (``SharedCommit``;
        each in a savepoint of its own, so a block that raises undoes only its own work); on
        PostgreSQL, whose writers run at once and whose commits share WAL flushes already, it
        is a transaction of its own, whose check reads come combined (``_RoundTripsSaved``).
        ``replayable`` (a peer's page, pulled again if lost): on SQLite its commit does not
        wait for the disk (``synchronous=NORMAL``, ``engine._sqlite_begin``); it survives a
        crash of the process, a crash of the machine may undo it whole, never in part, and
        the next durable commit syncs it with its own (one write-ahead log)."""
        if shared and self._shared is not None:
            with self._shared.unit() as tx:
                yield tx
            return
        if read_only:
            with self.engine.connect() as connection:
                connection = connection.execution_options(cta_read_only=True)
                with connection.begin():
                    kind = _RoundTripsSaved if self._remote else SqlTransaction
                    yield kind(connection, self._statements(connection))
            return
        self.watch.check_writable()  # never into a removed or replaced SQLite file
        try:
            with (
                self._writer or contextlib.nullcontext(),
                self.engine.connect() as connection,
                (connection.execution_options(cta_replayable=True) if replayable
                 else connection).begin(),
            ):
                # a border use case's write decides the check again: its reads come combined
                # too; others (the federation's apply asks owners by the thousand) read plain
                kind = _RoundTripsSaved if self._remote and shared else SqlTransaction
                yield kind(connection, self._statements(connection))
        except (OperationalError, InterfaceError, InternalError) as exc:
            conflict = _CONFLICTS.get(str(getattr(exc.orig, "sqlstate", None)))
            if conflict is not None:  # the server is well: health is not told otherwise
                raise TransactionConflictError(
                    f"the database ended this transaction to break a conflict with another "
                    f"({conflict}): nothing of it was kept; try again") from exc
            self.watch.write_failed(exc)  # /v1/health says so until a write succeeds
            raise
        self.watch.write_succeeded()

    def _shared_begin(self) -> _Open:
        assert self._writer is not None  # shared transactions are SQLite's only
        self.watch.check_writable()  # never into a removed or replaced SQLite file
        self._writer.__enter__()
        connection = None
        try:
            connection = self.engine.connect()
            return _Open(connection)
        except BaseException as exc:
            if connection is not None:
                connection.close()
            self._writer.__exit__()
            if isinstance(exc, OperationalError | InterfaceError | InternalError):
                self.watch.write_failed(exc)
            raise

    @contextmanager
    def _shared_unit(self, opened: _Open) -> Iterator[SqlTransaction]:
        # a savepoint of our own on the driver's connection (SQLAlchemy's begin_nested cost
        # more than the audit entry written in it); the work's own savepoints nest inside it
        connection = opened.connection
        _raw_begin(connection, "SAVEPOINT cta_shared")
        try:
            yield SqlTransaction(connection, self._statements(connection))
        except BaseException as exc:
            if isinstance(exc, OperationalError | InterfaceError | InternalError):
                self.watch.write_failed(exc)  # /v1/health says so, as for a transaction alone
            try:
                _raw_begin(connection, "ROLLBACK TO cta_shared")
                _raw_begin(connection, "RELEASE cta_shared")
            except BaseException:
                opened.broken = True  # its work may be in the transaction: keep none of it
                raise
            raise
        try:
            _raw_begin(connection, "RELEASE cta_shared")
        except BaseException:
            opened.broken = True
            raise

    def _shared_end(self, opened: _Open, commit: bool) -> None:
        assert self._writer is not None
        try:
            if commit and not opened.broken:
                opened.transaction.commit()
            else:
                opened.transaction.rollback()
        except (OperationalError, InterfaceError, InternalError) as exc:
            conflict = _CONFLICTS.get(str(getattr(exc.orig, "sqlstate", None)))
            if conflict is not None:  # the server is well: health is not told otherwise
                raise TransactionConflictError(
                    f"the database ended this transaction to break a conflict with another "
                    f"({conflict}): nothing of it was kept; try again") from exc
            self.watch.write_failed(exc)  # /v1/health says so until a write succeeds
            raise
        finally:
            opened.connection.close()
            self._writer.__exit__()
        if opened.broken:
            raise DatabaseUnavailableError(
                "a write shared its transaction with one the database failed to undo; "
                "nothing of that transaction was kept: try again")
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
