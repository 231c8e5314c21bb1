"""The node and its database going wrong under it, with real ``cta serve`` processes.

A SQLite file removed while the node runs; a write that fails (the file may not grow: a full
disk, simulated with the server's RLIMIT_FSIZE, which the kernel enforces as it would a full
file system, EFBIG); a PostgreSQL server stopped under the node; a start on a database that is
not there. Every error answer is JSON with an error id that the node's log shows; ``/v1/health``
says what is wrong (503 ``degraded``); the node never makes a database unless asked (``--init``).
And what the node writes is its own user's alone (0600, folders 0700).
"""

from __future__ import annotations

import os
import resource
import stat
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from cta.domain.roles import Role
from tests.integration.node_server import CTA, NodeServer, add_user, passport
from tests.pg import PostgresServer, find_bindir


def _crossing() -> dict[str, Any]:
    return {"mrz": passport("GEO"), "crossing_point": "GEO-TBS", "direction": "entry"}


def _health_when(client: httpx.Client, status: str, seconds: float = 5.0) -> httpx.Response:
    """/v1/health once it says ``status`` (its answer may be a second old)."""
    deadline = time.monotonic() + seconds
    while True:
        response = client.get("/v1/health")
        if response.json()["status"] == status or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def _logged(server: NodeServer, error_id: str, seconds: float = 5.0) -> str:
    deadline = time.monotonic() + seconds
    while True:
        log = server.log_file.read_text(errors="replace")
        if error_id in log or time.monotonic() > deadline:
            return log
        time.sleep(0.1)


def _serve(url: str, workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``cta serve`` (or another command) on ``url`` that ends by itself (it cannot start)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    return subprocess.run([str(CTA), *(args or ("serve",))], cwd=workdir, capture_output=True,
                          text=True, timeout=60, env=env | {"CTA_DATABASE_URL": url,
                                                            "CTA_PORT": "1"})  # fmt: skip


@pytest.fixture
def sqlite_node(tmp_path: Path) -> Iterator[tuple[NodeServer, str, Path]]:
    path = tmp_path / "var" / "node.sqlite"
    url = f"sqlite:///{path}"
    token = add_user(url, "officer.safety", Role.BORDER_OFFICER)
    with NodeServer(url, tmp_path) as server:
        yield server, token, path


def test_a_database_removed_under_the_node_refuses_writes_and_is_never_made_again_quietly(
    sqlite_node: tuple[NodeServer, str, Path],
) -> None:
    server, token, path = sqlite_node
    with server.client(token, "safety test") as client:
        assert client.post("/v1/crossings", json=_crossing()).status_code == 201
        for file in path.parent.glob(path.name + "*"):
            file.unlink()  # rm node.sqlite*
        for _ in range(3):
            response = client.post("/v1/crossings", json=_crossing())
            assert response.status_code == 503
            assert "was removed while the node ran" in response.json()["detail"]
            assert response.json()["error_id"] in _logged(server, response.json()["error_id"])
        health = _health_when(client, "degraded")
        assert health.status_code == 503
        assert "was removed" in health.json()["database"]
    server.stop()
    assert not path.exists()  # no connection made an empty file in its place
    started = _serve(f"sqlite:///{path}", path.parent.parent)
    assert started.returncode != 0
    assert started.stderr.startswith("error: there is no CTA database at")
    assert "--init" in started.stderr
    assert "Traceback" not in started.stderr
    assert not path.exists()


def test_a_database_replaced_under_the_node_refuses_writes(
    sqlite_node: tuple[NodeServer, str, Path],
) -> None:
    server, token, path = sqlite_node
    with server.client(token, "safety test") as client:
        copy = path.with_name("copy.sqlite")
        copy.write_bytes(path.read_bytes())
        copy.replace(path)  # another file under the same name
        response = client.post("/v1/crossings", json=_crossing())
        assert response.status_code == 503
        assert "was replaced" in response.json()["detail"]


@pytest.mark.parametrize("kind", ["sqlite", pytest.param("postgresql",
                                                         marks=pytest.mark.postgresql)])
def test_the_node_starts_only_on_a_database_that_exists_unless_asked_to_make_one(
    kind: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if kind == "sqlite":
        url = f"sqlite:///{tmp_path / 'var' / 'new.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_server").create_database("t_no_schema_yet")
    refused = _serve(url, tmp_path)
    assert refused.returncode != 0
    assert refused.stderr.startswith("error: there is no CTA database at"), refused.stderr
    assert not (tmp_path / "var").exists()
    refused = _serve(url, tmp_path, "users", "add", "first.admin", "--role", "admin")
    assert refused.returncode != 0 and "--init" in refused.stderr
    server = NodeServer(url, tmp_path)  # cta serve --init
    with server, server.client() as client:
        assert client.get("/v1/health").json()["status"] == "ok"
    assert f"created a new database: {url}" in server.log_file.read_text()
    with server:  # the second start: nothing to create, nothing said
        pass
    assert "created a new database" not in server.log_file.read_text()
    added = _serve(url, tmp_path, "users", "add", "first.admin", "--role", "admin")
    assert added.returncode == 0, added.stderr


def test_a_failing_write_answers_json_with_an_error_id_the_log_shows_and_health_degrades(
    sqlite_node: tuple[NodeServer, str, Path],
) -> None:
    server, token, path = sqlite_node
    assert server.process is not None
    pid = server.process.pid
    before = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    with server.client(token, "safety test") as client:
        assert client.post("/v1/crossings", json=_crossing()).status_code == 201
        # no file of the node may grow past its database's size now: a full disk
        limit = path.stat().st_size
        resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, before[1]))  # the soft limit
        try:
            for _ in range(500):
                response = client.post("/v1/crossings", json=_crossing())
                if response.status_code != 201:
                    break
            assert response.status_code == 503, response.text
            assert response.headers["content-type"] == "application/json"
            answer = response.json()
            assert "the database failed to answer or to write" in answer["detail"]
            assert answer["error_id"] in answer["detail"]
            log = _logged(server, answer["error_id"])
            assert "Traceback" in log.split(answer["error_id"], 1)[1]
            health = _health_when(client, "degraded")
            assert health.status_code == 503
            assert "the last write failed" in health.json()["database"]
        finally:
            resource.prlimit(pid, resource.RLIMIT_FSIZE, before)
        # room again: the next write succeeds, and health says so
        assert client.post("/v1/crossings", json=_crossing()).status_code == 201
        assert _health_when(client, "ok").status_code == 200


@pytest.mark.postgresql
def test_a_stopped_postgresql_server_makes_health_degraded_at_once_and_writes_503(
    tmp_path: Path,
) -> None:
    if find_bindir() is None:
        pytest.skip("PostgreSQL is not installed")
    with PostgresServer() as pg:
        token = add_user(pg.url, "officer.safety", Role.BORDER_OFFICER)
        with NodeServer(pg.url, tmp_path) as server, server.client(token, "safety test") as client:
            assert client.post("/v1/crossings", json=_crossing()).status_code == 201
            pg.stop()
            time.sleep(1.1)  # health's last answer is a second old at most
            started = time.monotonic()
            health = client.get("/v1/health")
            assert time.monotonic() - started < 1.0
            assert health.status_code == 503
            assert health.json()["status"] == "degraded"
            assert "does not answer" in health.json()["database"]
            started = time.monotonic()
            response = client.post("/v1/crossings", json=_crossing())
            assert time.monotonic() - started < 5.0
            assert response.status_code == 503
            assert response.json()["error_id"] in _logged(server, response.json()["error_id"])


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_what_the_node_writes_is_its_users_alone(tmp_path: Path) -> None:
    path = tmp_path / "node.sqlite"
    url = f"sqlite:///{path}"
    token = add_user(url, "officer.modes", Role.BORDER_OFFICER)
    path.chmod(0o644)  # as nodes before this rule left it
    with NodeServer(url, tmp_path, init=False) as server:
        with server.client(token, "modes test") as client:
            assert client.post("/v1/crossings", json=_crossing()).status_code == 201
        written = [path, path.with_name("node.sqlite-wal"), path.with_name("node.sqlite-shm")]
        assert {file.name: oct(_mode(file)) for file in written} == {
            file.name: "0o600" for file in written}
    snapshot = path.with_name("node.sqlite.alerts-index")
    assert _mode(snapshot) == 0o600  # written when the node stopped
    # a new node: its folder 0700, its files 0600
    fresh = tmp_path / "fresh" / "var" / "node.sqlite"
    with NodeServer(f"sqlite:///{fresh}", tmp_path / "fresh"):
        pass
    assert _mode(fresh.parent) == 0o700
    made = sorted(fresh.parent.iterdir())
    assert made and {file.name: oct(_mode(file)) for file in made} == {
        file.name: "0o600" for file in made}
    keys = tmp_path / "keys"
    done = subprocess.run([str(CTA), "keys", "init", "--state", "GEO", "--dir", str(keys)],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _mode(keys) == 0o700
    assert _mode(keys / "GEO.key") == 0o600  # the public key GEO.pub is meant to be shared
