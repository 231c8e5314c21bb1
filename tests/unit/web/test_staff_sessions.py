"""Staff web sessions: sign-in with a token or a password, expiry when idle and in all,
sign-out, each session's own form token, and audited sign-ins (in-memory store, fake clock)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cta.domain.roles import Role
from cta.domain.staff_sessions import SessionPolicy
from cta.services.node import Actor
from cta.services.passwords import PasswordError
from cta.services.staff_sessions import (
    MemorySessionStore,
    StaffSessions,
    TooManyFailuresError,
    UnknownUserError,
)

T0 = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
TOKENS = {"tok-officer": Actor("officer.tbs", Role.BORDER_OFFICER)}
POLICY = SessionPolicy(idle=timedelta(minutes=30), absolute=timedelta(hours=8))


class Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store() -> MemorySessionStore:
    return MemorySessionStore([("officer.tbs", Role.BORDER_OFFICER),
                               ("consul", Role.CONSULAR_OFFICER)])


@pytest.fixture
def sessions(store: MemorySessionStore, clock: Clock) -> StaffSessions:
    return StaffSessions(store, TOKENS.get, clock, POLICY)


def test_a_user_signs_in_with_a_token_and_the_cookie_finds_the_session(
    sessions: StaffSessions, store: MemorySessionStore
) -> None:
    opened = sessions.sign_in_with_token("tok-officer")
    assert opened is not None
    key, session = opened
    assert (session.user_name, session.role) == ("officer.tbs", "border_officer")
    assert key not in store.sessions and session.key_hash in store.sessions  # only its hash
    assert sessions.current(key) == session
    assert [(e.user_name, e.action) for e in store.audited] == [("officer.tbs", "web_sign_in")]


def test_a_wrong_or_empty_token_opens_nothing(sessions: StaffSessions) -> None:
    assert sessions.sign_in_with_token("tok-nobody") is None
    assert sessions.sign_in_with_token("   ") is None


def test_a_user_signs_in_with_the_password_set_for_them(sessions: StaffSessions) -> None:
    sessions.set_password("consul", "a long enough secret")
    assert sessions.sign_in_with_password("consul", "a long enough secret") is not None
    assert sessions.sign_in_with_password("consul", "a long enough secreT") is None
    assert sessions.sign_in_with_password("officer.tbs", "a long enough secret") is None  # none set
    assert sessions.sign_in_with_password("nobody", "a long enough secret") is None


def test_a_deactivated_user_cannot_sign_in_and_loses_the_open_session(
    sessions: StaffSessions, store: MemorySessionStore
) -> None:
    sessions.set_password("consul", "a long enough secret")
    opened = sessions.sign_in_with_password("consul", "a long enough secret")
    assert opened is not None
    store.users["consul"] = store.users["consul"].__class__(
        "consul", "consular_officer", False, store.users["consul"].password_hash)
    assert sessions.current(opened[0]) is None
    assert sessions.sign_in_with_password("consul", "a long enough secret") is None


def test_a_password_for_an_unknown_user_or_a_short_one_is_refused(
    sessions: StaffSessions,
) -> None:
    with pytest.raises(UnknownUserError):
        sessions.set_password("nobody", "a long enough secret")
    with pytest.raises(PasswordError, match="at least 12"):
        sessions.set_password("consul", "short")


def test_a_session_left_idle_ends(sessions: StaffSessions, clock: Clock) -> None:
    key, _ = sessions.sign_in_with_token("tok-officer") or ("", None)
    clock.advance(minutes=29)
    assert sessions.current(key) is not None
    clock.advance(minutes=29)  # used 29 minutes ago: still alive
    assert sessions.current(key) is not None
    clock.advance(minutes=30)
    assert sessions.current(key) is None
    clock.advance(minutes=-30)
    assert sessions.current(key) is None  # ended sessions are removed, not just hidden


def test_a_busy_session_still_ends_after_its_absolute_lifetime(
    sessions: StaffSessions, clock: Clock
) -> None:
    key, _ = sessions.sign_in_with_token("tok-officer") or ("", None)
    for _ in range(8 * 4 - 1):  # used every 15 minutes for almost 8 hours
        clock.advance(minutes=15)
        assert sessions.current(key) is not None
    clock.advance(minutes=15)
    assert sessions.current(key) is None


def test_a_session_in_use_lives_on_when_its_idle_time_is_under_a_minute(
    store: MemorySessionStore, clock: Clock
) -> None:
    """The last use was written at most once a minute: with ``CTA_SESSION_IDLE_SECONDS=5``
    an officer using the console every second was signed out after 5 seconds (the sweep of
    session 17, on a real server)."""
    short = SessionPolicy(idle=timedelta(seconds=5), absolute=timedelta(hours=8))
    sessions = StaffSessions(store, TOKENS.get, clock, short)
    key, _ = sessions.sign_in_with_token("tok-officer") or ("", None)
    for _ in range(60):  # used every second for a minute
        clock.advance(seconds=1)
        assert sessions.current(key) is not None
    clock.advance(seconds=6)
    assert sessions.current(key) is None


def test_signing_out_ends_the_session_and_is_audited(
    sessions: StaffSessions, store: MemorySessionStore
) -> None:
    key, session = sessions.sign_in_with_token("tok-officer") or ("", None)
    assert session is not None
    sessions.sign_out(session)
    assert sessions.current(key) is None
    assert [e.action for e in store.audited] == ["web_sign_in", "web_sign_out"]


def test_each_session_has_its_own_key_and_form_token(sessions: StaffSessions) -> None:
    first = sessions.sign_in_with_token("tok-officer")
    second = sessions.sign_in_with_token("tok-officer")
    assert first is not None and second is not None
    assert first[0] != second[0]
    assert first[1].csrf_token != second[1].csrf_token and len(first[1].csrf_token) >= 32


def test_a_new_sign_in_clears_sessions_that_have_ended(
    sessions: StaffSessions, store: MemorySessionStore, clock: Clock
) -> None:
    sessions.sign_in_with_token("tok-officer")
    clock.advance(hours=1)
    sessions.sign_in_with_token("tok-officer")
    assert len(store.sessions) == 1


def test_an_overlong_or_unknown_cookie_is_no_session(sessions: StaffSessions) -> None:
    assert sessions.current("x" * 101) is None
    assert sessions.current("not-a-key") is None
    assert sessions.current(None) is None


def test_the_policy_ends_a_session_at_the_earlier_of_its_two_limits() -> None:
    created = T0
    assert POLICY.ends_at(created, created) == created + timedelta(minutes=30)
    late = created + timedelta(hours=7, minutes=50)
    assert POLICY.ends_at(created, late) == created + timedelta(hours=8)
    with pytest.raises(ValueError, match="positive"):
        SessionPolicy(idle=timedelta(0))


def test_many_failed_passwords_for_one_name_are_refused_unchecked_for_a_while(
    sessions: StaffSessions, clock: Clock
) -> None:
    sessions.set_password("consul", "a long enough secret")
    for _ in range(10):
        assert sessions.sign_in_with_password("consul", "a wrong guess!!") is None
        clock.advance(seconds=30)
    with pytest.raises(TooManyFailuresError):
        sessions.sign_in_with_password("consul", "a long enough secret")  # even the right one
    assert sessions.sign_in_with_token("tok-officer") is not None  # other users are not held
    clock.advance(minutes=11)  # the first failure is now 15 minutes old
    assert sessions.sign_in_with_password("consul", "a long enough secret") is not None


def test_a_successful_sign_in_forgets_the_failures(sessions: StaffSessions) -> None:
    sessions.set_password("consul", "a long enough secret")
    for _ in range(9):
        sessions.sign_in_with_password("consul", "a wrong guess!!")
    assert sessions.sign_in_with_password("consul", "a long enough secret") is not None
    for _ in range(9):
        sessions.sign_in_with_password("consul", "a wrong guess!!")
    assert sessions.sign_in_with_password("consul", "a long enough secret") is not None


def test_a_browser_that_signs_in_again_leaves_its_old_session_behind(
    sessions: StaffSessions,
) -> None:
    old_key, _ = sessions.sign_in_with_token("tok-officer") or ("", None)
    sessions.sign_in_with_token("tok-officer")
    sessions.forget(old_key)
    assert sessions.current(old_key) is None
