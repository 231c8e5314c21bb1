"""Temporary checks at internal borders: a member state reintroduces them at some of its own
internal crossing points, for a limited time, as Schengen states may (Schengen Borders Code,
Regulation (EU) 2016/399, Art. 25-28).

A reintroduction is data: which state, which of its internal crossing points, from and to
(calendar days at those points, both inclusive), the ground in words, its prolongations, and
the day it was ended early, if it was, and its kind. Its limits are the regime's, from the
policy file (``InternalCheckKinds``): each kind (``InternalCheckLimits``) has one period, the
first or a prolongation, of at most ``period_days`` or ``period_months``; the whole,
prolongations included, at most ``total_months`` from its first day; and, for some kinds, a
few extensions beyond that total once it is reached (``extensions`` of at most
``extension_months`` each: Regulation (EU) 2024/1717, Art. 25a(6)). A regime of one kind (the
format before the 2024 amendment) names it ``default``; so does a reintroduction stored or
sent before kinds were.

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
    "AHEAD_MONTHS",
    "DEFAULT_KIND",
    "GROUND_MAX",
    "KIND_PATTERN",
    "InternalCheckKinds",
    "InternalCheckLimits",
    "Prolongation",
    "Reintroduction",
    "ReintroductionState",
    "beyond_limits",
    "declare",
    "end",
    "in_force_at",
    "prolong",
]

GROUND_MAX = 2000  # characters of a ground in words
# how far ahead a state may declare checks to begin: the regulation sets no such limit (a
# foreseeable threat is notified "at least four weeks" ahead, Art. 25a(4)), but a first day
# further off than a year is a typing slip (2029 for 2026), not a threat foreseen
AHEAD_MONTHS = 12


DEFAULT_KIND = "default"  # the one kind of a regime written before kinds (and of old rows)
KIND_PATTERN = r"[a-z][a-z0-9_]{0,39}"  # a kind's name, as the policy file and the API write it


def _months(n: int) -> str:
    return "1 month" if n == 1 else f"{n} months"


@dataclass(frozen=True, slots=True)
class InternalCheckLimits:
    """How long the regime lets a state check at its internal borders under one kind: one
    period (the first or a prolongation) at most ``period_days`` days or ``period_months``
    months (one of them), the whole at most ``total_months`` months from its first day; then,
    once the whole has run, at most ``extensions`` more periods of at most
    ``extension_months`` months each (0: none). ``name`` is the kind; ``key`` the policy
    file's key its messages name (``internal_checks`` for a regime of one kind,
    ``internal_checks.foreseeable`` for a named one)."""

    period_days: int = 0
    total_months: int = 0
    period_months: int = 0
    extensions: int = 0
    extension_months: int = 0
    name: str = DEFAULT_KIND
    key: str = "internal_checks"

    def __post_init__(self) -> None:
        if (self.period_days < 0 or self.period_months < 0
                or (self.period_days >= 1) == (self.period_months >= 1)):  # fmt: skip
            raise ValueError("internal check limits: one of period_days and period_months, "
                             "1 or more")
        if self.total_months < 1:
            raise ValueError("internal check limits must be 1 or more")
        if self.extensions < 0 or (self.extensions >= 1) != (self.extension_months >= 1):
            raise ValueError("internal check limits: extensions and extension_months go "
                             "together, 1 or more each")

    def last_allowed_day(self, first: date) -> date:
        """The last day a reintroduction starting on ``first`` may reach, prolonged (its
        extensions aside)."""
        return add_months(first, self.total_months) - timedelta(days=1)

    def period_end(self, start: date) -> date:
        """The last day one period beginning on ``start`` may reach."""
        if self.period_months:
            return add_months(start, self.period_months) - timedelta(days=1)
        return start + timedelta(days=self.period_days - 1)

    def period_text(self) -> tuple[str, str]:
        """One period's limit in words, and its key."""
        if self.period_months:
            return _months(self.period_months), "period_months"
        return f"{self.period_days} days", "period_days"


@dataclass(frozen=True, slots=True)
class InternalCheckKinds:
    """A regime version's kinds of reintroduction, and the one a declaration that names none
    takes (``unnamed``)."""

    kinds: tuple[InternalCheckLimits, ...]
    unnamed: str = DEFAULT_KIND

    def __post_init__(self) -> None:
        names = [k.name for k in self.kinds]
        if not names or len(set(names)) != len(names) or self.unnamed not in names:
            raise ValueError("internal check kinds: one or more, each named once, the unnamed "
                             "one among them")

    @classmethod
    def single(cls, limits: InternalCheckLimits) -> InternalCheckKinds:
        return cls((limits,), limits.name)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.kinds)

    def get(self, name: str) -> InternalCheckLimits | None:
        return next((k for k in self.kinds if k.name == name), None)

    def of(self, name: str | None) -> InternalCheckLimits:
        """The limits of kind ``name`` (None: the unnamed one), or ``InvalidInputError``."""
        found = self.get(self.unnamed if name is None else name)
        if found is None:
            raise InvalidInputError(
                f"kind: {name!r} is not one of the regime's kinds of reintroduction: "
                f"{', '.join(self.names)} (its policy file's internal_checks)")
        return found


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
    kind: str = DEFAULT_KIND  # the regime's kind it is declared under (InternalCheckKinds)

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


_NO_REGIME = ("the regime in force allows no reintroduction of internal checks (its policy "
              "file has no internal_checks)")


def _kinds(limits: InternalCheckKinds | InternalCheckLimits | None) -> InternalCheckKinds:
    if limits is None:
        raise InvalidInputError(_NO_REGIME)
    if isinstance(limits, InternalCheckLimits):
        return InternalCheckKinds.single(limits)
    return limits


def _period(first: date, last: date, limits: InternalCheckLimits, what: str) -> None:
    if last > limits.period_end(first):
        days = (last - first).days + 1
        most, key = limits.period_text()
        raise InvalidInputError(
            f"{what} of {days} days is beyond the limit: at most {most} for one period "
            f"(the regime's {limits.key}.{key})")


def _prolongation(first: date, last_day: date, to: date, extended: int,
                  limits: InternalCheckLimits) -> bool:  # fmt: skip
    """Hold one prolongation from ``last_day`` to ``to`` of a reintroduction begun on
    ``first``, with ``extended`` extensions so far, to ``limits``; whether it is an
    extension (beyond the total, once the total has run)."""
    ceiling = limits.last_allowed_day(first)
    if to <= ceiling:
        _period(last_day + timedelta(days=1), to, limits, "a prolongation")
        return False
    total = (f"checks from {first} may run at most {_months(limits.total_months)} in all, "
             f"to {ceiling} (the regime's {limits.key}.total_months)")
    if not limits.extensions:
        raise InvalidInputError(f"to {to} is beyond the limit: {total}")
    if last_day < ceiling:
        raise InvalidInputError(
            f"to {to} is beyond the limit: {total}; an extension beyond it "
            f"({limits.key}.extensions) comes only once they have run to {ceiling}: prolong "
            f"to {ceiling} first")
    if extended >= limits.extensions:
        raise InvalidInputError(
            f"to {to} is beyond the limit: {total}, and extended {extended} times already, "
            f"the most (the regime's {limits.key}.extensions)")
    longest = add_months(last_day + timedelta(days=1), limits.extension_months)
    if to >= longest:
        days = (to - last_day).days
        raise InvalidInputError(
            f"an extension of {days} days is beyond the limit: at most "
            f"{_months(limits.extension_months)}, to {longest - timedelta(days=1)} (the "
            f"regime's {limits.key}.extension_months)")
    return True


def _extended(r: Reintroduction, limits: InternalCheckLimits) -> int:
    ceiling = limits.last_allowed_day(r.first)
    return sum(1 for p in r.prolongations if p.to > ceiling)


def beyond_limits(
    r: Reintroduction, limits: InternalCheckKinds | InternalCheckLimits | None
) -> str | None:
    """Why ``r`` as it stands is beyond the regime's limits (its kind's), or None when it is
    within them: a peer's reintroduction is filed as its state declared it, and flagged."""
    try:
        kind = _kinds(limits).of(r.kind)
        _period(r.first, r.last, kind, "a period")
        last, extended = r.last, 0
        for p in r.prolongations:
            extended += _prolongation(r.first, last, p.to, extended, kind)
            last = p.to
    except InvalidInputError as exc:
        return str(exc)
    return None


def declare(
    id: str, state: str, points: Sequence[tuple[str, CrossingPoint | None]], first: date,
    last: date, ground: str, *, today: date,
    limits: InternalCheckKinds | InternalCheckLimits | None, kind: str | None = None,
) -> Reintroduction:  # fmt: skip
    """A new reintroduction of ``state`` at ``points`` (each code with the point it names, or
    None when unknown) under ``kind`` of the regime (None: the kind a declaration naming none
    takes), or ``InvalidInputError`` naming what is wrong or the limit passed."""
    limited = _kinds(limits).of(kind)
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
    if first > (latest := add_months(today, AHEAD_MONTHS)):
        raise InvalidInputError(f"from {first} is too far ahead: checks are declared to begin "
                                f"at most {_months(AHEAD_MONTHS)} ahead, by {latest}")
    if last < first:
        raise InvalidInputError(f"to {last} is before from {first}")
    _period(first, last, limited, "a period")
    return Reintroduction(id, state, tuple(codes), first, last, _ground(ground),
                          kind=limited.name)


def prolong(
    reintroduction: Reintroduction, to: date, ground: str, *, today: date,
    limits: InternalCheckKinds | InternalCheckLimits | None,
) -> Reintroduction:  # fmt: skip
    """The reintroduction prolonged to ``to`` within its kind's limits (an extension beyond
    the total only once the total has run, at most its number of times, each at most its
    length); a lapsed or ended one cannot be (declare anew)."""
    r = reintroduction
    status = r.state_on(today)
    if status is ReintroductionState.ENDED or r.ended_on is not None:
        raise InvalidInputError(f"{r.id} was ended on {r.ended_on}: declare checks anew")
    if status is ReintroductionState.LAPSED:
        raise InvalidInputError(f"{r.id} lapsed after {r.last_day}: declare checks anew")
    kinds = _kinds(limits)
    limited = kinds.get(r.kind)
    if limited is None:
        raise InvalidInputError(
            f"{r.id} is of kind {r.kind!r}, not one of the regime's kinds of reintroduction "
            f"({', '.join(kinds.names)}; its policy file's internal_checks): declare anew")
    if to <= r.last_day:
        raise InvalidInputError(f"to {to} does not prolong: {r.id} runs to {r.last_day}")
    _prolongation(r.first, r.last_day, to, _extended(r, limited), limited)
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
