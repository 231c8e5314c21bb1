"""Temporary checks at internal borders (``internal_checks``) and the checks made under them
(``internal_check_records``), apart from crossings: no stay reads them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from cta.adapters.storage import tables as t
from cta.adapters.storage.transaction.base import TransactionBase

__all__ = ["InternalCheckRows"]

_r = t.internal_checks.c
_k = t.internal_check_records.c


class InternalCheckRows(TransactionBase):
    """Every member's reintroductions, and this node's internal checks."""

    def add_reintroduction(self, **fields: Any) -> int:
        result = self.c.execute(insert(t.internal_checks), fields)
        return int(result.inserted_primary_key[0])

    def set_reintroduction_ref(self, row_id: int, ref: str) -> None:
        self.c.execute(update(t.internal_checks).where(_r.id == row_id).values(ref=ref))

    def reintroduction(self, ref: str, *, lock: bool = False) -> dict[str, Any] | None:
        query = select(t.internal_checks).where(_r.ref == ref)
        if lock and self.c.dialect.name == "postgresql":
            query = query.with_for_update()
        row = self.c.execute(query).mappings().first()
        return dict(row) if row is not None else None

    def reintroductions(
        self, *, state: str | None = None, started_by: date | None = None
    ) -> list[dict[str, Any]]:
        """Reintroductions (of ``state``; begun by ``started_by``), the latest first."""
        query = select(t.internal_checks)
        if state is not None:
            query = query.where(_r.state == state)
        if started_by is not None:
            query = query.where(_r.first_day <= started_by)
        query = query.order_by(_r.first_day.desc(), _r.id.desc())
        return [dict(row) for row in self.c.execute(query).mappings()]

    def update_reintroduction(self, ref: str, **fields: Any) -> None:
        self.c.execute(update(t.internal_checks).where(_r.ref == ref).values(**fields))

    def add_internal_check(self, **fields: Any) -> int:
        result = self.c.execute(insert(t.internal_check_records), fields)
        return int(result.inserted_primary_key[0])

    def internal_checks_between(
        self, first: date, last: date, *, point: str | None = None
    ) -> list[dict[str, Any]]:
        """This node's internal checks on those days (at ``point``), in time order."""
        query = select(t.internal_check_records).where(_k.local_date.between(first, last))
        if point is not None:
            query = query.where(_k.crossing_point == point)
        query = query.order_by(_k.occurred_at, _k.id)
        return [dict(row) for row in self.c.execute(query).mappings()]

    def internal_check_counts(self, first: date, last: date) -> list[dict[str, Any]]:
        """``{local_date, crossing_point, outcome, count}`` for the statistics."""
        query = (select(_k.local_date, _k.crossing_point, _k.outcome, func.count().label("count"))
                 .where(_k.local_date.between(first, last))
                 .group_by(_k.local_date, _k.crossing_point, _k.outcome)
                 .order_by(_k.local_date, _k.crossing_point, _k.outcome))  # fmt: skip
        return [dict(row) for row in self.c.execute(query).mappings()]

    def delete_internal_checks_before(self, before: datetime) -> int:
        """Internal checks made before ``before``: past their retention."""
        result = self.c.execute(delete(t.internal_check_records)
                                .where(_k.occurred_at < before))  # fmt: skip
        return int(result.rowcount)
