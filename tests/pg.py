"""A throwaway PostgreSQL server for the tests: its own cluster in a temporary folder.

``with PostgresServer() as pg:`` runs ``initdb`` into a fresh temporary folder, starts the
server on a free loopback port (127.0.0.1 only, its Unix socket inside that folder), waits until
it accepts connections and creates the database ``cta``; ``pg.url`` is then the SQLAlchemy URL
``postgresql+psycopg://cta@127.0.0.1:PORT/cta``. On exit it stops the server
(``pg_ctl stop -m fast``) and removes the folder.

The binaries come from PATH, else from the highest ``/usr/lib/postgresql/N/bin`` (where Debian
puts them); ``tools/ensure_postgres.sh`` installs them when they are missing. PostgreSQL refuses
to run as root: as root, the cluster belongs to an unprivileged user (``postgres``, which
Debian's package creates, else ``nobody``) and every server command runs through ``runuser``.

Only the standard library here; ``create_database``/``drop_database`` import psycopg lazily.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.ports import free_port

USER = "cta"  # the cluster's superuser (initdb -U); trust authentication, no password
DATABASE = "cta"
HOST = "127.0.0.1"
BINARIES = ("initdb", "pg_ctl", "postgres")
DEBIAN_LIBDIR = Path("/usr/lib/postgresql")
# Unprivileged users to run the server as when we are root, in order of preference.
RUN_AS_CANDIDATES = ("postgres", "nobody")


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server binaries are not installed (see tools/ensure_postgres.sh)."""


class PostgresStartError(RuntimeError):
    """initdb or the server failed; the message ends with the tail of its log."""


def find_bindir() -> Path | None:
    """The folder holding initdb, pg_ctl and postgres: PATH first, then Debian's highest version."""
    initdb = shutil.which("initdb")
    if initdb is not None:
        folder = Path(initdb).resolve().parent
        if all(os.access(folder / name, os.X_OK) for name in BINARIES):
            return folder
    candidates: list[tuple[int, Path]] = []
    if DEBIAN_LIBDIR.is_dir():
        for version_dir in DEBIAN_LIBDIR.iterdir():
            if not re.fullmatch(r"\d+(\.\d+)?", version_dir.name):
                continue
            folder = version_dir / "bin"
            if all(os.access(folder / name, os.X_OK) for name in BINARIES):
                candidates.append((int(version_dir.name.split(".")[0]), folder))
    if candidates:
        return max(candidates)[1]
    return None


@dataclass(frozen=True)
class _RunAs:
    """Who runs the server: ourselves, or (when we are root) an unprivileged user via runuser."""

    name: str | None
    uid: int
    gid: int

    def wrap(self, argv: list[str]) -> list[str]:
        if self.name is None:
            return argv
        runuser = shutil.which("runuser") or next(
            (p for p in ("/usr/sbin/runuser", "/sbin/runuser") if os.access(p, os.X_OK)), None
        )
        if runuser is not None:
            return [runuser, "-u", self.name, "--", *argv]
        # `su` with an explicit shell: `nobody` and others have /usr/sbin/nologin.
        return ["su", "-s", "/bin/sh", self.name, "-c", shlex.join(argv)]


def _run_as() -> _RunAs:
    if os.geteuid() != 0:
        return _RunAs(None, os.geteuid(), os.getegid())
    for name in RUN_AS_CANDIDATES:
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            if entry.pw_uid != 0:
                return _RunAs(name, entry.pw_uid, entry.pw_gid)
    # Neither exists: make an unprivileged system user of our own.
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "cta-pg"],
        check=True,
        capture_output=True,
    )
    entry = pwd.getpwnam("cta-pg")
    return _RunAs("cta-pg", entry.pw_uid, entry.pw_gid)


def _reachable_by_others(folder: Path) -> bool:
    """Whether every folder from / down to ``folder`` lets other users through (o+x)."""
    folder = folder.resolve()
    return all(os.stat(p).st_mode & stat.S_IXOTH for p in [folder, *folder.parents])


def _tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as error:
        return f"(no log at {path}: {error})"
    return "\n".join(text.splitlines()[-lines:])


class PostgresServer:
    """A throwaway PostgreSQL cluster; a context manager. See the module's docstring."""

    def __init__(
        self,
        *,
        bindir: Path | None = None,
        max_connections: int = 200,
        startup_timeout: float = 60.0,
        settings: dict[str, str] | None = None,
    ) -> None:
        found = bindir or find_bindir()
        if found is None:
            raise PostgresUnavailable(
                "PostgreSQL's initdb/pg_ctl/postgres were not found on PATH nor in "
                f"{DEBIAN_LIBDIR}/*/bin; run tools/ensure_postgres.sh (as root) to install them"
            )
        self.bindir = found
        self.max_connections = max_connections
        self.startup_timeout = startup_timeout
        self.settings = dict(settings or {})
        self.host = HOST
        self.user = USER
        self.database = DATABASE
        self.port: int | None = None
        self.root: Path | None = None
        self._run_as = _run_as()
        self._running = False
        self._watchdog: subprocess.Popen[bytes] | None = None

    # -- where things are --------------------------------------------------------------------

    @property
    def data_dir(self) -> Path:
        assert self.root is not None, "the server is not started"
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        assert self.root is not None, "the server is not started"
        return self.root / "socket"

    @property
    def log_file(self) -> Path:
        assert self.root is not None, "the server is not started"
        return self.root / "postgres.log"

    @property
    def url(self) -> str:
        """SQLAlchemy URL of the database ``cta``."""
        return self.url_for(self.database)

    def url_for(self, database: str) -> str:
        """SQLAlchemy URL of another database on this server."""
        assert self.port is not None, "the server is not started"
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def conninfo(self, database: str | None = None) -> str:
        """libpq connection string (for psycopg.connect) of a database on this server."""
        assert self.port is not None, "the server is not started"
        return (
            f"host={self.host} port={self.port} user={self.user} "
            f"dbname={database or self.database} connect_timeout=10"
        )

    # -- life cycle ----------------------------------------------------------------------------

    def __enter__(self) -> PostgresServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """initdb, start on a free port, wait until it accepts connections, create ``cta``."""
        if self._running:
            return
        self.root = self._make_root()
        atexit.register(self.stop)  # a safety net should the caller never reach stop()
        try:
            self._initdb()
            self._start_on_a_free_port("PostgreSQL")
            self._running = True
            self._start_watchdog()
            self._wait_until_ready()
            self._admin_execute(f'CREATE DATABASE "{self.database}"')
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server (fast shutdown) and remove its folder; safe to call twice."""
        with contextlib.suppress(Exception):
            atexit.unregister(self.stop)
        watchdog, self._watchdog = self._watchdog, None
        if watchdog is not None:
            watchdog.kill()
            watchdog.wait()
        root, self.root = self.root, None
        if root is None:
            return
        try:
            pid_file = root / "data" / "postmaster.pid"
            if pid_file.exists():
                self._run(self._stop_argv(root, "fast"), cwd=root, check=False)
            if pid_file.exists():
                self._run(self._stop_argv(root, "immediate"), cwd=root, check=False)
        finally:
            self._running = False
            shutil.rmtree(root, ignore_errors=True)

    def _stop_argv(self, root: Path, mode: str) -> list[str]:
        timeout = "30" if mode == "fast" else "10"
        pg_ctl = str(self.bindir / "pg_ctl")
        return [pg_ctl, "stop", "-D", str(root / "data"), "-m", mode, "-w", "-t", timeout]

    def _start_watchdog(self) -> None:
        """Stop the server and remove its folder should this process die without stop().

        pg_ctl detaches the server from us, so a test run killed by a signal (a timeout, ^C
        twice) would leave it running: a small shell loop watches our pid and cleans up.
        """
        assert self.root is not None
        stop = shlex.join(self._run_as.wrap(self._stop_argv(self.root, "fast")))
        script = (
            f"while kill -0 {os.getpid()} 2>/dev/null; do sleep 1; done; "
            f"{stop} >/dev/null 2>&1; rm -rf {shlex.quote(str(self.root))}"
        )
        self._watchdog = subprocess.Popen(
            ["/bin/sh", "-c", script],
            cwd="/",
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # not in our process group: survives a signal sent to it
        )

    # -- databases -----------------------------------------------------------------------------

    def create_database(self, name: str) -> str:
        """CREATE DATABASE ``name`` (autocommit); returns its SQLAlchemy URL."""
        _check_identifier(name)
        self._admin_execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def drop_database(self, name: str) -> None:
        """DROP DATABASE ``name``, ending connections left open to it."""
        _check_identifier(name)
        self._admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    # -- internals -----------------------------------------------------------------------------

    def _make_root(self) -> Path:
        parent = Path(tempfile.gettempdir())
        if self._run_as.name is not None and not _reachable_by_others(parent):
            parent = Path("/tmp")  # TMPDIR is private to root: the server's user could not enter
        root = Path(tempfile.mkdtemp(prefix="cta-pg-", dir=parent))
        (root / "socket").mkdir()
        if self._run_as.name is not None:
            for path in (root, root / "socket"):
                os.chown(path, self._run_as.uid, self._run_as.gid)
        return root

    def _run(
        self, argv: list[str], *, cwd: Path, check: bool = True, timeout: float = 120.0
    ) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C",
            "LC_ALL": "C",
            "TZ": "UTC",
        }
        return subprocess.run(
            self._run_as.wrap(argv),
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
        )

    def _initdb(self) -> None:
        assert self.root is not None
        argv = [
            str(self.bindir / "initdb"),
            "-D",
            str(self.data_dir),
            "-A",
            "trust",
            "-U",
            self.user,
            "--encoding=UTF8",
            "--locale=C",
            "--no-sync",  # a throwaway cluster: no need to flush initdb's files to disk
        ]
        done = self._run(argv, cwd=self.root, check=False)
        if done.returncode != 0:
            output = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
            raise PostgresStartError(
                f"initdb failed (exit {done.returncode}): {shlex.join(argv)}\n{output}"
            )

    def _server_options(self) -> list[str]:
        assert self.port is not None
        settings = {
            "listen_addresses": self.host,
            "port": str(self.port),
            "unix_socket_directories": str(self.socket_dir),
            "max_connections": str(self.max_connections),
            **self.settings,
        }
        options: list[str] = []
        for key, value in settings.items():
            options += ["-c", f"{key}={value}"]
        return options

    def _pg_ctl_start(self) -> bool:
        """Start the server and wait for it (pg_ctl -w); False if it did not come up."""
        assert self.root is not None
        argv = [
            str(self.bindir / "pg_ctl"),
            "start",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.log_file),
            "-w",
            "-t",
            str(int(self.startup_timeout)),
            "-o",
            shlex.join(self._server_options()),  # pg_ctl hands -o to /bin/sh
        ]
        done = self._run(argv, cwd=self.root, check=False, timeout=self.startup_timeout + 30)
        if done.returncode == 0:
            return True
        # pg_ctl may give up while the postmaster lives on: make sure it is gone.
        if (self.data_dir / "postmaster.pid").exists():
            self._run(
                [str(self.bindir / "pg_ctl"), "stop", "-D", str(self.data_dir), "-m", "immediate"],
                cwd=self.root,
                check=False,
            )
        return False

    def _start_on_a_free_port(self, what: str) -> None:
        # A free port can be taken between our probe and the server's bind: retry then.
        for attempt in range(5):
            self.port = free_port()
            if self._pg_ctl_start():
                return
            if attempt == 4 or not self._port_was_taken():
                raise PostgresStartError(
                    f"{what} failed to start on {self.host}:{self.port}; "
                    f"the end of its log:\n{_tail(self.log_file)}"
                )

    def _port_was_taken(self) -> bool:
        return "Address already in use" in _tail(self.log_file, 10)

    def _wait_until_ready(self) -> None:
        """pg_ctl -w already waited; this also checks that TCP connections get through."""
        assert self.port is not None
        deadline = time.monotonic() + self.startup_timeout
        last_error: Exception | None = None
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=1.0):
                    return
            except OSError as error:
                last_error = error
                time.sleep(0.05)
        raise PostgresStartError(
            f"PostgreSQL did not accept connections on {self.host}:{self.port} within "
            f"{self.startup_timeout:.0f} s ({last_error}); the end of its log:\n"
            f"{_tail(self.log_file)}"
        )

    def _admin_execute(self, sql: str, *, via: str = "postgres") -> None:
        import psycopg  # lazily: only the PostgreSQL tests need it

        connection: Any
        with psycopg.connect(self.conninfo(via), autocommit=True) as connection:
            connection.execute(sql)


class StandbyServer(PostgresServer):
    """A hot standby of ``primary``, streaming its WAL: ``pg_basebackup`` of the running
    primary instead of ``initdb``, then started read-only as ``application_name`` (the name the
    primary's ``synchronous_standby_names`` waits for). ``promote()`` makes it a primary, as
    ``pg_ctl promote`` (Debian: ``pg_ctlcluster VERSION NAME promote``) does for an operator.

    The primary runs with ``PRIMARY_SETTINGS``, and ``make_synchronous`` then makes each commit
    wait until the standby has the record; the standby itself runs without: once promoted it
    acknowledges writes alone until a new standby is attached.
    """

    def __init__(self, primary: PostgresServer, *, application_name: str = "standby1",
                 **options: Any) -> None:  # fmt: skip
        super().__init__(bindir=primary.bindir, **options)
        self.primary = primary
        self.application_name = application_name

    def start(self) -> None:
        if self._running:
            return
        assert self.primary.port is not None, "the primary is not started"
        self.root = self._make_root()
        atexit.register(self.stop)
        try:
            self._base_backup()
            self._start_on_a_free_port("the standby")
            self._running = True
            self._start_watchdog()
            self._wait_until_ready()
        except BaseException:
            self.stop()
            raise

    def _base_backup(self) -> None:
        assert self.root is not None and self.primary.port is not None
        conninfo = (f"host={self.primary.host} port={self.primary.port} user={self.user} "
                    f"application_name={self.application_name}")  # fmt: skip
        argv = [str(self.bindir / "pg_basebackup"), "-d", conninfo, "-D", str(self.data_dir),
                "-X", "stream", "--no-sync", "-c", "fast"]  # fmt: skip
        done = self._run(argv, cwd=self.root, check=False)
        if done.returncode != 0:
            raise PostgresStartError(f"pg_basebackup failed (exit {done.returncode}): "
                                     f"{(done.stdout + done.stderr)[-2000:]}")  # fmt: skip
        # a standby: follow the primary under our name (what ``pg_basebackup -R`` writes, with
        # the application_name the primary's synchronous_standby_names waits for)
        with open(self.data_dir / "postgresql.auto.conf", "a", encoding="utf-8") as conf:
            conf.write(f"primary_conninfo = '{conninfo}'\n")
        marker = self.data_dir / "standby.signal"
        marker.touch()
        os.chown(marker, self._run_as.uid, self._run_as.gid)

    def promote(self, timeout: float = 60.0) -> None:
        """``pg_ctl promote -w``: end recovery and take writes; returns once it does."""
        assert self.root is not None, "the standby is not started"
        argv = [str(self.bindir / "pg_ctl"), "promote", "-D", str(self.data_dir), "-w",
                "-t", str(int(timeout))]  # fmt: skip
        self._run(argv, cwd=self.root, timeout=timeout + 30)


# What a primary with a standby runs with; ``make_synchronous`` then names the standby in
# ``synchronous_standby_names`` (not at start: every commit, ``CREATE DATABASE cta`` too,
# would wait for a standby that is not there yet).
PRIMARY_SETTINGS = {"wal_level": "replica", "max_wal_senders": "5", "synchronous_commit": "on"}


def make_synchronous(primary: PostgresServer, standby: StandbyServer,
                     timeout: float = 60.0) -> None:  # fmt: skip
    """Make the primary wait for ``standby`` before a commit returns, once it streams:
    ``ALTER SYSTEM SET synchronous_standby_names`` and a reload, as an operator would."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(primary.conninfo(), autocommit=True) as connection:
        connection.execute(f"ALTER SYSTEM SET synchronous_standby_names = "
                           f"'{standby.application_name}'")  # fmt: skip
        connection.execute("SELECT pg_reload_conf()")
        while time.monotonic() < deadline:
            row = connection.execute("SELECT sync_state FROM pg_stat_replication "
                                     "WHERE application_name = %s",
                                     (standby.application_name,)).fetchone()  # fmt: skip
            if row is not None and row[0] == "sync":
                return
            time.sleep(0.1)
    raise PostgresStartError(f"the standby {standby.application_name} did not become "
                             f"synchronous within {timeout:.0f} s")  # fmt: skip


def kill_server(server: PostgresServer) -> None:
    """SIGKILL the server's postmaster and every process it started, as when its machine dies
    (no shutdown, no WAL flushed beyond what was); ``server.stop()`` then only cleans up."""
    signal_server(server, signal.SIGKILL)


def signal_server(server: PostgresServer, sig: int) -> None:
    """Send ``sig`` to the server's postmaster and every process it started: SIGKILL (dead),
    SIGSTOP (hung: its kernel still holds the connections open), SIGCONT (back)."""
    assert server.root is not None, "the server is not started"
    pid = int((server.data_dir / "postmaster.pid").read_text().split()[0])
    children = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
                and _parent_of(int(p.name)) == pid]  # fmt: skip
    for each in (pid, *children):
        with contextlib.suppress(ProcessLookupError):
            os.kill(each, sig)


def _parent_of(pid: int) -> int | None:
    try:
        stat_line = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return int(stat_line.rsplit(")", 1)[1].split()[1])


def _check_identifier(name: str) -> None:
    if not re.fullmatch(r"[a-z_][a-z0-9_]{0,62}", name):
        raise ValueError(f"not a plain database name: {name!r}")
