"""Engines for the node's database, and migrations to the newest schema on start.

SQLite is the embedded default: one file, created only when asked (``create_database``:
``cta serve --init``, the demos), opened read-write and never created by a connection, in WAL
mode with
``synchronous=FULL`` so that a committed record survives a crash of the process or the
machine (a record is durable before its 201 is sent). PostgreSQL (psycopg 3) is chosen with a
``postgresql+psycopg://`` URL; its connections are in autocommit mode, a transaction that may
write begins with an explicit BEGIN, and a pooled connection is pinged only after a second idle
(``_postgresql_begin``, ``_ping_if_idle``): round trips a border check no longer makes.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "MIGRATION_LOCK",
    "SCHEMA_HEAD",
    "THREADS",
    "NewerSchemaError",
    "create_database",
    "database_initialised",
    "database_tables",
    "known_schemas",
    "make_engine",
    "migrate",
    "schema_versions",
    "start_checkpoints",
]

THREADS = 16  # request threads of a server worker (the API's thread pool), and its connections
PING_AFTER = 1.0  # seconds idle in the pool after which a PostgreSQL connection is pinged

_MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str, *, serving: bool = False, **options: Any) -> Engine:
    """An engine for ``url``; for SQLite, the folder is created and the pragmas set.

    ``serving``: a server's engine, whose SQLite connections never checkpoint the WAL when
    they commit (``start_checkpoints`` does it in the background instead): a checkpoint
    writes and syncs the database file, and one inside a request's commit is a tail latency.
    """
    parsed = make_url(url)
    # a failed statement's error names the statement, not its values: those are travellers'
    # names, birth dates and document numbers, and the error text reaches the log, a peer's
    # ``last_error`` and ``cta federation status`` (a peer's record once put an applicant's
    # personal data there on every retry)
    options = {"hide_parameters": True, **options}
    if serving:
        # as many pooled connections as request threads (``THREADS``): a connection opened
        # and closed per request beyond the pool starts with a cold cache and parses the
        # schema again, which showed as the tail of checks under load
        options = {"pool_size": THREADS, "max_overflow": 4, **options}
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"timeout": 30}, **options)
        if parsed.database and parsed.database != ":memory:":
            event.listen(engine, "do_connect", _open_existing)
        event.listen(engine, "connect", _sqlite_pragmas)
        if serving:
            event.listen(engine, "connect", _no_autocheckpoint)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    if parsed.get_backend_name() == "postgresql":
        engine = create_engine(url, isolation_level="AUTOCOMMIT", **options)
        event.listen(engine, "checkout", _ping_if_idle)
        event.listen(engine, "checkin", _note_use)
        event.listen(engine, "begin", _postgresql_begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **options)


def _open_existing(_dialect: Any, _record: Any, cargs: list[Any], cparams: dict[str, Any]) -> None:
    # mode=rw: a connection opens the database file or fails; it never makes an empty one in
    # place of a file removed under the node (``create_database`` makes new ones)
    path = urllib.parse.quote(os.path.abspath(cargs[0]))
    cargs[0] = f"file:{path}?mode=rw"
    cparams["uri"] = True


def database_initialised(engine: Engine) -> bool:
    """Whether the engine's database exists and holds CTA's schema (at any version)."""
    database = engine.url.database
    file = engine.dialect.name == "sqlite" and database and database != ":memory:"
    if file and not Path(str(database)).exists():
        return False
    with engine.connect() as connection:
        return inspect(connection).has_table("alembic_version")


def database_tables(url: str) -> list[str] | None:
    """The tables of the database at ``url`` (SQLite's own left out), looked at without
    changing anything: a SQLite file is opened read-only (its journal mode stays as it is, an
    empty file stays empty); ``None`` when there is no such SQLite file. SQLAlchemy's error
    when it cannot be opened or is not a database. (Which database is CTA's, and which
    another program's, before anything is created or migrated in it: ``bootstrap``.)"""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:":
            return []
        if not Path(database).exists():
            return None
        path = urllib.parse.quote(os.path.abspath(database))
        engine = create_engine(f"sqlite:///file:{path}?mode=ro&uri=true")
    else:
        engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return sorted(inspect(connection).get_table_names())
    finally:
        engine.dispose()


def schema_versions(engine: Engine) -> list[str]:
    """The revisions Alembic recorded in the database (none on a database without CTA's
    schema)."""
    with engine.connect() as connection:
        return _versions(connection)


def _versions(connection: Connection) -> list[str]:
    if not inspect(connection).has_table("alembic_version"):
        return []
    return list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())


def create_database(engine: Engine) -> None:
    """Make an empty SQLite file (0600) for ``migrate`` to fill, if there is none; the folder
    too (0700). Nothing to make on PostgreSQL (the operator creates the database)."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database or database == ":memory:":
        return
    path = Path(database)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _no_autocheckpoint(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA wal_autocheckpoint=0")


def start_checkpoints(engine: Engine, every: float = 1.0) -> threading.Event | None:
    """Checkpoint a SQLite WAL every ``every`` seconds in a daemon thread (PASSIVE: it never
    waits for readers or writers); set the returned event to stop. None on PostgreSQL."""
    if engine.dialect.name != "sqlite":
        return None
    stop = threading.Event()

    def run() -> None:
        while not stop.wait(every):
            try:
                with engine.connect() as connection:
                    raw = connection.connection.dbapi_connection
                    raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()  # type: ignore[union-attr]
            except Exception:  # busy, or the file gone at shutdown: the next round retries
                continue

    threading.Thread(target=run, name="cta-checkpoint", daemon=True).start()
    return stop


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # The driver's own transaction handling is switched off, so that ours (below) is the one:
    # a transaction that will write takes the write lock when it begins, not half-way through,
    # and two writers never deadlock on an upgrade from read to write.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA mmap_size=1073741824")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A transaction that may write takes the write lock when it begins; a read-only one
    # (``cta_read_only``) reads its WAL snapshot and never waits for a writer.
    # (on the driver's connection: SQLAlchemy's execution path would cost more than BEGIN)
    options = connection.get_execution_options()
    if options.get("cta_read_only", False):
        _raw_begin(connection, "BEGIN DEFERRED")
        return
    # A writer commits with synchronous=FULL (fsync'd) unless its work is replayable
    # (``SqlStore.transaction``): the setting is the connection's, so it is set again only
    # when it changes, and a pooled connection never carries NORMAL into a durable commit.
    durable = not options.get("cta_replayable", False)
    info = connection.connection.info
    if info.get("cta_synchronous_full", True) != durable:
        _raw_begin(connection, "PRAGMA synchronous=FULL" if durable else
                   "PRAGMA synchronous=NORMAL")  # fmt: skip
        info["cta_synchronous_full"] = durable
    _raw_begin(connection, "BEGIN IMMEDIATE")


def _raw_begin(connection: Any, statement: str) -> None:
    """``statement`` (BEGIN, SAVEPOINT...) on the driver's connection, a failure raised as
    SQLAlchemy raises what its own execution meets (``OperationalError`` and the others): the
    driver's own exception was taken for a fault of ours, a 500, when a database server died
    as a transaction began (seen in the failover test: psycopg's "server closed the
    connection unexpectedly")."""
    dbapi = connection.dialect.loaded_dbapi
    try:
        connection.connection.dbapi_connection.execute(statement)
    except dbapi.Error as exc:
        raise DBAPIError.instance(statement, None, exc, dbapi.Error,
                                  dialect=connection.dialect) from exc  # fmt: skip


def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
    """The pool's pre-ping, for a connection idle longer than ``PING_AFTER`` only: one back
    in the pool a moment ago worked then, and a ping on every checkout was a round trip more
    for every transaction (HikariCP skips it the same way). A dead connection is replaced."""
    if time.monotonic() - record.info.get("cta_used", 0.0) <= PING_AFTER:
        return
    try:
        dbapi_connection.execute(";")
    except Exception as exc:  # any failure: the pool connects anew
        raise DisconnectionError(str(exc)) from exc


def _note_use(_dbapi_connection: Any, record: Any) -> None:
    record.info["cta_used"] = time.monotonic()


def _postgresql_begin(connection: Any) -> None:
    # The driver runs in autocommit mode and a transaction begins here, as on SQLite: one that
    # may write with BEGIN; a read-only one (``cta_read_only``) runs each statement on its own,
    # which at PostgreSQL's READ COMMITTED is what it saw inside a transaction too (a snapshot
    # per statement), without the BEGIN and COMMIT round trips: two of a check's nine. A
    # connection asked for AUTOCOMMIT stays so.
    options = connection.get_execution_options()
    if not options.get("cta_read_only") and options.get("isolation_level") != "AUTOCOMMIT":
        _raw_begin(connection, "BEGIN")


def alembic_config() -> Config:
    # Alembic (with Mako and Pygments under it) is imported here, not with this module: a
    # server's workers and most commands never migrate, and it cost each process ~0.15 s
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


# The newest migration's revision (tests/integration/test_migrations.py holds it to Alembic's
# head). A database already at it needs nothing from Alembic, which is then not even imported:
# importing it and reading its scripts cost every `cta` command and node start ~0.25 s of CPU.
SCHEMA_HEAD = "0017"


class NewerSchemaError(RuntimeError):
    """The database's schema is one this code's migrations do not know: a newer CTA made or
    migrated it, and this one would misread its tables."""


def known_schemas() -> frozenset[str]:
    """The schemas this code's migrations know, "0001" to ``SCHEMA_HEAD``, by their files'
    names (each file's revision is its name's four digits; Alembic is not imported to ask)."""
    versions = _MIGRATIONS / "versions"
    return frozenset(path.name[:4] for path in versions.glob("[0-9][0-9][0-9][0-9]_*.py"))


def migrate(engine: Engine, starting: Callable[[list[str]], None] | None = None) -> list[str]:
    """Bring the database to the newest schema (its tables made on the first start); the
    schemas it was at before (``[]``: none, a new database), which ``starting`` is given
    before Alembic begins. ``NewerSchemaError`` when its schema is newer than this code's;
    ``KeyboardInterrupt`` when interrupted (Ctrl-C), and nothing of the migration is kept
    (it is one transaction)."""
    create_database(engine)
    before = schema_versions(engine)
    if before == [SCHEMA_HEAD]:
        return before
    newer = [version for version in before if version not in known_schemas()]
    if newer:
        raise NewerSchemaError(f"schema {', '.join(newer)}, newer than this cta knows (its "
                               f"newest is {SCHEMA_HEAD})")  # fmt: skip
    from alembic import command

    config = alembic_config()
    try:
        with engine.connect() as connection, _foreign_keys_off(connection), connection.begin():
            _one_migration_at_a_time(connection)
            before = _versions(connection)  # another process may have migrated it meanwhile
            if starting is not None and before != [SCHEMA_HEAD]:
                starting(before)
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            _check_foreign_keys(connection)
    except Exception as exc:
        # a Ctrl-C inside the driver leaves SQLAlchemy's rollback to fail on the closed
        # connection, and that error ("Cannot operate on a closed database") took its place
        if _interrupted(exc):
            raise KeyboardInterrupt from None
        raise
    return before


def _interrupted(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _one_migration_at_a_time(connection: Connection) -> None:
    """On PostgreSQL, the migration waits for another process's (two servers of a node
    started at once, two ``cta serve --init``) until it commits, and then finds nothing left
    to do; without it the second failed on the tables the first was making. SQLite's
    ``BEGIN IMMEDIATE`` does the same already."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")


MIGRATION_LOCK = 0x4354_4130  # "CTA0": a number of CTA's own among the database's locks


@contextlib.contextmanager
def _foreign_keys_off(connection: Connection) -> Iterator[None]:
    """On SQLite, foreign keys off while migrations copy tables (SQLite's own procedure for
    a schema change): dropping a parent table deletes its rows first, and ON DELETE CASCADE
    would take the children's rows with them. Set on the driver's connection, outside any
    transaction (inside one SQLite ignores it), and on again after."""
    if connection.dialect.name != "sqlite":
        yield
        return
    raw: Any = connection.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    """Every foreign key holds after the migrations (SQLite, which did not check them while
    they ran), or nothing of them is committed."""
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        tables = sorted({str(row[0]) for row in broken})
        raise RuntimeError(f"the migration left {len(broken)} rows whose foreign key names no "
                           f"row, in {', '.join(tables)}; nothing of it was kept")  # fmt: skip
