"""Aggregate queries for analysts: counts only, never a person (``cta.services.statistics``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Engine, func, select

from cta.adapters.storage import tables as t

__all__ = ["SqlAggregates"]


class SqlAggregates:
    """Counts of crossings and refusals by day, crossing point, direction and nationality."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def crossings_by(self, first: date, last: date, by: str) -> list[dict[str, Any]]:
        c, p = t.crossings.c, t.persons.c
        key = {"day": c.local_date, "crossing_point": c.crossing_point,
               "nationality": p.nationality}[by]  # fmt: skip
        query = (
            select(key.label("key"), c.direction, func.count().label("count"))
            .select_from(t.crossings.join(t.persons, t.persons.c.id == c.person_id))
            .where(c.local_date >= first, c.local_date <= last)
            .group_by(key, c.direction)
            .order_by(key, c.direction)
        )
        with self.engine.connect() as connection:
            return [dict(r._mapping) for r in connection.execute(query)]

    def refusals_by(self, first: date, last: date, by: str) -> list[dict[str, Any]]:
        r, p = t.refusals.c, t.persons.c
        key = {"day": r.local_date, "crossing_point": r.crossing_point,
               "nationality": p.nationality}[by]  # fmt: skip
        query = (
            select(key.label("key"), func.count().label("count"))
            .select_from(t.refusals.join(t.persons, t.persons.c.id == r.person_id))
            .where(r.local_date >= first, r.local_date <= last)
            .group_by(key)
            .order_by(key)
        )
        with self.engine.connect() as connection:
            return [dict(row._mapping) for row in connection.execute(query)]
