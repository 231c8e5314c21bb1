"""A user's life on a running node, through the real ``cta users`` commands: disabled (their
token is refused within the node's token cache and their web session ends), enabled again,
given another role (the open session, which keeps the role it was opened with, ends), given a
new token (the old one is refused); every change audited; listed without any secret. On
SQLite and PostgreSQL, against a real ``cta serve``."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text

from cta.domain.roles import Role
from cta.services.node.core import TOKEN_CACHE
from tests.integration.node_server import CTA, NodeServer, _environment, cli_add_user
from tests.integration.web_client import signed_in


@pytest.fixture
def node(database_url: str, tmp_path: Path) -> Iterator[NodeServer]:
    with NodeServer(database_url, tmp_path / "node") as server:
        yield server


def users(node: NodeServer, *args: str | bytes, **env: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run([str(CTA).encode(), b"users",
                           *(a if isinstance(a, bytes) else a.encode() for a in args)],
                          env=_environment(node.database_url, 1, "GEO") | env,
                          capture_output=True, timeout=60, check=False)  # fmt: skip
    return subprocess.CompletedProcess(done.args, done.returncode,
                                       done.stdout.decode("utf-8", "replace"),
                                       done.stderr.decode("utf-8", "replace"))  # fmt: skip


def health_as(node: NodeServer, token: str) -> int:
    """The status of an authenticated read (a day's statistics: an admin's or an analyst's)."""
    with httpx.Client(base_url=node.base_url, timeout=10) as client:
        return client.get("/v1/statistics", params={"from": "2026-01-01", "to": "2026-01-01"},
                          headers={"Authorization": f"Bearer {token}"}).status_code


def refused_within_the_cache(node: NodeServer, token: str) -> bool:
    deadline = time.monotonic() + TOKEN_CACHE.total_seconds() + 5
    while time.monotonic() < deadline:
        if health_as(node, token) == 401:
            return True
        time.sleep(0.25)
    return False


def test_a_user_is_disabled_enabled_given_a_role_and_a_token_and_each_is_audited(
    node: NodeServer,
) -> None:
    token = cli_add_user(node.database_url, "admin.life", Role.ADMIN)
    assert health_as(node, token) == 200
    with signed_in(node, token) as session:
        assert session.get("/officer").status_code in (200, 403)
        listed = [json.loads(line) for line in users(node, "list", "--json").stdout.splitlines()]
        [me] = [u for u in listed if u["name"] == "admin.life"]
        assert me == me | {"role": "admin", "active": True, "password": False, "sessions": 1}
        assert token not in json.dumps(listed)
        time.sleep(1.2)  # a session unused for a second is over under an idle time of one
        idle = users(node, "list", "--json", CTA_SESSION_IDLE_SECONDS="1").stdout.splitlines()
        assert [u["sessions"] for u in map(json.loads, idle) if u["name"] == "admin.life"] == [0]

        done = users(node, "disable", "admin.life")
        assert done.returncode == 0 and done.stdout.strip() == "admin.life: disabled"
        assert refused_within_the_cache(node, token)
        away = session.get("/statistics")
        assert away.status_code == 303 and away.headers["location"].startswith("/sign-in")

    assert users(node, "enable", "admin.life").returncode == 0
    deadline = time.monotonic() + TOKEN_CACHE.total_seconds() + 5
    while health_as(node, token) != 200:
        assert time.monotonic() < deadline, "the enabled user's token is still refused"
        time.sleep(0.25)

    with signed_in(node, token) as session:
        assert session.get("/statistics").status_code == 200  # an admin reads aggregates
        assert users(node, "role", "admin.life", "border_officer").returncode == 0
        away = session.get("/statistics")
        assert away.status_code == 303  # the admin's session ended with the role
    # a new session has the new role at once: a sign-in does not take the node's cache of
    # the token's user (which still says admin), a session would keep that role for hours
    with signed_in(node, token) as session:
        assert session.get("/statistics").status_code == 403

    made = users(node, "token", "admin.life", "--json")
    assert made.returncode == 0, made.stderr
    new = json.loads(made.stdout)["token"]
    assert new != token and refused_within_the_cache(node, token)
    with signed_in(node, new) as session:
        assert session.get("/officer").status_code == 200

    engine = create_engine(node.database_url)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text(
                "SELECT user_name, action, detail FROM audit_log WHERE purpose = "
                "'user administration' ORDER BY id")).all()  # fmt: skip
    finally:
        engine.dispose()
    actions = [(row[1], (row[2] if isinstance(row[2], dict) else json.loads(row[2]))["user"])
               for row in rows]  # fmt: skip
    assert actions == [("add user", "admin.life"), ("disable user", "admin.life"),
                       ("enable user", "admin.life"), ("change user role", "admin.life"),
                       ("new user token", "admin.life")]  # fmt: skip
    assert all(row[0].startswith("operator") for row in rows)
    assert new not in str(rows) and token not in str(rows)


def test_an_unknown_user_or_role_is_one_error_line_and_changes_nothing(
    node: NodeServer,
) -> None:
    token = cli_add_user(node.database_url, "officer.kept", Role.BORDER_OFFICER)
    for args in (("disable", "nobody"), ("enable", "nobody"), ("role", "nobody", "admin"),
                 ("token", "nobody")):  # fmt: skip
        done = users(node, *args)
        assert done.returncode == 2 and done.stdout == ""
        assert done.stderr.strip() == ("error: there is no user 'nobody' (cta users list "
                                       "shows them)"), done.stderr
    for name in (b"a\xffb", "x" * 5000, "evil\x1b[31m"):  # as cta users add refuses them
        for command in ("disable", "enable", "token"):
            done = users(node, command, name)
            assert done.returncode == 2 and done.stdout == "", done.stderr
            [line] = done.stderr.splitlines()
            assert "a name is 1-100 letters" in line and len(line) < 300 and "\x1b" not in line
    wrong = users(node, "role", "officer.kept", "king")
    assert wrong.returncode == 2 and "king" in wrong.stderr
    listed = users(node, "list", "--json").stdout
    assert '"role": "border_officer", "active": true' in listed
    assert health_as(node, token) == 403  # still an officer: statistics are not theirs
    done = subprocess.run([str(CTA), "users", "password", "officer.kept", "--stdin"],
                          input="a long enough password\n", text=True, capture_output=True,
                          env=_environment(node.database_url, 1, "GEO"), timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    engine = create_engine(node.database_url)
    try:
        with engine.connect() as connection:
            actions = connection.execute(text(
                "SELECT action FROM audit_log WHERE purpose = 'user administration' "
                "ORDER BY id")).scalars().all()  # fmt: skip
    finally:
        engine.dispose()
    assert actions == ["add user", "set user password"]  # nothing for the refused ones
