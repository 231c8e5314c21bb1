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
    return any(used(days, d, window) > limit for d in days if d >= on)


def max_stay(days: set[date], on: date, limit: int, window: int) -> int:
    best = 0
    for k in range(limit + 2):  # k = limit + 1 always breaks: its last day sees k days
        added = days | {on + timedelta(days=i) for i in range(k)}
        if not breaks_limit_from(added, on, limit, window):
            best = k
    return best


def next_entry(days: set[date], on: date, limit: int, window: int) -> date:
    d = on
    while max_stay(days, d, limit, window) == 0:
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
