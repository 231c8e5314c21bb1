"""A careless or hurried operator's node (session 18, H3), with real ``cta`` processes.

A setting that names the wrong file, a database a newer cta left, a port another program
holds, a database URL that names no file, a Ctrl-C in a migration, two servers of one node
migrating one PostgreSQL database at once: each is one ``error:`` line naming what is wrong
(exit 2), never exit 3 (a failure of CTA's own), and nothing stored or around the node is
changed.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import stat
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from alembic import command
from sqlalchemy import Connection, text

from cta.adapters.storage.engine import (
    MIGRATION_LOCK,
    SCHEMA_HEAD,
    alembic_config,
    make_engine,
    schema_versions,
)
from cta.domain.roles import Role
from tests.integration.node_server import CTA, NodeServer, add_user, free_port
from tests.pg import PostgresServer


def _run(url: str, workdir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``cta ARGS`` with CTA_DATABASE_URL=url (and ``env``), that ends by itself."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    return subprocess.run([str(CTA), *args], cwd=workdir, capture_output=True, text=True,
                          timeout=60, env=clean | {"CTA_DATABASE_URL": url} | env)  # fmt: skip


def _one_error_line(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and "unexpected failure" not in done.stderr
    line = done.stderr.strip().splitlines()[-1]
    assert line.startswith("error: "), done.stderr
    for word in words:
        assert word in line, line
    return line


@pytest.fixture
def node_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'node.sqlite'}"
    add_user(url, "admin.h3", Role.ADMIN)
    return url


def test_an_alert_snapshot_setting_that_names_a_folder_is_refused_and_the_folder_left_alone(
    tmp_path: Path, node_url: str
) -> None:
    # CTA_ALERT_SNAPSHOT=/tmp made /tmp 0600 and then failed with exit 3
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    done = _run(node_url, tmp_path, "serve", "--port", str(free_port()),
                CTA_ALERT_SNAPSHOT=str(folder))  # fmt: skip
    _one_error_line(done, str(folder), "CTA_ALERT_SNAPSHOT", "not a plain file")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o755
    assert list(folder.iterdir()) == []


def test_an_alert_snapshot_setting_that_names_another_programs_file_leaves_it_untouched(
    tmp_path: Path, node_url: str
) -> None:
    # the node wrote its index over the file (and made it 0600)
    other = tmp_path / "notes.txt"
    other.write_text("an operator's notes\n")
    other.chmod(0o644)
    for command_line in (("serve", "--port", str(free_port())), ("users", "list")):
        done = _run(node_url, tmp_path, *command_line, CTA_ALERT_SNAPSHOT=str(other))
        _one_error_line(done, str(other), "holds something else than a screening index")
    assert other.read_text() == "an operator's notes\n"
    assert stat.S_IMODE(other.stat().st_mode) == 0o644


def test_the_node_keeps_and_uses_its_own_snapshot_where_the_setting_names_it(
    tmp_path: Path, node_url: str
) -> None:
    snapshot = tmp_path / "index" / "alerts.index"
    with NodeServer(node_url, tmp_path / "run", init=False,
                    env={"CTA_ALERT_SNAPSHOT": str(snapshot)}):  # fmt: skip
        pass
    assert snapshot.read_bytes().startswith(b"CTA-ALERT-INDEX ")
    with NodeServer(node_url, tmp_path / "run", init=False,
                    env={"CTA_ALERT_SNAPSHOT": str(snapshot)}) as server:  # fmt: skip
        assert httpx.get(f"{server.base_url}/v1/health").json()["screening"] == "ok"


def test_a_statistics_database_file_that_is_not_there_stops_the_node_at_start(
    tmp_path: Path, node_url: str
) -> None:
    # the node started, said "ok" on /v1/health, and answered every statistics read 503
    missing = tmp_path / "standby" / "copy.sqlite"
    done = _run(node_url, tmp_path, "serve", "--port", str(free_port()),
                CTA_STATISTICS_DATABASE_URL=f"sqlite:///{missing}")  # fmt: skip
    _one_error_line(done, f"there is no database at {missing}", "CTA_STATISTICS_DATABASE_URL")
    assert not missing.parent.exists()


def test_a_database_a_newer_cta_left_is_refused_by_name_and_not_changed(
    tmp_path: Path, node_url: str
) -> None:
    path = node_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    for command_line in (("serve", "--port", str(free_port())), ("users", "list"),
                         ("mail", "status")):  # fmt: skip
        done = _run(node_url, tmp_path, *command_line)
        _one_error_line(done, "schema 0099", "newer than this cta")
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT version_num FROM alembic_version").fetchall() == [
            ("0099",)
        ]
        assert connection.execute("SELECT name FROM users").fetchall() == [("admin.h3",)]


def test_a_port_another_program_listens_on_is_one_error_line_naming_it(
    tmp_path: Path, node_url: str
) -> None:
    # uvicorn logged "ERROR: [Errno 98] ..." and the command ended with exit 3
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        for workers in ("1", "2"):
            done = _run(node_url, tmp_path, "serve", "--port", str(port), CTA_WORKERS=workers)
            _one_error_line(done, f"cannot listen on 127.0.0.1:{port}", "already in use")
    done = _run(node_url, tmp_path, "serve", "--host", "no-such-host.invalid")
    _one_error_line(done, "cannot listen on no-such-host.invalid:8090")


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("sqlite:///", "names no file"),
        ("sqlite:///:memory:", "names no file"),  # every record would end with the process
        ("postgresql://cta@db.example:port/cta", "not a database URL that can be read"),
    ],
)
def test_a_database_url_without_a_file_or_with_a_port_that_is_no_number_is_refused(
    tmp_path: Path, url: str, words: str
) -> None:
    # each was exit 3 (a TypeError of SQLAlchemy's pool, a ValueError of int())
    for command_line in (("serve", "--init", "--port", str(free_port())), ("users", "list")):
        _one_error_line(_run(url, tmp_path, *command_line), "CTA_DATABASE_URL", words)
    done = _run(f"sqlite:///{tmp_path / 'absent.sqlite'}", tmp_path,
                "federation", "status", "--database", url)  # fmt: skip
    _one_error_line(done, "--database", words)
    assert list(tmp_path.iterdir()) == []


def test_an_older_database_is_migrated_with_its_records_and_the_operator_is_told(
    tmp_path: Path, node_url: str
) -> None:
    engine = make_engine(node_url)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0015")
    engine.dispose()
    with NodeServer(node_url, tmp_path / "run", init=False) as server:
        log = server.log_file.read_text()
    assert f"migrating the database {tmp_path / 'node.sqlite'} from schema 0015 to " \
        f"{SCHEMA_HEAD}" in log  # fmt: skip
    engine = make_engine(node_url)
    assert schema_versions(engine) == [SCHEMA_HEAD]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM users")).scalars().all() == ["admin.h3"]
    engine.dispose()


@pytest.fixture
def pg_database(postgres_server: PostgresServer) -> Iterator[str]:
    name = f"t_{uuid.uuid4().hex}"
    url = postgres_server.create_database(name)
    try:
        yield url
    finally:
        postgres_server.drop_database(name)


def _backend(connection: Connection) -> int:
    """The server process (pid) of a session, as PostgreSQL's lock tables name it."""
    return int(connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one())


def _waits_on(url: str, holder: int, process: subprocess.Popen[Any],
              seconds: float = 60.0) -> None:  # fmt: skip
    """Until a session of the database waits on a lock the session ``holder`` holds: the
    process's migration, and no other wait (autovacuum, another statement of the migration).
    Bounded, and ended early when the process ends, so that a failure cannot hang the run."""
    blocked = text("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                   "AND :holder = ANY(pg_blocking_pids(pid))")  # fmt: skip
    engine = make_engine(url)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline and process.poll() is None:
            with engine.connect() as connection:
                waiting = connection.execute(blocked, {"holder": holder}).scalar_one()
            if waiting:
                return
            time.sleep(0.1)
        raise AssertionError(f"the process never waited on the test's lock (exit code "
                             f"{process.poll()})")  # fmt: skip
    finally:
        engine.dispose()


def _sigint_as_at_a_terminal() -> None:
    """In the child before ``cta`` starts: SIGINT to its default action, which Python turns
    into KeyboardInterrupt. A shell that starts the test run in the background (``make test
    &``) has it ignored, every child inherits that, and Python then leaves it ignored: the
    SIGINT the test sends would be lost and the migration wait forever on the test's lock."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.postgresql
def test_a_node_started_while_another_process_migrates_its_postgresql_database_waits_and_starts(
    tmp_path: Path, pg_database: str
) -> None:
    # the second of two servers started at once failed on the first one's new tables
    # (UniqueViolation on alembic_version, exit 3)
    engine = make_engine(pg_database)
    config = alembic_config()
    port = free_port()
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    log = tmp_path / "serve.log"
    with engine.connect() as connection, connection.begin():  # another cta, migrating
        connection.execute(text(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
        holder = _backend(connection)
        with log.open("wb") as output:
            process = subprocess.Popen(
                [str(CTA), "serve", "--init", "--port", str(port)], cwd=tmp_path,
                env=clean | {"CTA_DATABASE_URL": pg_database}, stdout=output,
                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
        try:
            _waits_on(pg_database, holder, process)
        except BaseException:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=60)
            raise
    try:
        assert _health(process, port) == "ok", log.read_text()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=60)
        engine.dispose()


def _health(process: subprocess.Popen[bytes], port: int, seconds: float = 60.0) -> str:
    """The node's /v1/health database status once it answers; "ended" if the process ends."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        try:
            return str(httpx.get(f"http://127.0.0.1:{port}/v1/health").json()["database"])
        except httpx.TransportError:
            time.sleep(0.2)
    return "ended" if process.poll() is not None else "no answer"


@pytest.mark.postgresql
def test_ctrl_c_in_a_migration_keeps_nothing_of_it_and_says_so(
    tmp_path: Path, pg_database: str
) -> None:
    add_user(pg_database, "admin.h3", Role.ADMIN)
    engine = make_engine(pg_database)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0016")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    log = tmp_path / "serve.log"
    with engine.connect() as holder, holder.begin(), log.open("wb") as output:
        # 0017 alters internal_checks: the migration waits on this lock, and is interrupted
        holder.execute(text("LOCK TABLE internal_checks IN ACCESS SHARE MODE"))
        process = subprocess.Popen(
            [str(CTA), "serve", "--port", str(free_port())], cwd=tmp_path,
            env=clean | {"CTA_DATABASE_URL": pg_database}, stderr=output,
            stdout=subprocess.DEVNULL, preexec_fn=_sigint_as_at_a_terminal)  # fmt: skip
        try:
            _waits_on(pg_database, _backend(holder), process)
            process.send_signal(signal.SIGINT)
            try:
                code = process.wait(timeout=60)  # a bound, not a timing: it ends at once
            except subprocess.TimeoutExpired:
                pytest.fail(f"cta serve went on after SIGINT: {log.read_text()}")
        finally:
            if process.poll() is None:  # whatever failed, no `cta serve` is left waiting
                process.kill()
                process.wait(timeout=60)
    rest = log.read_text()
    first = rest.splitlines()[0] if rest else ""
    assert "migrating the database" in first and "from schema 0016" in first, rest
    assert code == 2, rest
    assert "Traceback" not in rest and "unexpected failure" not in rest, rest
    assert "interrupted while migrating" in rest and "nothing of the migration was kept" in rest
    assert schema_versions(engine) == ["0016"]
    with engine.connect() as connection:
        assert connection.execute(text("SELECT name FROM users")).scalars().all() == ["admin.h3"]
    engine.dispose()
