"""The counts behind the statistics pages' figures (``cta.services.statistics_pages``).

Each query returns counts of the finest cells a figure is made of, never a person: the pages'
rounding and sums are ``cta.domain.statistics``'s. SQLAlchemy Core, the same on SQLite and
PostgreSQL (no JSON operators, no date arithmetic in SQL: the few rows that need either are
read as they are and counted in Python).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, exists, func, select

from cta.adapters.storage import tables as t
from cta.adapters.storage.aggregates import SqlAggregates
from cta.domain.statistics import ApplicationRow

__all__ = ["SqlStatistics"]


class SqlStatistics(SqlAggregates):
    """``SqlAggregates`` and the cells of the pages' other figures."""

    def exit_flows(self, first: date, last: date) -> list[tuple[date, str | None, str, int]]:
        """``(day, point of the entry before, point of the exit, persons)`` of the period's
        exits; the entry is the person's latest before the exit (None: none recorded here)."""
        c = t.crossings.c
        before = t.crossings.alias("before")
        b = before.c
        entered = (
            select(b.crossing_point)
            .where(b.person_id == c.person_id, b.direction == "entry",
                   b.occurred_at < c.occurred_at)
            .order_by(b.occurred_at.desc())
            .limit(1)
            .scalar_subquery()
        )  # fmt: skip
        exits = (
            select(c.local_date.label("day"), entered.label("entered"),
                   c.crossing_point.label("left"))
            .where(c.direction == "exit", c.local_date >= first, c.local_date <= last)
            .subquery()
        )  # fmt: skip
        e = exits.c
        query = select(e.day, e.entered, e.left, func.count()).group_by(e.day, e.entered, e.left)
        with self.engine.connect() as connection:
            return [(_day(row[0]), row[1], row[2], int(row[3]))
                    for row in connection.execute(query)]  # fmt: skip

    def refusal_grounds(self, first: date, last: date) -> list[tuple[date, str, str, list[str]]]:
        """``(day, point, nationality, Annex V letters)`` of each refusal of the period (the
        reasons' words are not read out of this method)."""
        r, p = t.refusals.c, t.persons.c
        query = (
            select(r.local_date, r.crossing_point, p.nationality, r.reasons)
            .select_from(t.refusals.join(t.persons, p.id == r.person_id))
            .where(r.local_date >= first, r.local_date <= last)
        )
        with self.engine.connect() as connection:
            return [(_day(row[0]), row[1], row[2], _letters(row[3]))
                    for row in connection.execute(query)]  # fmt: skip

    def applications_submitted(self, first: date, last: date) -> list[ApplicationRow]:
        """Kind, status and times of the applications submitted in the period (UTC days)."""
        a = t.applications.c
        return self._applications(a.submitted_at, first, last)

    def applications_decided(self, first: date, last: date) -> list[ApplicationRow]:
        """Kind, status and times of the applications decided in the period (UTC days)."""
        a = t.applications.c
        return self._applications(a.decided_at, first, last)

    def _applications(self, column: Any, first: date, last: date) -> list[ApplicationRow]:
        a = t.applications.c
        start = datetime.combine(first, time(), UTC)
        end = datetime.combine(last + timedelta(days=1), time(), UTC)
        query = select(a.kind, a.status, a.submitted_at, a.decided_at).where(
            column >= start, column < end)  # fmt: skip
        with self.engine.connect() as connection:
            return [ApplicationRow(row[0], row[1], _utc(row[2]),
                                   None if row[3] is None else _utc(row[3]))
                    for row in connection.execute(query)]  # fmt: skip

    def open_stays(
        self, days: Iterable[date], at_least: int
    ) -> list[tuple[date, str, date, int]]:
        """For each day: ``(day, nationality, day of entry, persons)`` of the persons inside
        at its end (their latest crossing by then an entry) who entered ``at_least`` days
        before it or earlier."""
        c, p = t.crossings.c, t.persons.c
        later = t.crossings.alias("later")
        x = later.c
        found: list[tuple[date, str, date, int]] = []
        with self.engine.connect() as connection:
            for on in days:
                gone = exists().where(x.person_id == c.person_id,
                                      x.occurred_at > c.occurred_at, x.local_date <= on)
                query = (
                    select(p.nationality, c.local_date, func.count())
                    .select_from(t.crossings.join(t.persons, p.id == c.person_id))
                    .where(and_(c.direction == "entry",
                                c.local_date <= on - timedelta(days=at_least), ~gone))
                    .group_by(p.nationality, c.local_date)
                )  # fmt: skip
                found += [(on, row[0], _day(row[1]), int(row[2]))
                          for row in connection.execute(query)]  # fmt: skip
        return found


def _letters(reasons: Any) -> list[str]:
    """The codes of a refusal's stored reasons ``[{"code", "message"}]``."""
    if not isinstance(reasons, list):
        return []
    return [str(r["code"]) for r in reasons if isinstance(r, dict) and r.get("code")]


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _utc(value: Any) -> datetime:
    """SQLite gives naive datetimes back: they were stored in UTC."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
