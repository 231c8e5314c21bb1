"""Aggregate queries for analysts: counts only, never a person (``cta.services.statistics``)."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from sqlalchemy import Engine, func, literal, select, union_all
from sqlalchemy.exc import IntegrityError

from cta.adapters.storage import tables as t

__all__ = ["SqlAggregates"]

SECRET = "statistics_secret"  # node_meta: the key of the small cells' rounding


class SqlAggregates:
    """Counts of crossings, refusals and internal checks per cell: day, crossing point,
    nationality, measure."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._secret: bytes | None = None

    def cells(self, first: date, last: date) -> list[dict[str, Any]]:
        """``{day, crossing_point, nationality, measure, count}`` of every cell with a count."""
        c, r, p = t.crossings.c, t.refusals.c, t.persons.c
        crossings = (
            select(c.local_date.label("day"), c.crossing_point, p.nationality,
                   c.direction.label("direction"), func.count().label("count"))
            .select_from(t.crossings.join(t.persons, p.id == c.person_id))
            .where(c.local_date >= first, c.local_date <= last)
            .group_by(c.local_date, c.crossing_point, p.nationality, c.direction)
        )  # fmt: skip
        refusals = (
            select(r.local_date.label("day"), r.crossing_point, p.nationality,
                   literal("refusal").label("direction"), func.count().label("count"))
            .select_from(t.refusals.join(t.persons, p.id == r.person_id))
            .where(r.local_date >= first, r.local_date <= last)
            .group_by(r.local_date, r.crossing_point, p.nationality)
        )  # fmt: skip
        k = t.internal_check_records.c
        internal = [
            select(k.local_date.label("day"), k.crossing_point, k.nationality,
                   literal(name).label("direction"), func.count().label("count"))
            .where(k.local_date >= first, k.local_date <= last, *where)
            .group_by(k.local_date, k.crossing_point, k.nationality)
            for name, where in (("internal", ()), ("internal_refusal", (k.outcome == "refused",)))
        ]  # fmt: skip
        names = {"entry": "entries", "exit": "exits", "refusal": "refusals",
                 "internal": "internal_checks", "internal_refusal": "internal_refusals"}
        with self.engine.connect() as connection:
            rows = connection.execute(union_all(crossings, refusals, *internal))
            return [{"day": _day(row.day), "crossing_point": row.crossing_point,
                     "nationality": row.nationality, "measure": names[row.direction],
                     "count": int(row[4])} for row in rows]  # fmt: skip

    def secret(self) -> bytes:
        """The node's key for rounding small cells (made by migration 0007; made here if a
        database lacks it). Never changed: a new key would draw every small cell anew."""
        if self._secret is None:
            value = self._stored_secret()
            if value is None:
                try:
                    with self.engine.begin() as connection:
                        connection.execute(t.node_meta.insert().values(
                            key=SECRET, value=secrets.token_hex(32)))  # fmt: skip
                except IntegrityError:  # another worker made it first
                    pass
                value = self._stored_secret()
            self._secret = bytes.fromhex(str(value))
        return self._secret

    def _stored_secret(self) -> str | None:
        m = t.node_meta.c
        with self.engine.connect() as connection:
            value = connection.execute(select(m.value).where(m.key == SECRET)).scalar()
        return None if value is None else str(value)


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
