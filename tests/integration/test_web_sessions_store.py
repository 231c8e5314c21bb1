"""Staff web sessions and passwords in the node's database, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from cta.adapters.storage.web_sessions import SqlSessionStore
from cta.bootstrap import build_node
from cta.domain.roles import Role
from cta.domain.staff_sessions import SessionPolicy
from cta.services.node import Node
from cta.services.staff_sessions import StaffSessions
from cta.settings import Settings

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def node(database_url: str) -> Iterator[Node]:
    built = build_node(Settings(database_url=database_url))
    yield built
    built.store.engine.dispose()  # type: ignore[attr-defined]


def _sessions(node: Node, at: list[datetime]) -> StaffSessions:
    policy = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=8))
    return StaffSessions(SqlSessionStore(node.store), node.authenticate, lambda: at[0], policy)


def test_a_password_sign_in_a_session_and_its_end_are_kept_in_the_database(node: Node) -> None:
    node.add_user("consul.tbs", Role.CONSULAR_OFFICER)
    now = [T0]
    sessions = _sessions(node, now)
    sessions.set_password("consul.tbs", "a long enough secret")
    opened = sessions.sign_in_with_password("consul.tbs", "a long enough secret")
    assert opened is not None
    key, session = opened
    found = sessions.current(key)
    assert found is not None and found.created_at == T0 and found.csrf_token == session.csrf_token
    now[0] = T0 + timedelta(minutes=20)
    assert sessions.current(key) is not None  # touched: idle counts from here
    now[0] = T0 + timedelta(minutes=45)
    assert sessions.current(key) is not None
    now[0] = T0 + timedelta(minutes=80)
    assert sessions.current(key) is None
    with node.store.transaction(read_only=True) as tx:
        audit = tx.audit_page(0, 10)
    # cta users add is audited as user administration by the operator (session 17)
    assert [(a["user_name"], a["action"]) for a in audit] == [
        ("operator", "add user"),
        ("consul.tbs", "web_sign_in"),
    ]


def test_a_new_password_replaces_the_old_and_ends_open_sessions(node: Node) -> None:
    node.add_user("consul.tbs", Role.CONSULAR_OFFICER)
    sessions = _sessions(node, [T0])
    sessions.set_password("consul.tbs", "the first secret")
    key, _ = sessions.sign_in_with_password("consul.tbs", "the first secret") or ("", None)
    sessions.set_password("consul.tbs", "the second secret")
    assert sessions.current(key) is None
    assert sessions.sign_in_with_password("consul.tbs", "the first secret") is None
    assert sessions.sign_in_with_password("consul.tbs", "the second secret") is not None


def test_a_token_sign_in_and_sign_out(node: Node) -> None:
    token = node.add_user("officer.tbs", Role.BORDER_OFFICER)
    sessions = _sessions(node, [T0])
    key, session = sessions.sign_in_with_token(token) or ("", None)
    assert session is not None and session.role == "border_officer"
    sessions.sign_out(session)
    assert sessions.current(key) is None


@pytest.mark.parametrize("change", ["token", "role"])
def test_a_token_sign_in_reads_the_user_as_the_database_has_them_now(
    node: Node, change: str
) -> None:
    """A session outlives the node's cache of tokens (5 s), so a sign-in does not take the
    cache's word: a token replaced (``cta users token``, in another process) opened a session
    that lasted hours, and a role changed (``cta users role``) one with the old role (review
    of session 17)."""
    from cta.entrypoints.api.app import create_app
    from cta.services.node.core import hash_token

    token = node.add_user("admin.tbs", Role.ADMIN)
    sessions = create_app(node).state.staff_sessions  # as the node's web pages have it
    assert node.authenticate(token) is not None  # an API call: the token's user is cached
    with node.store.transaction() as tx:  # what another process's cta users command does
        if change == "token":
            assert tx.change_user("admin.tbs", token_hash=hash_token("a new token"))
        else:
            assert tx.change_user("admin.tbs", role=Role.BORDER_OFFICER.value)
    opened = sessions.sign_in_with_token(token)
    if change == "token":
        assert opened is None
    else:
        assert opened is not None and opened[1].role == "border_officer"
