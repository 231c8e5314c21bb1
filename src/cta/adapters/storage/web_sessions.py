"""Staff web sessions and web passwords in the node's database (``SessionStore``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, insert, or_, select, update

from cta.adapters.storage import tables as t
from cta.adapters.storage.store import SqlStore
from cta.domain.staff_sessions import StaffSession
from cta.services.ports import AuditEntry
from cta.services.staff_sessions import StaffUser

__all__ = ["SqlSessionStore"]

s = t.web_sessions.c
u = t.users.c
w = t.web_passwords.c


class SqlSessionStore:
    """``cta.services.staff_sessions.SessionStore`` on SQLite or PostgreSQL."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def user(self, name: str) -> StaffUser | None:
        with self.store.transaction(read_only=True) as tx:
            row = tx.c.execute(
                select(u.name, u.role, u.active, w.password_hash)
                .select_from(t.users.outerjoin(t.web_passwords, w.user_name == u.name))
                .where(u.name == name)
            ).first()  # fmt: skip
        if row is None:
            return None
        return StaffUser(row.name, row.role, bool(row.active), row.password_hash)

    def set_password(self, name: str, password_hash: str, at: datetime) -> None:
        with self.store.transaction() as tx:
            changed = tx.c.execute(update(t.web_passwords).where(w.user_name == name)
                                   .values(password_hash=password_hash, set_at=at))  # fmt: skip
            if changed.rowcount == 0:
                tx.c.execute(insert(t.web_passwords).values(
                    user_name=name, password_hash=password_hash, set_at=at))  # fmt: skip
            # a new password ends the user's open sessions
            tx.c.execute(delete(t.web_sessions).where(s.user_name == name))

    def add(self, session: StaffSession) -> None:
        with self.store.transaction() as tx:
            tx.c.execute(insert(t.web_sessions).values(
                key_hash=session.key_hash, user_name=session.user_name, role=session.role,
                csrf_token=session.csrf_token, created_at=session.created_at,
                last_seen_at=session.last_seen_at))  # fmt: skip

    def get(self, key_hash: str) -> tuple[StaffSession, bool] | None:
        with self.store.transaction(read_only=True) as tx:
            row = tx.c.execute(
                select(s.key_hash, s.user_name, s.role, s.csrf_token, s.created_at,
                       s.last_seen_at, u.active)
                .select_from(t.web_sessions.outerjoin(t.users, u.name == s.user_name))
                .where(s.key_hash == key_hash)
            ).first()  # fmt: skip
        if row is None:
            return None
        session = StaffSession(row.key_hash, row.user_name, row.role, row.csrf_token,
                               _utc(row.created_at), _utc(row.last_seen_at))  # fmt: skip
        return session, bool(row.active)

    def touch(self, key_hash: str, at: datetime) -> None:
        with self.store.transaction() as tx:
            tx.c.execute(update(t.web_sessions).where(s.key_hash == key_hash)
                         .values(last_seen_at=at))  # fmt: skip

    def remove(self, key_hash: str) -> None:
        with self.store.transaction() as tx:
            tx.c.execute(delete(t.web_sessions).where(s.key_hash == key_hash))

    def remove_ended(self, idle_before: datetime, created_before: datetime) -> int:
        with self.store.transaction() as tx:
            gone = tx.c.execute(delete(t.web_sessions).where(
                or_(s.last_seen_at <= idle_before, s.created_at <= created_before)))  # fmt: skip
            return int(gone.rowcount or 0)

    def audit(self, entries: Sequence[AuditEntry], at: datetime) -> None:
        self.store.audit(entries, at)


def _utc(value: Any) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
