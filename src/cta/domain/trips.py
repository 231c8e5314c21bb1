"""A trip through the member states, counted day by day under today's regimes and the union's.

A trip is written ``GEO:20,ARM:10,AZE:15``: 20 days in Georgia from the first day, then 10 in
Armenia from the next day, then 15 in Azerbaijan; every day of a leg is a day of presence in
its state (entry and exit days counted, DESIGN.md "stay"). A traveller is assumed to have no
earlier stay in any window.

- Under the **national** regimes each state counts only the days spent in it, against its own
  limit: a limit in a window (``StayLimit``) and/or a longest single stay (``per_entry``); a
  state visited twice counts both stays in its window.
- Under the **union** the whole trip is one stay in the area: every day counts against one
  area-wide limit (and the rule's ``per_entry``, where it has one).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from cta.domain.days import LAST_DAY, check_day
from cta.domain.errors import InvalidInputError
from cta.domain.regime import NationalityRule
from cta.domain.stays import Stay, StayHistory

__all__ = [
    "MAX_LEGS",
    "MAX_TRIP_DAYS",
    "DayCount",
    "Leg",
    "Trip",
    "by_day",
    "count_days",
    "parse_trip",
]

MAX_TRIP_DAYS = 730  # two years: past that a "trip" is a residence, and the table unreadable
MAX_LEGS = 60
_LEG = re.compile(r"([A-Za-z]{3}):([+-]?\d+)")


@dataclass(frozen=True, slots=True)
class Leg:
    """Days in one member state, both the first and the last counted."""

    state: str
    days: int


@dataclass(frozen=True, slots=True)
class Trip:
    """Legs in order from a first day; the next leg starts the day after a leg ends."""

    start: date
    legs: tuple[Leg, ...]

    @property
    def total_days(self) -> int:
        return sum(leg.days for leg in self.legs)

    @property
    def end(self) -> date:
        return self.start + timedelta(days=self.total_days - 1)

    def stays(self, state: str | None = None) -> list[Stay]:
        """The stays in one state (consecutive legs in it merge), or in the area (None)."""
        stays: list[Stay] = []
        day = self.start
        for leg in self.legs:
            last = day + timedelta(days=leg.days - 1)
            if state is None or leg.state == state:
                if stays and stays[-1].exit + timedelta(days=1) == day:
                    stays[-1] = Stay(stays[-1].entry, last)
                else:
                    stays.append(Stay(day, last))
            day = last + timedelta(days=1)
        return stays

    def days(self) -> list[tuple[date, str]]:
        """Every day of the trip with the state it is spent in."""
        out: list[tuple[date, str]] = []
        day = self.start
        for leg in self.legs:
            for _ in range(leg.days):
                out.append((day, leg.state))
                day += timedelta(days=1)
        return out


def parse_trip(text: str, start: date, members: Iterable[str]) -> Trip:
    """``GEO:20,ARM:10`` from ``start``; InvalidInputError names the leg that is wrong."""
    check_day(start, "the first day of the trip")
    states = frozenset(members)
    parts = [p.strip() for p in text.split(",")]
    if not text.strip():
        raise InvalidInputError("the trip is empty: write it like GEO:20,ARM:10,AZE:15")
    if len(parts) > MAX_LEGS:
        raise InvalidInputError(f"the trip has {len(parts)} legs; at most {MAX_LEGS}")
    legs = [_parse_leg(part, n, states) for n, part in enumerate(parts, start=1)]
    total = sum(leg.days for leg in legs)
    if total > MAX_TRIP_DAYS:
        raise InvalidInputError(
            f"the trip lasts {total} days; at most {MAX_TRIP_DAYS} (two years) are counted"
        )
    if start + timedelta(days=total - 1) > LAST_DAY:
        raise InvalidInputError(f"the trip would end after {LAST_DAY}")
    return Trip(start, tuple(legs))


def _parse_leg(part: str, number: int, states: frozenset[str]) -> Leg:
    match = _LEG.fullmatch(part)
    if match is None:
        raise InvalidInputError(
            f"leg {number} {part!r} is not STATE:DAYS, e.g. GEO:20 "
            f"(states: {', '.join(sorted(states))})"
        )
    state, days = match.group(1).upper(), int(match.group(2))
    if state not in states:
        raise InvalidInputError(
            f"leg {number} {part!r}: {state} is not a member state ({', '.join(sorted(states))})"
        )
    if days < 1:
        raise InvalidInputError(f"leg {number} {part!r}: a leg lasts 1 day or more, not {days}")
    if days > MAX_TRIP_DAYS:
        raise InvalidInputError(f"leg {number} {part!r}: at most {MAX_TRIP_DAYS} days")
    return Leg(state, days)


@dataclass(frozen=True, slots=True)
class DayCount:
    """One day of a stay counted under one rule.

    ``days_used``: presence days in the rule's window ending on ``day`` (None when the rule has
    no window); ``stay_day``: the day's number in its stay (1 = the day of entry); ``over``:
    the day breaks the window limit or the longest single stay.
    """

    day: date
    days_used: int | None
    stay_day: int
    over: bool


def count_days(stays: Sequence[Stay], rule: NationalityRule) -> list[DayCount]:
    """Every day of ``stays`` counted under ``rule`` (its window limit and its per_entry)."""
    history = StayHistory(stays)
    limit = rule.stay
    counted: list[DayCount] = []
    for stay in stays:
        for n in range(stay.days):
            day = stay.entry + timedelta(days=n)
            used = history.days_used(day, limit.window) if limit else None
            over = limit is not None and used is not None and used > limit.limit
            over = over or (rule.per_entry is not None and n + 1 > rule.per_entry)
            counted.append(DayCount(day, used, n + 1, over))
    return counted


def by_day(counts: Iterable[DayCount]) -> Mapping[date, DayCount]:
    return {c.day: c for c in counts}
