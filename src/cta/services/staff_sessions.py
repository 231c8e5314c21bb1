"""Use cases of the staff's web sessions: sign in (a token or a password), the session of a
request, sign out, and setting a password (``cta users password``).

The cookie holds a random key; the store holds only its SHA-256, so a copy of the database
opens no session. Each session has its own form token (CSRF), checked on every POST. Sign-ins
and sign-outs are audited. ``MemorySessionStore`` is the in-memory twin of the SQL store.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from cta.domain.roles import Role
from cta.domain.staff_sessions import SessionPolicy, StaffSession
from cta.services.node import Actor
from cta.services.passwords import hash_password, verify_password
from cta.services.ports import AuditEntry

__all__ = ["MemorySessionStore", "SessionStore", "SignInThrottle", "StaffSessions", "StaffUser",
           "TooManyFailuresError", "UnknownUserError"]

PURPOSE = "staff web sign-in"


@dataclass(frozen=True, slots=True)
class StaffUser:
    name: str
    role: str
    active: bool
    password_hash: str | None


class UnknownUserError(LookupError):
    """No user of that name (``cta users add`` makes one)."""


class TooManyFailuresError(Exception):
    """Too many failed password sign-ins for one user name of late: refused unchecked."""


class SignInThrottle:
    """At most ``limit`` failed password sign-ins for one user name in ``period``; past that,
    sign-ins with that name are refused without checking the password until the oldest failure
    is ``period`` old. In each server process (guesses are also slowed by scrypt's cost)."""

    def __init__(self, limit: int = 10, period: timedelta = timedelta(minutes=15)) -> None:
        self.limit = limit
        self.period = period
        self._failures: dict[str, list[datetime]] = {}

    def check(self, name: str, now: datetime) -> None:
        recent = [at for at in self._failures.get(name, []) if now - at < self.period]
        if recent:
            self._failures[name] = recent
        else:
            self._failures.pop(name, None)
        if len(recent) >= self.limit:
            raise TooManyFailuresError(name)

    def failed(self, name: str, now: datetime) -> None:
        if len(self._failures) > 10_000:  # bounded memory against a flood of made-up names
            self._failures.clear()
        self._failures.setdefault(name, []).append(now)

    def succeeded(self, name: str) -> None:
        self._failures.pop(name, None)


class SessionStore(Protocol):
    """Where sessions and passwords are kept (the node's database, or memory in unit tests)."""

    def user(self, name: str) -> StaffUser | None: ...
    def set_password(self, name: str, password_hash: str, at: datetime) -> None: ...
    def add(self, session: StaffSession) -> None: ...
    def get(self, key_hash: str) -> tuple[StaffSession, bool] | None:
        """The session and whether its user is still active."""
        ...
    def touch(self, key_hash: str, at: datetime) -> None: ...
    def remove(self, key_hash: str) -> None: ...
    def remove_ended(self, idle_before: datetime, created_before: datetime) -> int: ...
    def audit(self, entries: Sequence[AuditEntry], at: datetime) -> None: ...


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class StaffSessions:
    """Sign-in, the current session, sign-out."""

    def __init__(
        self,
        store: SessionStore,
        authenticate: Callable[[str], Actor | None],
        clock: Callable[[], datetime],
        policy: SessionPolicy | None = None,
    ) -> None:
        self.store = store
        self.authenticate = authenticate  # Node.authenticate
        self.clock = clock
        self.policy = policy or SessionPolicy()
        self.throttle = SignInThrottle()

    def sign_in_with_token(self, token: str) -> tuple[str, StaffSession] | None:
        """A new session for the user of this bearer token, or None."""
        actor = self.authenticate(token.strip()[:500]) if token.strip() else None
        if actor is None:
            return None
        return self._open(actor.name, actor.role.value, "token")

    def sign_in_with_password(self, name: str, password: str) -> tuple[str, StaffSession] | None:
        """A new session when the password is the user's, or None (the same work either way);
        TooManyFailuresError after too many failures for this name of late."""
        name = name.strip()[:100]
        self.throttle.check(name, self.clock())
        user = self.store.user(name) if name else None
        stored = user.password_hash if user is not None else None
        if not verify_password(password, stored) or user is None or not user.active:
            self.throttle.failed(name, self.clock())
            return None
        self.throttle.succeeded(name)
        return self._open(user.name, user.role, "password")

    def _open(self, name: str, role: str, method: str) -> tuple[str, StaffSession]:
        now = self.clock()
        self.store.remove_ended(now - self.policy.idle, now - self.policy.absolute)
        key = secrets.token_urlsafe(32)
        session = StaffSession(key_hash(key), name, role, secrets.token_urlsafe(32), now, now)
        self.store.add(session)
        self._audit(session, "web_sign_in", method)
        return key, session

    def current(self, key: str | None) -> StaffSession | None:
        """The live session of this cookie value, its last use noted; None when there is none,
        it has ended, or its user was deactivated."""
        if not key or len(key) > 100:
            return None
        found = self.store.get(key_hash(key))
        if found is None:
            return None
        session, active = found
        now = self.clock()
        if not active or self.policy.expired(session.created_at, session.last_seen_at, now):
            self.store.remove(session.key_hash)
            return None
        if self.policy.needs_touch(session.last_seen_at, now):
            self.store.touch(session.key_hash, now)
            session = replace(session, last_seen_at=now)
        return session

    def forget(self, key: str) -> None:
        """Remove the session of this cookie value, if any (a browser that signs in again)."""
        if key and len(key) <= 100:
            self.store.remove(key_hash(key))

    def sign_out(self, session: StaffSession) -> None:
        self.store.remove(session.key_hash)
        self._audit(session, "web_sign_out", None)

    def set_password(self, name: str, password: str) -> None:
        """Set (or replace) a user's password; UnknownUserError when there is no such user."""
        if self.store.user(name) is None:
            raise UnknownUserError(f"there is no user {name!r} (cta users add makes one)")
        self.store.set_password(name, hash_password(password), self.clock())

    def _audit(self, session: StaffSession, action: str, method: str | None) -> None:
        detail = {"method": method} if method else None
        self.store.audit([AuditEntry(session.user_name, session.role, action, PURPOSE, None,
                                     detail)], self.clock())  # fmt: skip


class MemorySessionStore:
    """``SessionStore`` in memory, for unit tests."""

    def __init__(self, users: Sequence[tuple[str, Role]] = ()) -> None:
        self.users = {name: StaffUser(name, role.value, True, None) for name, role in users}
        self.sessions: dict[str, StaffSession] = {}
        self.audited: list[AuditEntry] = []

    def user(self, name: str) -> StaffUser | None:
        return self.users.get(name)

    def set_password(self, name: str, password_hash: str, at: datetime) -> None:
        self.users[name] = replace(self.users[name], password_hash=password_hash)

    def add(self, session: StaffSession) -> None:
        self.sessions[session.key_hash] = session

    def get(self, key_hash: str) -> tuple[StaffSession, bool] | None:
        session = self.sessions.get(key_hash)
        if session is None:
            return None
        user = self.users.get(session.user_name)
        return session, user is None or user.active

    def touch(self, key_hash: str, at: datetime) -> None:
        if key_hash in self.sessions:
            self.sessions[key_hash] = replace(self.sessions[key_hash], last_seen_at=at)

    def remove(self, key_hash: str) -> None:
        self.sessions.pop(key_hash, None)

    def remove_ended(self, idle_before: datetime, created_before: datetime) -> int:
        ended = [k for k, s in self.sessions.items()
                 if s.last_seen_at <= idle_before or s.created_at <= created_before]  # fmt: skip
        for k in ended:
            del self.sessions[k]
        return len(ended)

    def audit(self, entries: Sequence[AuditEntry], at: datetime) -> None:
        self.audited.extend(entries)
