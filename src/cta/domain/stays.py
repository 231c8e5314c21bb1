"""Stay arithmetic: L days in any window of W days (Schengen Borders Code Art. 6(1)-(2)).

A *stay* runs from an entry to its exit, both days counted. The presence days P are every day
of every stay; a day counts once, so leaving and coming back on the same day counts that day
once. ``used(d)`` is the number of days of P in the window ``[d - W + 1, d]``, the window that
Art. 6(2) looks back over from each day of stay ("any 180-day period ... shall imply
considering the 180-day period preceding each day of stay").

Everything is counted over intervals, never over sets of days: ``used(d)`` is a difference of
two prefix counts found by bisection, and it changes slope only at four kinds of day per
interval (``s``, ``e + 1``, ``s + W``, ``e + W + 1``), so its maximum or its crossing of L over
a run of days is found at those breakpoints. Dates are handled as proleptic ordinals.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from cta.domain.days import LAST_DAY
from cta.domain.errors import StayError

__all__ = ["Overstay", "Stay", "StayHistory", "StayStatus"]


@dataclass(frozen=True, slots=True)
class Stay:
    """From an entry to its exit, both days counted."""

    entry: date
    exit: date

    def __post_init__(self) -> None:
        if self.exit < self.entry:
            raise StayError(f"exit {self.exit} is before its entry {self.entry}")

    @property
    def days(self) -> int:
        return (self.exit - self.entry).days + 1


@dataclass(frozen=True, slots=True)
class Overstay:
    """A maximal run of days of presence on each of which more than L days were used."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True, slots=True)
class StayStatus:
    """The answers of section 4 of the core issue for one date."""

    on: date
    limit: int
    window: int
    days_used: int
    max_stay: int
    stay_until: date | None
    next_entry: date
    overstays: tuple[Overstay, ...]

    @property
    def overstay_days(self) -> int:
        return sum(o.days for o in self.overstays)


class StayHistory:
    """The stays of one traveller, as merged runs of presence days."""

    __slots__ = ("_ends", "_prefix", "_starts")

    def __init__(self, stays: Iterable[Stay]) -> None:
        ordered = sorted(stays, key=lambda s: (s.entry, s.exit))
        runs: list[tuple[int, int]] = []
        previous: Stay | None = None
        for stay in ordered:
            if previous is not None and stay.entry < previous.exit:
                raise StayError(
                    f"stay {stay.entry}..{stay.exit} overlaps stay {previous.entry}.."
                    f"{previous.exit} by more than one day"
                )
            previous = stay
            runs.append((stay.entry.toordinal(), stay.exit.toordinal()))
        self._starts, self._ends = _merge(runs)
        self._prefix = _prefix_counts(self._starts, self._ends)

    @classmethod
    def _from_runs(cls, starts: list[int], ends: list[int]) -> StayHistory:
        history = cls.__new__(cls)
        history._starts, history._ends = starts, ends
        history._prefix = _prefix_counts(starts, ends)
        return history

    @property
    def presence_days(self) -> int:
        return self._prefix[-1]

    # -- counting ---------------------------------------------------------------------------

    def _count_to(self, x: int) -> int:
        """Days of presence on or before ordinal ``x``."""
        i = bisect_right(self._starts, x)
        if i == 0:
            return 0
        return self._prefix[i - 1] + min(x, self._ends[i - 1]) - self._starts[i - 1] + 1

    def _used(self, d: int, window: int) -> int:
        return self._count_to(d) - self._count_to(d - window)

    def days_in(self, first: date, last: date) -> int:
        """Days of presence from ``first`` to ``last``, both counted (0 when last < first)."""
        if last < first:
            return 0
        return self._count_to(last.toordinal()) - self._count_to(first.toordinal() - 1)

    def days_used(self, on: date, window: int = 180) -> int:
        """Days of presence in the window of ``window`` days that ends on ``on``."""
        return self._used(on.toordinal(), window)

    # -- the maximum of used(d) over presence days ------------------------------------------

    def _breakpoints(self, lo: int, hi: int, window: int) -> list[int]:
        """Days in (lo, hi] where used(d) changes slope."""
        first = bisect_left(self._ends, lo - window - 1)
        points: list[int] = []
        for s, e in zip(self._starts[first:], self._ends[first:], strict=True):
            if s > hi:
                break
            for b in (s, e + 1, s + window, e + window + 1):
                if lo < b <= hi:
                    points.append(b)
        points.sort()
        return points

    def _segments(self, lo: int, hi: int, window: int) -> Iterable[tuple[int, int]]:
        """Cut [lo, hi] into runs of days on which used(d) is linear."""
        start = lo
        for b in self._breakpoints(lo, hi, window):
            if b > start:
                yield start, b - 1
                start = b
        yield start, hi

    def _runs_from(self, on: int) -> Iterable[tuple[int, int]]:
        i = bisect_left(self._ends, on)
        for s, e in zip(self._starts[i:], self._ends[i:], strict=True):
            yield max(s, on), e

    def _max_used_from(self, on: int, window: int) -> int:
        """The largest used(d) over presence days d >= on (0 when there are none)."""
        best = 0
        for lo, hi in self._runs_from(on):
            for a, b in self._segments(lo, hi, window):
                best = max(best, self._used(a, window), self._used(b, window))
        return best

    # -- questions --------------------------------------------------------------------------

    def _with_days(self, first: int, count: int) -> StayHistory:
        """This history with ``count`` days of presence added from ordinal ``first``."""
        runs = list(zip(self._starts, self._ends, strict=True))
        runs.append((first, first + count - 1))
        runs.sort()
        return StayHistory._from_runs(*_merge(runs))

    def _fits(self, on: int, days: int, limit: int, window: int) -> bool:
        extended = self._with_days(on, days) if days else self
        return extended._max_used_from(on, window) <= limit

    def _tail(self, first: int) -> StayHistory:
        """The runs clipped to days >= ``first``: the same used(d) for every d >= first + W - 1."""
        i = bisect_left(self._ends, first)
        if i == 0 and (not self._starts or self._starts[0] >= first):
            return self
        starts = self._starts[i:]
        if starts and starts[0] < first:
            starts[0] = first
        return StayHistory._from_runs(starts, self._ends[i:])

    def max_stay(self, on: date, limit: int = 90, window: int = 180) -> int:
        """The largest k such that a stay of k days from ``on`` breaks the limit on no day."""
        d = on.toordinal()
        if not self._ends or self._ends[-1] <= d:
            return self._max_stay_after_history(d, limit, window)
        tail = self._tail(d - window + 1)
        if not tail._fits(d, 0, limit, window):
            return 0
        lo, hi = 0, limit  # a stay of limit + 1 days breaks the limit on its last day
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if tail._fits(d, mid, limit, window):
                lo = mid
            else:
                hi = mid - 1
        return lo

    def _max_stay_after_history(self, d: int, limit: int, window: int) -> int:
        """max_stay when no presence day lies after ``d``: a closed search over one function.

        On day d + j of a new stay, used = (j + 1) + past(j), past(j) being the presence days
        in [d + j - W + 1, d - 1]. past falls by at most one a day, so used never falls as j
        grows, and a stay of k days fits exactly when its last day fits.
        """
        lo, hi = 0, limit
        while lo < hi:
            k = (lo + hi + 1) // 2
            last = d + k - 1
            if k + self._count_to(d - 1) - self._count_to(last - window) <= limit:
                lo = k
            else:
                hi = k - 1
        return lo

    def next_entry(self, on: date, limit: int = 90, window: int = 180) -> date:
        """The earliest date from ``on`` on whose max_stay is above 0."""
        d = on.toordinal()
        last = self._ends[-1] if self._ends else d - 1
        if d <= last:  # presence days after ``on``: the earliest day that fits, run by run
            found = self._first_fit_before_end(d, last, limit, window)
            if found is not None:
                return _to_date(found)
            d = last + 1
        return _to_date(self._first_day_below(d, limit, window))

    def _first_fit_before_end(self, d: int, last: int, limit: int, window: int) -> int | None:
        """The first day in [d, last] on which a stay of one day fits, or None.

        A day E of presence fits when no day from E on is over the limit (V). A day E outside
        presence fits when used(E) < L, no presence day in (E, E + W - 1] is at the limit
        already (V'), since E adds one to each of them, and no day from E + W on is over it.
        """
        over = [(o.first.toordinal(), o.last.toordinal()) for o in self.overstays(limit, window)]
        at_limit = self._runs_above(limit - 1, window)
        if over:  # no day up to the last one over the limit, less a window, can fit
            d = max(d, over[-1][1] - window + 1)
        over_ends = [b for _, b in over]
        limit_starts = [a for a, _ in at_limit]
        limit_ends = [b for _, b in at_limit]
        for e in range(d, last + 1):
            if self._count_to(e) != self._count_to(e - 1):  # e is a day of presence
                if bisect_left(over_ends, e) == len(over_ends):
                    return e
                continue
            if self._used(e, window) >= limit or bisect_left(over_ends, e + window) < len(over):
                continue
            i = bisect_right(limit_ends, e)  # the first run at the limit ending after e
            if i == len(limit_ends) or limit_starts[i] > e + window - 1:
                return e
        return None

    def _first_day_below(self, start: int, limit: int, window: int) -> int:
        """After the last presence day used(d) only falls: the first d >= start below limit."""
        need = self._prefix[-1] - limit + 1  # days that must have left: count_to(d - W) >= need
        if need <= 0 or self._used(start, window) < limit:
            return start
        i = bisect_left(self._prefix, need) - 1  # the run in which the need-th day falls
        x = self._starts[i] + (need - self._prefix[i]) - 1
        return max(start, x + window)

    def overstays(self, limit: int = 90, window: int = 180) -> tuple[Overstay, ...]:
        """The maximal runs of presence days with used(d) above the limit."""
        return tuple(
            Overstay(_to_date(a), _to_date(b)) for a, b in self._runs_above(limit, window)
        )

    def _runs_above(self, limit: int, window: int) -> list[tuple[int, int]]:
        found: list[tuple[int, int]] = []
        for s, e in zip(self._starts, self._ends, strict=True):
            if self._count_to(e) - self._count_to(s - window) <= limit:
                continue  # even all presence from s - W + 1 to e is within the limit
            for a, b in self._segments(s, e, window):
                run = _above(self._used(a, window), self._used(b, window), a, b, limit)
                if run is None:
                    continue
                if found and found[-1][1] + 1 == run[0]:
                    found[-1] = (found[-1][0], run[1])
                else:
                    found.append(run)
        return found

    def status(self, on: date, limit: int = 90, window: int = 180) -> StayStatus:
        """All the answers for one date; a StayError when one of them falls after
        ``LAST_DAY`` (2999-12-31): a stay until 3000-02-28 could not be asked about in turn,
        since CTA refuses such a day as input everywhere (``cta.domain.days``)."""
        max_stay = self.max_stay(on, limit, window)
        until = _to_date(on.toordinal() + max_stay - 1) if max_stay else None
        status = StayStatus(
            on=on,
            limit=limit,
            window=window,
            days_used=self.days_used(on, window),
            max_stay=max_stay,
            stay_until=until,
            next_entry=on if max_stay else self.next_entry(on, limit, window),
            overstays=self.overstays(limit, window),
        )
        for what, day in (("stay until", status.stay_until), ("next entry", status.next_entry)):
            if day is not None and day > LAST_DAY:
                raise StayError(f"on {on} the answer leaves the calendar: {what} {day} is "
                                f"after {LAST_DAY}, the last day CTA counts; ask about an "
                                "earlier day")  # fmt: skip
        return status


def _to_date(ordinal: int) -> date:
    """A date, or a StayError when the answer falls past the end of the calendar."""
    if ordinal > _LAST_ORDINAL:
        raise StayError("the answer falls after 9999-12-31, the end of the calendar")
    return date.fromordinal(ordinal)


_LAST_ORDINAL = date.max.toordinal()


def _merge(runs: Sequence[tuple[int, int]]) -> tuple[list[int], list[int]]:
    """Merge sorted runs that overlap or touch into maximal runs."""
    starts: list[int] = []
    ends: list[int] = []
    for s, e in runs:
        if ends and s <= ends[-1] + 1:
            ends[-1] = max(ends[-1], e)
        else:
            starts.append(s)
            ends.append(e)
    return starts, ends


def _prefix_counts(starts: Sequence[int], ends: Sequence[int]) -> list[int]:
    """prefix[i]: the presence days before run i; prefix[-1]: all of them."""
    prefix = [0]
    for s, e in zip(starts, ends, strict=True):
        prefix.append(prefix[-1] + e - s + 1)
    return prefix


def _above(used_a: int, used_b: int, a: int, b: int, limit: int) -> tuple[int, int] | None:
    """The days of [a, b] with used(d) > limit, where used is linear with slope -1, 0 or 1."""
    if used_a > limit and used_b > limit:
        return a, b
    if used_b > used_a and used_b > limit:  # rising through the limit
        return a + (limit - used_a) + 1, b
    if used_a > used_b and used_a > limit:  # falling through the limit
        return a, a + (used_a - limit) - 1
    return None
