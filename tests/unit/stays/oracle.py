"""A slow, obvious day-by-day oracle for the stay arithmetic: sets of days, counted one by one."""

from __future__ import annotations

from datetime import date, timedelta


def presence(stays: list[tuple[date, date]]) -> set[date]:
    days: set[date] = set()
    for entry, exit_ in stays:
        d = entry
        while d <= exit_:
            days.add(d)
            d += timedelta(days=1)
    return days


def used(days: set[date], d: date, window: int) -> int:
    return sum(1 for i in range(window) if d - timedelta(days=i) in days)


def breaks_limit_from(days: set[date], on: date, limit: int, window: int) -> bool:
    """Some day of presence from ``on`` on sees more than ``limit`` days in its window."""
    if not days:
        return False
    # A running count over the span: used(d) = presence in the last ``window`` days up to d.
    first, last = min(days) - timedelta(days=window), max(days)
    count, d, ring = 0, first, []
    while d <= last:
        ring.append(d in days)
        count += ring[-1]
        if len(ring) > window:
            count -= ring.pop(0)
        if d >= on and d in days and count > limit:
            return True
        d += timedelta(days=1)
    return False


def max_stay(days: set[date], on: date, limit: int, window: int) -> int:
    best = 0
    for k in range(limit + 2):  # k = limit + 1 always breaks: its last day sees k days
        added = days | {on + timedelta(days=i) for i in range(k)}
        if not breaks_limit_from(added, on, limit, window):
            best = k
    return best


def next_entry(days: set[date], on: date, limit: int, window: int) -> date:
    # max_stay(d) > 0 exactly when a stay of one day fits: a longer one only adds days.
    d = on
    while breaks_limit_from(days | {d}, d, limit, window):
        d += timedelta(days=1)
    return d


def overstay_runs(days: set[date], limit: int, window: int) -> list[tuple[date, date]]:
    runs: list[tuple[date, date]] = []
    for d in sorted(days):
        if used(days, d, window) <= limit:
            continue
        if runs and runs[-1][1] + timedelta(days=1) == d:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return runs
