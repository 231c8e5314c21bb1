"""Stay arithmetic: ``StayHistory(...).status(on, 90, 180)`` against the day-by-day oracle.

The oracle is the one the property tests trust, ``tests.unit.stays.oracle`` (imported, not
copied). Both answer the same questions for the same history and day: days used, the longest
stay from ``on``, the next possible entry (only asked when no stay is possible, as ``status``
does), and the overstay runs; both start from the raw list of stays, so building the interval
runs (ours) and the set of presence days (the oracle) is timed too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from tests.unit.stays import oracle

from bench.common import console, median_seconds, table
from cta.domain.stays import Stay, StayHistory, StayStatus

__all__ = ["run"]

SEED = 180
LIMIT, WINDOW = 90, 180
START = date(1990, 1, 1)


@dataclass(frozen=True)
class Size:
    """How many stays per history, how many histories, and how often each side is timed."""

    stays: int
    histories: int
    ours_repeats: int
    oracle_histories: int
    oracle_repeats: int


SIZES = (
    Size(10, 500, 7, 5, 5),
    Size(100, 200, 7, 5, 5),
    Size(1_000, 40, 5, 1, 3),
)


@dataclass(frozen=True)
class Case:
    raw: list[tuple[date, date]]
    on: date


def history(rng: random.Random, count: int) -> Case:
    """``count`` stays: gaps of 1-60 days between them, each 0-20 days after its entry."""
    raw: list[tuple[date, date]] = []
    cursor = START
    for _ in range(count):
        entry = cursor + timedelta(days=rng.randint(1, 60))
        exit_ = entry + timedelta(days=rng.randint(0, 20))
        raw.append((entry, exit_))
        cursor = exit_
    return Case(raw, cursor + timedelta(days=rng.randint(1, 30)))  # the next arrival


def ours(case: Case) -> tuple[int, int, date, list[tuple[date, date]]]:
    status: StayStatus = StayHistory(Stay(a, b) for a, b in case.raw).status(case.on, LIMIT, WINDOW)
    runs = [(o.first, o.last) for o in status.overstays]
    return status.days_used, status.max_stay, status.next_entry, runs


def theirs(case: Case) -> tuple[int, int, date, list[tuple[date, date]]]:
    days = oracle.presence(case.raw)
    used = oracle.used(days, case.on, WINDOW)
    longest = oracle.max_stay(days, case.on, LIMIT, WINDOW)
    again = case.on if longest else oracle.next_entry(days, case.on, LIMIT, WINDOW)
    return used, longest, again, oracle.overstay_runs(days, LIMIT, WINDOW)


def _measure(size: Size, rng: random.Random) -> dict[str, float]:
    cases = [history(rng, size.stays) for _ in range(size.histories)]
    checked = cases[: size.oracle_histories]
    disagreements = sum(ours(c) != theirs(c) for c in checked)
    ours_s, _ = median_seconds(lambda: [ours(c) for c in cases], size.ours_repeats)
    oracle_s, _ = median_seconds(lambda: [theirs(c) for c in checked], size.oracle_repeats)
    ours_us = ours_s / len(cases) * 1e6
    oracle_us = oracle_s / len(checked) * 1e6
    return {
        "stays": size.stays,
        "ours_us": ours_us,
        "oracle_us": oracle_us,
        "ratio": oracle_us / ours_us,
        "ours_calls": len(cases) * size.ours_repeats,
        "ours_repeats": size.ours_repeats,
        "oracle_histories": len(checked),
        "oracle_repeats": size.oracle_repeats,
        "disagreements": disagreements,
        "limit_reached": sum(ours(c)[1] < LIMIT for c in cases),
        "histories": len(cases),
    }


def run() -> dict[str, object]:
    """Time both on histories of 10, 100 and 1,000 stays and print the ratios."""
    rng = random.Random(SEED)
    rows = [_measure(size, rng) for size in SIZES]
    out = table(
        f"Stay status ({LIMIT}/{WINDOW}), µs per status, medians",
        "stays",
        "ours µs",
        "oracle µs",
        "ratio",
        "ours timed",
        "oracle timed",
        "disagree",
    )
    for row in rows:
        out.add_row(
            f"{row['stays']:,}",
            f"{row['ours_us']:,.1f}",
            f"{row['oracle_us']:,.0f}",
            f"[bold]{row['ratio']:,.0f}×[/]",
            f"{row['histories']} hist × {row['ours_repeats']}",
            f"{row['oracle_histories']} hist × {row['oracle_repeats']}",
            f"{row['disagreements']}/{row['oracle_histories']}",
        )
    console.print(out)
    console.print(
        "[dim]max_stay below 90 (a limit in sight) in "
        + ", ".join(f"{r['limit_reached']}/{r['histories']}" for r in rows)
        + " histories[/]"
    )
    return {"limit": LIMIT, "window": WINDOW, "seed": SEED, "sizes": rows}


def profile() -> None:
    """Where the time of one status on 100 stays goes."""
    import cProfile
    import pstats

    rng = random.Random(SEED)
    cases = [history(rng, 100) for _ in range(200)]
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [ours(c) for c in cases])
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
