"""When a staff member's web session ends: after a time idle, and after a time in all.

OWASP's Session Management Cheat Sheet asks for both: an idle timeout that ends a session left
open on a shared border-post computer, and an absolute one that ends even a busy session, so a
stolen session cookie is worth a bounded time only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["SessionPolicy", "StaffSession"]


@dataclass(frozen=True, slots=True)
class SessionPolicy:
    """How long a session lives: ``idle`` since its last use, ``absolute`` since sign-in."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    # a session's last use is written at most this often (not on every page)
    touch_every: timedelta = timedelta(minutes=1)

    def __post_init__(self) -> None:
        if self.idle <= timedelta(0) or self.absolute <= timedelta(0):
            raise ValueError("a session's idle and absolute lifetimes must be positive")

    def ends_at(self, created_at: datetime, last_seen_at: datetime) -> datetime:
        """The instant the session ends unless it is used before then."""
        return min(last_seen_at + self.idle, created_at + self.absolute)

    def expired(self, created_at: datetime, last_seen_at: datetime, now: datetime) -> bool:
        return now >= self.ends_at(created_at, last_seen_at)

    def needs_touch(self, last_seen_at: datetime, now: datetime) -> bool:
        """Whether this use should be written as the session's last use: every
        ``touch_every``, and at least twice per ``idle``, so that a session in use never ends
        for want of a write (with ``CTA_SESSION_IDLE_SECONDS=5`` an officer using the console
        every second was signed out after 5 seconds)."""
        return now - last_seen_at >= min(self.touch_every, self.idle / 2)


@dataclass(frozen=True, slots=True)
class StaffSession:
    """A signed-in staff member: who, with which role, the form token, and its times."""

    key_hash: str  # SHA-256 of the cookie's value: the database never holds the cookie
    user_name: str
    role: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
