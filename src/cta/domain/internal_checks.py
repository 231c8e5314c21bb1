"""Temporary checks at internal borders: a member state reintroduces them at some of its own
internal crossing points, for a limited time, as Schengen states may (Schengen Borders Code,
Regulation (EU) 2016/399, Art. 25-28).

A reintroduction is data: which state, which of its internal crossing points, from and to
(calendar days at those points, both inclusive), the ground in words, its prolongations, and
the day it was ended early, if it was. Its limits are the regime's (``InternalCheckLimits``,
from the policy file): one period, the first or a prolongation, of at most ``period_days``;
the whole, prolongations included, at most ``total_months`` from its first day.

It needs no one to end it: it is in force from its first day to its last, and on the day after
its last day it has lapsed. A lapsed or ended reintroduction cannot be prolonged, only declared
anew. Pure: the day is always passed in.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum

from cta.domain.crossing_points import CrossingPoint
from cta.domain.errors import InvalidInputError
from cta.domain.travel_permits import add_months
from cta.domain.typed_text import check_typed

__all__ = [
    "GROUND_MAX",
    "InternalCheckLimits",
    "Prolongation",
    "Reintroduction",
    "ReintroductionState",
    "declare",
    "end",
    "in_force_at",
    "prolong",
]

GROUND_MAX = 2000  # characters of a ground in words


@dataclass(frozen=True, slots=True)
class InternalCheckLimits:
    """How long the regime lets a state check at its internal borders: one period (the first
    or a prolongation) at most ``period_days`` days, the whole at most ``total_months`` months
    from its first day (Schengen Borders Code Art. 25(1) and (4): 30 days, six months)."""

    period_days: int
    total_months: int

    def __post_init__(self) -> None:
        if self.period_days < 1 or self.total_months < 1:
            raise ValueError("internal check limits must be 1 or more")

    def last_allowed_day(self, first: date) -> date:
        """The last day a reintroduction starting on ``first`` may reach, prolonged."""
        return add_months(first, self.total_months) - timedelta(days=1)


class ReintroductionState(StrEnum):
    PLANNED = "planned"  # declared ahead: its first day is still to come
    IN_FORCE = "in_force"
    LAPSED = "lapsed"  # past its last day: ended by itself
    ENDED = "ended"  # ended early by the state


@dataclass(frozen=True, slots=True)
class Prolongation:
    """A prolongation: the new last day, and why."""

    to: date
    ground: str


@dataclass(frozen=True, slots=True)
class Reintroduction:
    """Checks at ``points`` (codes of ``state``'s internal crossing points) from ``first`` to
    ``last`` as first declared; ``prolongations`` move the last day on; ``ended_on`` is the
    first day without checks when the state ended them early."""

    id: str
    state: str
    points: tuple[str, ...]
    first: date
    last: date
    ground: str
    prolongations: tuple[Prolongation, ...] = ()
    ended_on: date | None = None

    @property
    def last_day(self) -> date:
        """The last day of checks as declared and prolonged (an early end aside)."""
        return self.prolongations[-1].to if self.prolongations else self.last

    @property
    def final_day(self) -> date:
        """The last day checks run or ran: an early end cuts the declared period short."""
        if self.ended_on is not None:
            return min(self.last_day, self.ended_on - timedelta(days=1))
        return self.last_day

    def state_on(self, on: date) -> ReintroductionState:
        if self.ended_on is not None and on >= self.ended_on:
            return ReintroductionState.ENDED
        if on < self.first:
            return ReintroductionState.PLANNED
        if on > self.last_day:
            return ReintroductionState.LAPSED
        return ReintroductionState.IN_FORCE

    def in_force(self, on: date, point: str | None = None) -> bool:
        """Checks run on ``on`` (at ``point``, when one is named)."""
        if point is not None and point not in self.points:
            return False
        return self.state_on(on) is ReintroductionState.IN_FORCE


def _ground(ground: str) -> str:
    text = ground.strip()
    if not text:
        raise InvalidInputError("ground: say in words why checks are reintroduced")
    if len(text) > GROUND_MAX:
        raise InvalidInputError(f"ground: at most {GROUND_MAX} characters")
    check_typed(text, "ground")  # as the peers read the reintroduction (``peer_filings``)
    return text


def _period(first: date, last: date, limits: InternalCheckLimits, what: str) -> None:
    days = (last - first).days + 1
    if days > limits.period_days:
        raise InvalidInputError(
            f"{what} of {days} days is beyond the limit: at most {limits.period_days} days "
            f"for one period (the regime's internal_checks.period_days)")


def declare(
    id: str, state: str, points: Sequence[tuple[str, CrossingPoint | None]], first: date,
    last: date, ground: str, *, today: date, limits: InternalCheckLimits | None,
) -> Reintroduction:  # fmt: skip
    """A new reintroduction of ``state`` at ``points`` (each code with the point it names, or
    None when unknown), or ``InvalidInputError`` naming what is wrong or the limit passed."""
    if limits is None:
        raise InvalidInputError("the regime in force allows no reintroduction of internal "
                                "checks (its policy file has no internal_checks)")
    if not points:
        raise InvalidInputError("crossing_points: name at least one internal crossing point")
    codes: list[str] = []
    for code, point in points:
        if point is None:
            raise InvalidInputError(f"crossing_points: {code!r} is not a known crossing point")
        if point.state != state:
            raise InvalidInputError(
                f"crossing_points: {code} is run by {point.state}: {state} reintroduces checks "
                "at its own points only")
        if point.is_external:
            raise InvalidInputError(
                f"crossing_points: {code} is on the area's external border, checked always")
        if code in codes:
            raise InvalidInputError(f"crossing_points: {code} is named twice")
        codes.append(code)
    if first < today:
        raise InvalidInputError(f"from {first} is past: checks are declared from today "
                                f"({today}) or a later day")
    if last < first:
        raise InvalidInputError(f"to {last} is before from {first}")
    _period(first, last, limits, "a period")
    return Reintroduction(id, state, tuple(codes), first, last, _ground(ground))


def prolong(
    reintroduction: Reintroduction, to: date, ground: str, *, today: date,
    limits: InternalCheckLimits | None,
) -> Reintroduction:  # fmt: skip
    """The reintroduction prolonged to ``to``; a lapsed or ended one cannot be (declare anew)."""
    r = reintroduction
    status = r.state_on(today)
    if status is ReintroductionState.ENDED or r.ended_on is not None:
        raise InvalidInputError(f"{r.id} was ended on {r.ended_on}: declare checks anew")
    if status is ReintroductionState.LAPSED:
        raise InvalidInputError(f"{r.id} lapsed after {r.last_day}: declare checks anew")
    if limits is None:
        raise InvalidInputError("the regime in force allows no reintroduction of internal "
                                "checks (its policy file has no internal_checks)")
    if to <= r.last_day:
        raise InvalidInputError(f"to {to} does not prolong: {r.id} runs to {r.last_day}")
    _period(r.last_day + timedelta(days=1), to, limits, "a prolongation")
    ceiling = limits.last_allowed_day(r.first)
    if to > ceiling:
        raise InvalidInputError(
            f"to {to} is beyond the limit: checks from {r.first} may run at most "
            f"{limits.total_months} months in all, to {ceiling} (the regime's "
            "internal_checks.total_months)")
    return replace(r, prolongations=(*r.prolongations, Prolongation(to, _ground(ground))))


def end(reintroduction: Reintroduction, *, today: date) -> Reintroduction:
    """The reintroduction ended early: no checks from ``today`` on."""
    r = reintroduction
    status = r.state_on(today)
    if status is ReintroductionState.ENDED:
        raise InvalidInputError(f"{r.id} was ended on {r.ended_on} already")
    if status is ReintroductionState.LAPSED:
        raise InvalidInputError(f"{r.id} lapsed after {r.last_day}: nothing to end")
    return replace(r, ended_on=today)


def in_force_at(
    reintroductions: Iterable[Reintroduction], point: str, on: date
) -> Reintroduction | None:
    """The reintroduction under which checks run at ``point`` on ``on`` (None: no check
    there); the one reaching furthest when two overlap."""
    found = [r for r in reintroductions if r.in_force(on, point)]
    return max(found, key=lambda r: (r.final_day, r.id)) if found else None
