"""Consultations between members on applications (``consultations``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from cta.adapters.storage import tables as t
from cta.adapters.storage.transaction.base import TransactionBase

__all__ = ["ConsultationRows"]

_c = t.consultations.c


class ConsultationRows(TransactionBase):
    """Consultations this node asked, and those it was asked."""

    def add_consultation(self, **fields: Any) -> int:
        result = self.c.execute(insert(t.consultations), fields)
        return int(result.inserted_primary_key[0])

    def set_consultation_ref(self, row_id: int, ref: str) -> None:
        self.c.execute(update(t.consultations).where(_c.id == row_id).values(ref=ref))

    def consultation(self, ref: str, *, lock: bool = False) -> dict[str, Any] | None:
        query = select(t.consultations).where(_c.ref == ref)
        if lock and self.c.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.c.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def consultations_asked_of(
        self, state: str, *, open_only: bool, after: int, limit: int
    ) -> list[dict[str, Any]]:
        """Consultations other members asked of ``state``, the earliest due first (then by
        id, so that ``after`` pages through them)."""
        query = select(t.consultations).where(_c.consulted_state == state,
                                              _c.origin.is_not(None), _c.id > after)  # fmt: skip
        if open_only:
            query = query.where(_c.opinion.is_(None))
        rows = self.c.execute(query.order_by(_c.due_at, _c.id).limit(limit)).mappings()
        return [dict(row) for row in rows]

    def consultations_of(self, asking_state: str, application: str) -> list[dict[str, Any]]:
        """The consultations ``asking_state`` made on one of its applications, in order."""
        query = (select(t.consultations)
                 .where(_c.asking_state == asking_state, _c.application == application)
                 .order_by(_c.asked_at, _c.id))  # fmt: skip
        return [dict(row) for row in self.c.execute(query).mappings()]

    def answer_consultation(
        self, ref: str, *, opinion: str, reasons: list[str], answered_at: datetime,
        answered_by: str | None,
    ) -> bool:
        """File the answer; False when the consultation was answered already (or is gone)."""
        result = self.c.execute(
            update(t.consultations).where(_c.ref == ref, _c.opinion.is_(None))
            .values(opinion=opinion, reasons=reasons, answered_at=answered_at,
                    answered_by=answered_by))  # fmt: skip
        return bool(result.rowcount)
