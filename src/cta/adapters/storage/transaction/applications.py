"""The store's statements for applications (``cta.services.applications``): a mixin of
``SqlTransaction``, on its connection ``self.c``, the same on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, func, insert, or_, select, update

from cta.adapters.storage import tables as t

__all__ = ["ApplicationRows"]

_a, _d = t.applications.c, t.application_decisions.c
_OPEN = ("processing", "manual", "information_requested")
_TIMES = ("submitted_at", "deadline", "information_requested_at", "interview_at", "decided_at")


def _aware(row: Any) -> dict[str, Any]:
    """A row with its timestamps in UTC, as both drivers give them (sqlite3: naive text)."""
    found = dict(row._mapping)
    for name in _TIMES:
        value = found.get(name)
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        if name in found:
            found[name] = value
    return found


class ApplicationRows:
    """Rows of ``applications`` and ``application_decisions``."""

    c: Connection

    def add_application(self, **fields: Any) -> int:
        result = self.c.execute(insert(t.applications), fields)
        return int(result.inserted_primary_key[0])

    def application(self, number: str, *, lock: bool = False) -> dict[str, Any] | None:
        query = select(t.applications).where(_a.number == number)
        row = self.c.execute(query.with_for_update() if lock else query).first()
        return _aware(row) if row else None

    def update_application(self, number: str, **fields: Any) -> None:
        self.c.execute(update(t.applications).where(_a.number == number).values(**fields))

    def application_queue(self, first_state: str, limit: int) -> list[dict[str, Any]]:
        """Open applications of a first intended state, the oldest deadline first."""
        rows = self.c.execute(
            select(_a.number, _a.kind, _a.status, _a.nationality, _a.submitted_at, _a.deadline,
                   _a.claimed_by, _a.review)
            .where(_a.first_state == first_state, _a.status.in_(_OPEN))
            .order_by(_a.deadline, _a.id).limit(limit))  # fmt: skip
        return [_aware(r) for r in rows]

    def application_figures(
        self, first_state: str, now: datetime
    ) -> tuple[int, int, list[tuple[datetime, datetime]]]:
        """(open, open past their deadline, (submitted, decided) of each decided one)."""
        mine = _a.first_state == first_state
        waiting = self.c.execute(select(func.count()).where(mine, _a.status.in_(_OPEN)))
        late = self.c.execute(select(func.count()).where(mine, _a.status.in_(_OPEN),
                                                         _a.deadline < now))  # fmt: skip
        decided = [_aware(r) for r in self.c.execute(
            select(_a.submitted_at, _a.decided_at).where(mine, _a.decided_at.is_not(None)))]
        return (int(waiting.scalar_one()), int(late.scalar_one()),
                [(r["submitted_at"], r["decided_at"]) for r in decided])  # fmt: skip

    def add_application_decision(self, **fields: Any) -> None:
        self.c.execute(insert(t.application_decisions), fields)

    def drop_application_decisions(self, origin: str, number: str) -> None:
        """An allowed appeal: that application's refusal no longer counts."""
        self.c.execute(delete(t.application_decisions)
                       .where(_d.origin == origin, _d.number == number))  # fmt: skip

    def application_decisions_of(
        self, issuing_state: str, document_number: str, nationality: str,
        birth_date_raw: str, surname: str,
    ) -> list[dict[str, Any]]:  # fmt: skip
        """Refusals, annulments and revocations anywhere in the area of this document or of
        a person of the same identity (nationality, birth date, surname)."""
        rows = self.c.execute(select(t.application_decisions).where(or_(
            and_(_d.issuing_state == issuing_state, _d.document_number == document_number),
            and_(_d.nationality == nationality, _d.birth_date_raw == birth_date_raw,
                 _d.surname == surname))).order_by(_d.decided_at, _d.id))  # fmt: skip
        return [dict(r._mapping) for r in rows]

    def drop_applicant_replays(self, before: datetime) -> None:
        """Applicants' idempotent answers (they hold an access code) older than ``before``."""
        i = t.idempotency.c
        self.c.execute(delete(t.idempotency).where(i.user_name.like("applicant@%"),
                                                   i.at < before))  # fmt: skip

    def purge_applications(self, ended_before: str, decided_before: datetime) -> list[str]:
        """Delete the applications past retention (``cta.services.applications.purge``): a
        grant whose permit ended before ``ended_before`` (ISO date), a refusal, annulment or
        revocation decided before ``decided_before``; and the area's refusal rows as old.
        The numbers deleted."""
        granted = and_(_a.status == "granted", _a.decided_at.is_not(None))
        ended = and_(_a.status.in_(("refused", "annulled", "revoked")),
                     _a.decided_at < decided_before)
        rows = self.c.execute(select(_a.number, _a.status, _a.decision)
                              .where(or_(granted, ended)))  # fmt: skip
        gone = [number for number, status, decision in rows
                if status != "granted" or str((decision or {}).get("valid_to")) < ended_before]
        for first in range(0, len(gone), 500):
            self.c.execute(delete(t.applications).where(_a.number.in_(gone[first:first + 500])))
        self.c.execute(delete(t.application_decisions)
                       .where(_d.decided_at < decided_before))  # fmt: skip
        return gone
