"""Whether the node's database is still there, still the one it opened, and writable.

A SQLite file removed while the node runs (``rm node.sqlite*``) stays open: every write goes on
succeeding into a file nobody will ever open again, and a restart would start an empty one. So
the store remembers the file it opened (its device and inode) and, before each write
transaction, compares them with what the path names now (one ``stat``, about a microsecond):
removed or replaced, the write is refused with ``DatabaseUnavailableError`` saying so. New
connections open the file with ``mode=rw`` (``engine``), so the pool never creates an empty
one in its place.

``/v1/health`` asks ``probe()``: the file check, the last write's failure (a full disk, a
read-only file system, an I/O error: a write that failed in the last minute, none succeeding
since), a file or folder that cannot be written, a full disk, and on PostgreSQL a query
(is the server there, is it a read-only standby). The answer is kept for a second (health is
polled and benchmarked), and the probe runs in its own thread, so that a database server that
does not answer makes health say so at once instead of hanging.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import threading
import time
from pathlib import Path

from sqlalchemy import Engine, text

from cta.services.ports import DatabaseUnavailableError

__all__ = ["DatabaseWatch", "sqlite_path"]

FRESH = 1.0  # seconds a health probe's answer is reused
MIN_FREE_BYTES = 1024 * 1024  # less free space than this on a SQLite file's disk: full
FAILURE_SHOWN = 60.0  # seconds a failed write is reported when no write succeeded since


def sqlite_path(engine: Engine) -> Path | None:
    """The file of a SQLite engine (None: in memory, or not SQLite)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return None
    return Path(os.path.abspath(database))


class DatabaseWatch:
    """The store's watch over its database (see the module's docstring)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.path = sqlite_path(engine)
        self.identity: tuple[int, int] | None = None
        self._remember()
        self._failure: tuple[float, str] | None = None  # when the last write failed, why
        self._lock = threading.Lock()
        self._probe: concurrent.futures.Future[str | None] | None = None
        self._probed_at = -FRESH

    def _remember(self) -> None:
        if self.path is not None and self.identity is None:
            try:
                status = os.stat(self.path)
            except OSError:
                return  # not there yet (a test's engine before its first migration)
            self.identity = (status.st_dev, status.st_ino)

    def file_problem(self) -> str | None:
        """None while the path still names the file the node opened; else what happened."""
        if self.path is None:
            return None
        if self.identity is None:
            self._remember()
            return None if self.identity is not None else self._missing()
        try:
            status = os.stat(self.path)
        except FileNotFoundError:
            return (f"the database file {self.path} was removed while the node ran; the node "
                    "refuses to write: restore the file and restart the node")  # fmt: skip
        except OSError as exc:
            return f"the database file {self.path} cannot be examined ({exc.strerror})"
        if (status.st_dev, status.st_ino) != self.identity:
            return (f"the database file {self.path} was replaced while the node ran (it is no "
                    "longer the file the node opened); the node refuses to write: restart it")
        return None

    def _missing(self) -> str:
        return f"there is no database file {self.path}"

    def check_writable(self) -> None:
        """Raise ``DatabaseUnavailableError`` when the file was removed or replaced."""
        problem = self.file_problem()
        if problem is not None:
            raise DatabaseUnavailableError(problem)

    def write_failed(self, exc: BaseException) -> None:
        cause = str(getattr(exc, "orig", None) or exc).splitlines()
        why = cause[0][:300] if cause else type(exc).__name__
        self._failure = (time.monotonic(), f"the last write failed: {why}")

    def write_succeeded(self) -> None:
        self._failure = None

    def probe(self) -> concurrent.futures.Future[str | None]:
        """The latest probe, a new one started when it is older than ``FRESH`` seconds."""
        with self._lock:
            now = time.monotonic()
            if self._probe is None or (self._probe.done() and now - self._probed_at >= FRESH):
                self._probed_at = now
                self._probe = concurrent.futures.Future()
                # a daemon thread: a probe stuck on a server that does not answer must not
                # keep the process from ending
                threading.Thread(target=self._run, args=(self._probe,), name="cta-health",
                                 daemon=True).start()  # fmt: skip
            return self._probe

    def _run(self, future: concurrent.futures.Future[str | None]) -> None:
        try:
            future.set_result(self._examine())
        except Exception as exc:  # a fault of the probe itself: it is the answer
            future.set_result(f"the database could not be examined ({exc!r})")

    def _examine(self) -> str | None:
        problem = self.file_problem()
        if problem is not None:
            return problem
        failure = self._failure
        if failure is not None and time.monotonic() - failure[0] < FAILURE_SHOWN:
            return failure[1]
        if self.path is not None:
            return self._sqlite_problem(self.path)
        return self._server_problem()

    @staticmethod
    def _sqlite_problem(path: Path) -> str | None:
        folder = path.parent
        if not os.access(path, os.W_OK) or not os.access(folder, os.W_OK):
            return f"the database file {path} or its folder cannot be written (read-only)"
        try:
            free = shutil.disk_usage(folder).free
        except OSError as exc:
            return f"the disk of {path} cannot be examined ({exc.strerror})"
        if free < MIN_FREE_BYTES:
            return f"the disk of {path} is full ({free:,} bytes free)"
        return None

    def _server_problem(self) -> str | None:
        try:
            with self.engine.connect() as connection:
                connection = connection.execution_options(cta_read_only=True)
                standby = connection.execute(text("SELECT pg_is_in_recovery()")).scalar()
        except Exception as exc:  # any failure is the answer: the database is not usable
            cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
            return f"the database does not answer ({cause[0][:300] if cause else exc!r})"
        if standby:
            return "the database is a read-only standby (in recovery)"
        return None
