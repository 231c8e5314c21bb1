"""The figures of the statistics pages, each a sum of fixed cells rounded once.

Every figure is built as ``GET /v1/statistics`` builds its own (``cta.domain.disclosure``): the
storage counts the finest cells a figure is made of, each cell is published by ``rounded``
(a count under ``SMALL`` as 0 or ``SMALL``, drawn by a keyed hash of the cell's name, the same
in every answer), and a figure is the sum of its cells' published values. Each kind of cell has
its own name (``flows|...``, ``reason C|...``), so no two figures share a draw by accident and
no cell is ever shown as its count (docs/statistics.md, "The pages' figures").

Nothing here reads the database or knows a person: the storage hands over counts and the
regime's limits are handed in.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from cta.domain.disclosure import Cell, figures, published, rounded
from cta.domain.regime import NationalityRule

__all__ = [
    "DECISION_BUCKETS",
    "MEMBERS",
    "NOT_RECORDED",
    "ApplicationRow",
    "Figure",
    "applications_by_outcome",
    "crossings_by_day",
    "crossings_by_day_and_point",
    "crossings_by_point",
    "decision_bucket",
    "flows",
    "internal_checks_by_day",
    "longest_stay",
    "nationalities",
    "overstays",
    "refusals_by_reason",
    "state_of",
    "time_to_decision",
    "week_ends",
]

MEMBERS = ("ARM", "AZE", "GEO")  # the rows and columns of the flows' matrix
NOT_RECORDED = "none"  # the entry of an exit whose entry this node never recorded
# time from submission to decision, in whole days: (code, fewest days, most days or None)
DECISION_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("under_1", 0, 0), ("1_2", 1, 2), ("3_6", 3, 6), ("7_14", 7, 14), ("15_30", 15, 30),
    ("over_30", 31, None),
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Figure:
    """One chart's numbers: ``keys`` name a row, ``measures`` its numbers, in this order."""

    name: str
    keys: tuple[str, ...]
    measures: tuple[str, ...]
    rows: tuple[tuple[tuple[str, ...], tuple[int, ...]], ...]

    def total(self, measure: str) -> int:
        at = self.measures.index(measure)
        return sum(values[at] for _, values in self.rows)


@dataclass(frozen=True, slots=True)
class ApplicationRow:
    """What the figures need of an application: no name, no document, no number."""

    kind: str  # authorization | visa
    status: str
    submitted_at: datetime
    decided_at: datetime | None


def state_of(crossing_point: str) -> str:
    """The member state of a crossing point: its code begins with it (``GEO-TBS``)."""
    return crossing_point[:3]


def _figure(name: str, keys: tuple[str, ...], measures: tuple[str, ...],
            sums: Mapping[tuple[str, ...], Mapping[str, int]]) -> Figure:  # fmt: skip
    rows = tuple((key, tuple(sums[key].get(m, 0) for m in measures)) for key in sorted(sums)
                 if any(sums[key].get(m, 0) for m in measures))  # fmt: skip
    return Figure(name, keys, measures, rows)


Sums = dict[tuple[str, ...], Counter[str]]


def _summed(cells: Iterable[tuple[tuple[str, ...], str, int]]) -> Sums:
    sums: Sums = {}
    for key, measure, value in cells:
        if value:
            sums.setdefault(key, Counter())[measure] += value
    return sums


def crossings_by_day(cells: Iterable[tuple[Cell, int]], secret: bytes) -> Figure:
    """Entries and exits per day and member state: the crossing cells' published values."""
    published_cells = (((c.day.isoformat(), state_of(c.crossing_point)), c.measure,
                        published(c, n, secret))
                       for c, n in cells if c.measure in ("entries", "exits"))  # fmt: skip
    return _figure("crossings_by_day", ("day", "state"), ("entries", "exits"),
                   _summed(published_cells))


def crossings_by_point(cells: Iterable[tuple[Cell, int]], secret: bytes) -> Figure:
    """Entries and exits per crossing point over the period."""
    groups = figures((c for c in cells if c[0].measure != "refusals"), "crossing_point", secret)
    sums: dict[tuple[str, ...], dict[str, int]] = {(p,): n for p, n in groups.items()}
    return _figure("crossings_by_point", ("crossing_point",), ("entries", "exits"), sums)


def crossings_by_day_and_point(cells: Iterable[tuple[Cell, int]], secret: bytes) -> Figure:
    """Entries and exits per day and crossing point (the pages give it as a CSV only)."""
    published_cells = (((c.day.isoformat(), c.crossing_point), c.measure,
                        published(c, n, secret))
                       for c, n in cells if c.measure in ("entries", "exits"))  # fmt: skip
    return _figure("crossings_by_day_and_point", ("day", "crossing_point"), ("entries", "exits"),
                   _summed(published_cells))


def internal_checks_by_day(cells: Iterable[tuple[Cell, int]], secret: bytes) -> Figure:
    """The checks made at this node's internal crossing points each day while checks are
    reintroduced there, and those that ended in a refusal (``cta.domain.internal_checks``)."""
    names = {"internal_checks": "checks", "internal_refusals": "refusals"}
    published_cells = (((c.day.isoformat(),), names[c.measure], published(c, n, secret))
                       for c, n in cells if c.measure in names)  # fmt: skip
    return _figure("internal_checks_by_day", ("day",), ("checks", "refusals"),
                   _summed(published_cells))


def nationalities(cells: Iterable[tuple[Cell, int]], secret: bytes) -> Figure:
    """Entries, exits and refusals per nationality (as ``/v1/statistics?by=nationality``)."""
    groups = figures(cells, "nationality", secret)
    sums: dict[tuple[str, ...], dict[str, int]] = {(c,): n for c, n in groups.items()}
    return _figure("nationalities", ("nationality",), ("entries", "exits", "refusals"), sums)


def flows(counts: Iterable[tuple[date, str | None, str, int]], secret: bytes) -> Figure:
    """Persons who left from one member state after entering another, from the exits' counts
    ``(day of the exit, crossing point of the entry before it or None, point of the exit,
    count)``; cells by day of the exit, state of the entry and state of the exit."""
    by_state: Counter[tuple[date, str, str]] = Counter()
    for day, entered, left, count in counts:
        came = state_of(entered) if entered else NOT_RECORDED
        by_state[(day, came, state_of(left))] += count
    cells = (((came, left), "persons",
              rounded(f"flows|{day.isoformat()}|{came}|{left}", n, secret))
             for (day, came, left), n in by_state.items())  # fmt: skip
    return _figure("flows", ("entered", "left"), ("persons",), _summed(cells))


def longest_stay(rule: NationalityRule) -> int | None:
    """The most days one stay may last under ``rule``: its stay limit or its longest single
    stay, the shorter (None: no limit, as for member nationals)."""
    limits = [rule.stay.limit] if rule.stay is not None else []
    limits += [rule.per_entry] if rule.per_entry is not None else []
    return min(limits, default=None)


def refusals_by_reason(
    refusals: Iterable[tuple[date, str, str, Iterable[str]]], secret: bytes
) -> Figure:
    """Refusals per Annex V letter, from each refusal's ``(day, point, nationality, letters)``:
    a refusal on two grounds counts under both letters, once under each."""
    counts: Counter[tuple[str, date, str, str]] = Counter()
    for day, point, nationality, letters in refusals:
        for letter in set(letters):
            counts[(letter, day, point, nationality)] += 1
    cells = (((letter,), "refusals",
              rounded(f"reason {letter}|{day.isoformat()}|{point}|{nationality}", n, secret))
             for (letter, day, point, nationality), n in counts.items())  # fmt: skip
    return _figure("refusals_by_reason", ("reason",), ("refusals",), _summed(cells))


def decision_bucket(submitted_at: datetime, decided_at: datetime) -> str:
    """The bucket of the whole days from submission to decision (``DECISION_BUCKETS``)."""
    days = max(0, (decided_at - submitted_at) // timedelta(days=1))
    for code, fewest, most in DECISION_BUCKETS:
        if days >= fewest and (most is None or days <= most):
            return code
    raise AssertionError(days)  # the buckets cover every day count


def applications_by_outcome(rows: Iterable[ApplicationRow], secret: bytes) -> Figure:
    """Applications submitted in the period by their status now, one column per kind; cells
    by day of submission (UTC), kind and status."""
    counts = Counter((r.submitted_at.date(), r.kind, r.status) for r in rows)
    cells = (((status,), kind, rounded(f"applications|{day.isoformat()}|{kind}|{status}", n,
                                       secret))
             for (day, kind, status), n in counts.items())  # fmt: skip
    return _figure("applications_by_outcome", ("status",), ("authorization", "visa"),
                   _summed(cells))


def time_to_decision(rows: Iterable[ApplicationRow], secret: bytes) -> Figure:
    """Applications decided in the period by the time they took, one column per kind; cells
    by day of decision (UTC), kind and bucket. Buckets are listed in their order."""
    counts = Counter((r.decided_at.date(), r.kind, decision_bucket(r.submitted_at, r.decided_at))
                     for r in rows if r.decided_at is not None)  # fmt: skip
    cells = [((bucket,), kind, rounded(f"decided|{day.isoformat()}|{kind}|{bucket}", n, secret))
             for (day, kind, bucket), n in counts.items()]  # fmt: skip
    sums = _summed(cells)
    order = [code for code, _, _ in DECISION_BUCKETS]
    figure = _figure("time_to_decision", ("bucket",), ("authorization", "visa"), sums)
    rows_in_order = tuple(sorted(figure.rows, key=lambda row: order.index(row[0][0])))
    return Figure(figure.name, figure.keys, figure.measures, rows_in_order)


def week_ends(first: date, last: date) -> list[date]:
    """The Sundays from ``first`` to ``last``, and ``last`` itself when it is no Sunday."""
    sunday = first + timedelta(days=(6 - first.weekday()) % 7)
    ends = [sunday + timedelta(weeks=n) for n in range((last - sunday).days // 7 + 1)
            if sunday + timedelta(weeks=n) <= last]  # fmt: skip
    return ends if ends and ends[-1] == last else [*ends, last]


def overstays(
    open_stays: Iterable[tuple[date, str, date, int]],
    longest: Callable[[str], int | None],
    secret: bytes,
) -> Figure:
    """Persons inside on each week's last day whose present stay alone is longer than their
    nationality may stay (``longest``: the rule's stay limit or longest single stay, None for
    none), from ``(that day, nationality, day of the entry, persons)``; cells by day and
    nationality. A lower bound of the overstayers: earlier stays in the window are not added."""
    counts: Counter[tuple[date, str]] = Counter()
    for on, nationality, entered, persons in open_stays:
        limit = longest(nationality)
        if limit is not None and (on - entered).days + 1 > limit:
            counts[(on, nationality)] += persons
    cells = (((on.isoformat(),), "persons",
              rounded(f"overstays|{on.isoformat()}|{nationality}", n, secret))
             for (on, nationality), n in counts.items())  # fmt: skip
    return _figure("overstays", ("week_end",), ("persons",), _summed(cells))
