"""The audit log, the sweeps over persons (who is inside, who is past retention, a person
deleted), the node's users, and the stored answers of idempotent requests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, delete, exists, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from cta.adapters.storage import tables as t
from cta.adapters.storage.transaction.base import DuplicateError, TransactionBase, prepared_insert
from cta.services.ports import AuditEntry, UserRow

__all__ = ["AuditRows"]

_AUDIT_COLUMNS = ("at", "user_name", "role", "action", "person_id", "purpose", "detail")


class AuditRows(TransactionBase):
    """The audit log, sweeps, users and idempotency."""

    def audit(self, entry: AuditEntry, at: datetime) -> None:
        self.audit_many([(entry, at)])

    def audit_many(self, entries: Sequence[tuple[AuditEntry, datetime]]) -> None:
        # on the driver's cursor: every check and entry writes one (``_PreparedInsert``)
        prepared_insert(self.c, t.audit_log, _AUDIT_COLUMNS).run(self.c, [
            {"at": at, "user_name": e.user_name, "role": e.role, "action": e.action,
             "person_id": e.person_id, "purpose": e.purpose, "detail": e.detail or {}}
            for e, at in entries
        ])  # fmt: skip

    def audit_of(self, person_id: int) -> list[dict[str, Any]]:
        rows = self.c.execute(
            select(t.audit_log).where(t.audit_log.c.person_id == person_id).order_by("id")
        )
        return [dict(r._mapping) for r in rows]

    def audit_page(self, after: int, limit: int) -> list[dict[str, Any]]:
        rows = self.c.execute(
            select(t.audit_log).where(t.audit_log.c.id > after).order_by("id").limit(limit)
        )
        return [dict(r._mapping) for r in rows]

    def persons_inside(self, on: date, after: int, limit: int) -> list[int]:
        """Persons whose last crossing on or before ``on`` is an entry, by id after ``after``."""
        last = (
            select(t.crossings.c.person_id, func.max(t.crossings.c.occurred_at).label("at"))
            .where(t.crossings.c.local_date <= on, t.crossings.c.person_id > after)
            .group_by(t.crossings.c.person_id)
            .subquery()
        )
        rows = self.c.execute(
            select(last.c.person_id)
            .join(
                t.crossings,
                and_(
                    t.crossings.c.person_id == last.c.person_id,
                    t.crossings.c.occurred_at == last.c.at,
                ),
            )
            .where(t.crossings.c.direction == "entry")
            .order_by(last.c.person_id)
            .limit(limit)
        )
        return [int(r[0]) for r in rows]

    def persons_to_purge(self, before: date, overstayer_before: date, limit: int) -> list[int]:
        p, c = t.persons.c, t.crossings.c
        # retention runs from the last record of any kind (exit, refusal) while the person is
        # out: one whose latest crossing is an entry is inside the area, and kept
        later = t.crossings.alias("later")
        latest = (
            select(func.max(later.c.occurred_at))
            .where(later.c.person_id == p.id)
            .correlate(t.persons)
            .scalar_subquery()
        )
        inside = exists().where(c.person_id == p.id, c.occurred_at == latest,
                                c.direction == "entry")  # fmt: skip
        rows = self.c.execute(
            select(p.id)
            .where(
                p.last_seen.is_not(None),
                ~inside,
                ((p.overstayed.is_(False)) & (p.last_seen < before))
                | ((p.overstayed.is_(True)) & (p.last_seen < overstayer_before)),
            )
            .order_by(p.id)
            .limit(limit)
            # each locked, in id order, before its records are touched: a peer's deletion
            # applied meanwhile locks its persons in the same order (``persons_of_records``),
            # where the purge redacting records first and the person last met it in a deadlock
            .with_for_update(of=t.persons)
        )
        return [int(r[0]) for r in rows]

    def delete_person(self, person_id: int) -> None:
        """The person and every record of theirs, the outbox's copies included."""
        for table in (t.crossings, t.refusals, t.visas, t.authorizations, t.alert_decisions,
                      t.documents, t.outbox):  # records are redacted, not deleted (federation)
            self.c.execute(delete(table).where(table.c.person_id == person_id))
        self.c.execute(delete(t.persons).where(t.persons.c.id == person_id))

    def user_by_token_hash(self, token_hash: str) -> UserRow | None:
        row = self.c.execute(
            select(t.users.c.id, t.users.c.name, t.users.c.role, t.users.c.active).where(
                t.users.c.token_hash == token_hash
            )
        ).first()
        return UserRow(**row._mapping) if row else None

    def add_user(self, name: str, role: str, token_hash: str, at: datetime) -> int:
        try:
            with self.c.begin_nested():
                result = self.c.execute(
                    insert(t.users).values(
                        name=name, role=role, token_hash=token_hash, created_at=at, active=True
                    )
                )
        except IntegrityError as exc:
            raise DuplicateError(f"a user named {name!r} exists already") from exc
        return int(result.inserted_primary_key[0])

    def users(self, used_since: datetime, made_since: datetime) -> list[dict[str, Any]]:
        """Every user: name, role, active, created_at, whether a password is set, and how many
        web sessions are open (used since ``used_since``, made since ``made_since``: the
        sessions' idle and absolute lifetimes); never a token or a password's hash."""
        u, w, s = t.users.c, t.web_passwords.c, t.web_sessions.c
        sessions = (select(func.count()).where(s.user_name == u.name,
                                               s.last_seen_at > used_since,
                                               s.created_at > made_since)
                    .correlate(t.users).scalar_subquery())  # fmt: skip
        rows = self.c.execute(
            select(u.name, u.role, u.active, u.created_at,
                   w.password_hash.is_not(None).label("password"), sessions.label("sessions"))
            .select_from(t.users.outerjoin(t.web_passwords, w.user_name == u.name))
            .order_by(u.name))  # fmt: skip
        return [dict(row._mapping) for row in rows]

    def change_user(self, name: str, **fields: Any) -> bool:
        """Set a user's ``active``, ``role`` or ``token_hash`` and end their open web sessions
        (a session keeps the role it was opened with); False when there is no such user."""
        changed = self.c.execute(update(t.users).where(t.users.c.name == name).values(**fields))
        if changed.rowcount == 0:
            return False
        self.c.execute(delete(t.web_sessions).where(t.web_sessions.c.user_name == name))
        return True

    def idempotent_response(self, user: str, key: str) -> tuple[str, int, Any] | None:
        row = self.c.execute(
            select(t.idempotency.c.request_hash, t.idempotency.c.status, t.idempotency.c.body)
            .where(t.idempotency.c.user_name == user, t.idempotency.c.key == key)
        ).first()
        return (row[0], int(row[1]), row[2]) if row else None

    def save_response(
        self, user: str, key: str, request_hash: str, status: int, body: Any, at: datetime
    ) -> None:
        try:
            with self.c.begin_nested():
                self.c.execute(
                    insert(t.idempotency).values(
                        user_name=user, key=key, request_hash=request_hash, status=status,
                        body=body, at=at,
                    )
                )
        except IntegrityError as exc:
            raise DuplicateError("this idempotency key was used at the same time") from exc
