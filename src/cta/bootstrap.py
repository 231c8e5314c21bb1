"""Builds everything from one Settings object: reference data, the store, the node.

Nothing else reads the environment; adapters get what they need from here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

from cta.adapters.storage.engine import (
    SCHEMA_HEAD,
    NewerSchemaError,
    create_database,
    database_initialised,
    database_tables,
    make_engine,
    migrate,
    start_checkpoints,
)
from cta.adapters.storage.hang_guard import start_hang_guard
from cta.adapters.storage.statistics import SqlStatistics
from cta.adapters.storage.store import SqlStore
from cta.domain.errors import CTAError
from cta.domain.personal_data import ReadRate
from cta.federation.tls import TlsFiles
from cta.policy.crossing_points import load_crossing_points
from cta.policy.loader import load_regime
from cta.policy.reference import Reference, reference
from cta.services.alerts import AlertBook, Screener
from cta.services.federation import FederationService
from cta.services.mail import MailSender
from cta.services.node import Node
from cta.services.ports import DatabaseUnavailableError
from cta.services.read_limits import ReadLimiter
from cta.settings import Settings

__all__ = ["Reference", "alert_snapshot", "build_federation", "build_mail_sender", "build_node",
           "build_read_limiter", "database_exists", "database_kind", "not_ours",
           "private_files", "reference", "tls_server_files", "utc_now"]


def utc_now() -> datetime:
    return datetime.now(UTC)


def build_node(
    settings: Settings | None = None,
    *,
    migrate_schema: bool = True,
    serving: bool = False,
    create: bool = True,
    say: Callable[[str], None] | None = None,
) -> Node:
    """The node for these settings, its database brought to the newest schema (``serving``:
    a server worker's, whose SQLite WAL is checkpointed in the background). ``create=False``:
    a database that does not exist yet (or has no CTA schema) is an error, not made anew;
    ``create``: a missing or empty one gets CTA's schema, but one that holds another
    program's tables is refused (``database_kind``), never filled beside them. ``say``: told
    when the schema is migrated (the operator's ``cta serve`` prints it)."""
    settings = settings or Settings()
    load_regime(settings.regime)  # fail at start, not at the first check, on a bad policy
    alert_snapshot(settings)  # and on a snapshot path that is not one, before anything is made
    engine = make_engine(settings.database_url, serving=serving)
    if not create and not _initialised(engine):
        engine.dispose()
        raise DatabaseUnavailableError(
            f"there is no CTA database at {_where(settings)} (CTA_DATABASE_URL); "
            "`cta serve --init` creates one (the first start of a node)")
    if create:
        kind, tables = database_kind(settings)
        if kind == "other":  # another program's database: never written into
            engine.dispose()
            raise DatabaseUnavailableError(not_ours(settings, tables))
        try:
            create_database(engine)  # before the store remembers which file it opened
        except OSError as exc:  # a folder that cannot be made: a file in the way, no right
            engine.dispose()
            raise DatabaseUnavailableError(
                f"cannot create the database {_where(settings)}: "
                f"{exc.strerror or exc}") from None  # fmt: skip
        try:  # opened read-write here, or one line naming why (/proc/version)
            _initialised(engine)
        except DatabaseUnavailableError:
            engine.dispose()
            raise
    if serving:
        start_checkpoints(engine)  # SQLite
        start_hang_guard(engine)  # PostgreSQL: a hung server answered with 503 within 1 s
    if migrate_schema:
        _migrate(engine, settings, say)
    return Node(
        SqlStore(engine),
        reference(),
        load_crossing_points(),
        state=settings.state,
        regime=settings.regime,
        clock=utc_now,
        retention_years=settings.retention_years,
        overstayer_retention_years=settings.overstayer_retention_years,
        internal_check_retention_days=settings.internal_check_retention_days,
        aggregates=SqlStatistics(_statistics_engine(settings, engine, serving=serving)),
        alerts=_screener(settings, serving),
    )


def _migrate(engine: Engine, settings: Settings, say: Callable[[str], None] | None) -> None:
    """``migrate``, its refusals and a Ctrl-C in it said in the operator's words; ``say`` is
    told when a migration begins (a large node's takes a while)."""

    def starting(before: list[str]) -> None:
        if before and say is not None:
            say(f"migrating the database {_where(settings)} from schema {before[0]} to "
                f"{SCHEMA_HEAD} (one transaction: if it is stopped, nothing of it is kept)")

    try:
        migrate(engine, starting)
    except NewerSchemaError as exc:
        engine.dispose()
        raise DatabaseUnavailableError(
            f"the database {_where(settings)} has {exc}: a newer cta made or migrated it; run "
            "that version (this one would misread its tables)") from None
    except KeyboardInterrupt:
        engine.dispose()
        raise CTAError(f"interrupted while migrating the database {_where(settings)}: nothing "
                       "of the migration was kept, the database is as it was; start again to "
                       "migrate it") from None


def _statistics_engine(settings: Settings, engine: Engine, *, serving: bool) -> Engine:
    """Where the analysts' counts are read: the node's database, or a standby of it
    (``CTA_STATISTICS_DATABASE_URL``: docs/availability.md), never migrated from here."""
    if not settings.statistics_database_url:
        return engine
    url = make_url(settings.statistics_database_url)
    if url.get_backend_name() == "sqlite" and not Path(str(url.database)).is_file():
        # a file that is not there will not come (a server that is down may: not checked)
        engine.dispose()
        raise DatabaseUnavailableError(
            f"there is no database at {url.database} (CTA_STATISTICS_DATABASE_URL, where the "
            "statistics are read; empty: the node's own database)")
    reads = make_engine(settings.statistics_database_url, serving=serving)
    if serving:
        start_hang_guard(reads)
    return reads


def _screener(settings: Settings, serving: bool) -> Screener:
    """A server worker of a node with a screening process screens through it (its socket is
    in the settings); any other process holds the index itself."""
    if serving and settings.screening_socket:
        from cta.adapters.screening import ScreeningClient

        return ScreeningClient(Path(settings.screening_socket))
    return AlertBook(alert_snapshot(settings))


def database_exists(settings: Settings) -> bool:
    """Whether the database of these settings exists with CTA's schema."""
    engine = make_engine(settings.database_url)
    try:
        return _initialised(engine)
    finally:
        engine.dispose()


def database_kind(settings: Settings) -> tuple[str, list[str]]:
    """What the database of these settings is, looked at without changing it (read-only):
    ``"missing"`` (no such SQLite file), ``"empty"`` (no table: a new file, an empty
    PostgreSQL database), ``"cta"`` (CTA's schema, at any version) or ``"other"``, with its
    tables: another program's database, into which CTA never adds its tables (``create``
    in ``build_node`` refuses it). A database that cannot be opened, or a file that is not
    a database, is a ``DatabaseUnavailableError`` naming it."""
    try:
        tables = database_tables(settings.database_url)
    except Exception as exc:
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise DatabaseUnavailableError(
            f"the database {_where(settings)} cannot be opened "
            f"({cause[0] if cause else type(exc).__name__})") from None
    if tables is None:
        return "missing", []
    if not tables:
        return "empty", []
    return ("cta" if "alembic_version" in tables else "other"), tables


def not_ours(settings: Settings, tables: list[str]) -> str:
    """Why the database of these settings, holding ``tables`` (``database_kind``'s "other"),
    is left alone."""
    shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
    return (f"{_where(settings)} is not a CTA node database: it holds other tables ({shown}); "
            "CTA adds its tables only to a new file or an empty database")


def _initialised(engine: Engine) -> bool:
    try:
        return database_initialised(engine)
    except Exception as exc:  # a server that cannot be reached: say so, as the store would
        cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
        raise DatabaseUnavailableError(
            f"the database {engine.url.render_as_string(hide_password=True)} cannot be reached "
            f"({cause[0] if cause else type(exc).__name__})") from exc


def _where(settings: Settings) -> str:
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite":
        return str(url.database)
    return url.render_as_string(hide_password=True)


def private_files(settings: Settings) -> None:
    """The node's files made readable by its own user only (0600), those made before that was
    the rule too: the database and its -wal, -shm and lock, the alerts' snapshot. (New ones
    are 0600 already: the ``cta`` command runs with umask 077; the private key is 0600 and
    refused when wider, ``cta.federation.keys``; the public key is meant to be shared.)"""
    url = make_url(settings.database_url)
    files: list[Path] = []
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        files += [Path(url.database + suffix)
                  for suffix in ("", "-wal", "-shm", "-journal", ".writer-lock")]  # fmt: skip
    snapshot = alert_snapshot(settings)
    if snapshot is not None:
        files.append(snapshot)
    for path in files:
        if path.is_file():  # never a folder (CTA_ALERT_SNAPSHOT=/tmp made /tmp 0600)
            with contextlib.suppress(FileNotFoundError):
                path.chmod(0o600)


def build_federation(settings: Settings, node: Node) -> FederationService | None:
    """The node's federation service, when a federation file is set (None: alone)."""
    if not settings.federation_file:
        return None
    from cta.federation.keys import key_files, load_private_key
    from cta.federation.members import load_federation

    federation = load_federation(Path(settings.federation_file))
    if federation.node != settings.state:
        raise CTAError(f"{settings.federation_file} is the federation file of node "
                       f"{federation.node}, but this node is {settings.state} (CTA_STATE)")
    key = load_private_key(key_files(Path(settings.keys_dir), settings.state).private)
    return FederationService(node.store, federation, key, countries=node.reference.countries,
                             crossing_points=node.crossing_points, clock=node.clock)


def tls_server_files(settings: Settings, federation: FederationService | None) -> TlsFiles | None:
    """The TLS certificate and key the node serves with (a ``TlsFiles``), or None for plain
    http: CTA_TLS_CERT and CTA_TLS_KEY if set, else KEYS_DIR/STATE.tls.* when the node's own
    endpoint in its federation file is https://. The certificate must be the one that entry
    pins, or peers would refuse the node."""
    from cta.federation.errors import FederationError
    from cta.federation.tls import check_private_key_file, load_certificate_fingerprint, tls_files

    if bool(settings.tls_cert) != bool(settings.tls_key):
        raise CTAError("CTA_TLS_CERT and CTA_TLS_KEY go together: set both, or neither")
    own = federation.federation.latest(settings.state) if federation is not None else None
    if settings.tls_cert:
        files = TlsFiles(Path(settings.tls_key), Path(settings.tls_cert))
    elif own is not None and own.endpoint.startswith("https://"):
        files = tls_files(Path(settings.keys_dir), settings.state)
    else:
        return None
    try:
        check_private_key_file(files.key)
        fingerprint = load_certificate_fingerprint(files.certificate)
    except FederationError as exc:
        raise CTAError(f"serving TLS: {exc}") from None
    pin = own.tls_certificate_sha256 if own is not None else None
    if pin is not None and fingerprint != pin:
        raise CTAError(f"serving TLS: {files.certificate} has SHA-256 {fingerprint}, but the "
                       f"federation file pins {pin} for {settings.state} "
                       "(tls_certificate_sha256): peers would refuse this node")  # fmt: skip
    return files
def build_read_limiter(settings: Settings, node: Node) -> ReadLimiter:
    """Each user's allowance of personal-data reads, kept in the node's database."""
    from cta.adapters.storage.read_limits import SqlReadAllowances

    assert isinstance(node.store, SqlStore)
    rate = ReadRate(settings.personal_reads_per_minute, settings.personal_reads_burst)
    return ReadLimiter(SqlReadAllowances(node.store), rate, node.clock)


def build_mail_sender(settings: Settings, node: Node) -> MailSender | None:
    """The sender of the mail outbox through CTA_SMTP_HOST (None: mail is off, mails wait)."""
    from datetime import timedelta

    from cta.adapters.mail.smtp import SmtpTransport
    from cta.adapters.storage.mail_outbox import SqlMailOutbox
    from cta.domain.mail import is_mail_address

    assert isinstance(node.store, SqlStore)
    outbox = SqlMailOutbox(node.store)
    # noted for `cta mail status`, which runs with its own shell's settings
    outbox.note_server(f"{settings.smtp_host}:{settings.smtp_port}" if settings.smtp_host
                       else None)  # fmt: skip
    if not settings.smtp_host:
        return None
    if not is_mail_address(settings.smtp_from):
        raise CTAError(f"CTA_SMTP_FROM {settings.smtp_from!r}: with CTA_SMTP_HOST set, the "
                       "address mail to applicants comes from (e.g. cta@node.example) is needed")
    transport = SmtpTransport(settings.smtp_host, settings.smtp_port, settings.smtp_starttls,
                              settings.smtp_user or None, settings.smtp_password or None)
    return MailSender(outbox, transport, sender=settings.smtp_from,
                      node=settings.state, clock=node.clock,
                      retention=timedelta(days=settings.mail_retention_days))  # fmt: skip


def alert_snapshot(settings: Settings) -> Path | None:
    """The screening index's snapshot file for these settings (None: none is kept). A path
    that holds anything but a snapshot (a folder, another program's file) is a ``CTAError``
    naming it: the node replaces its snapshot whole, and made its folder 0600, or wrote over
    the file, when CTA_ALERT_SNAPSHOT named one by mistake."""
    if settings.alert_snapshot == "off":
        return None
    if settings.alert_snapshot:
        path = Path(settings.alert_snapshot)
    else:
        url = make_url(settings.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            path = Path(url.database + ".alerts-index")
        else:
            path = Path("var") / f"alerts-{settings.state}.index"
    _check_snapshot(path)
    return path


# how a screening index's snapshot begins, at any version (``services.alerts.AlertBook.save``)
SNAPSHOT_MAGIC = b"CTA-ALERT-INDEX "


def _check_snapshot(path: Path) -> None:
    """``path`` is missing, empty or a screening index's snapshot (``AlertBook.save``)."""
    problem = None
    if path.exists() and not path.is_file():
        problem = "it is not a plain file"
    elif path.is_file():
        try:
            with path.open("rb") as file:
                head = file.read(len(SNAPSHOT_MAGIC))
        except OSError as exc:
            problem = f"it cannot be read ({exc.strerror or exc})"
        else:
            if head and head != SNAPSHOT_MAGIC:
                problem = "it holds something else than a screening index"
    if problem is not None:
        raise CTAError(f"the alerts' snapshot {path} (CTA_ALERT_SNAPSHOT): {problem}; the "
                       "node replaces it whole with its screening index, so name a file of its "
                       "own, or 'off'")  # fmt: skip
