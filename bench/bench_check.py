"""Border check decision latency: ``check_traveller`` end to end, ``decide`` alone, parsing alone.

A mix of realistic checks: TD3 passports of visa-exempt travellers holding a travel
authorisation (most), of visa nationals holding the common visa, and of member nationals; 80%
entries, 20% exits; each with a 20-stay history and screened against the same 100 alerts (a
few of which match). Latency is measured call by call, after a warm-up, in 5 rounds of 20,000
calls (fewer when a path is too slow for the budget, see ``_measure``); the figures are the
medians over the rounds.
"""

from __future__ import annotations

import random
import statistics
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

from bench.common import console, percentile, table
from cta.bootstrap import Reference, reference
from cta.domain.alerts import Alert, AlertCategory
from cta.domain.checks import Check, Direction, decide
from cta.domain.documents import DocumentFields, DocumentType, generate_mrz, parse_mrz
from cta.domain.stays import Stay
from cta.domain.travel_permits import Authorization, Visa
from cta.services.checks import CheckTraveller, check_traveller

__all__ = ["run"]

SEED = 2016_399
DAY = date(2027, 6, 1)
CHECKS = 500  # distinct checks, cycled through
CALLS = 20_000
WARM_UP = 2_000
ROUNDS = 5
BUDGET_S = 15.0  # per path; see _measure
ALERTS = 100
STAYS = 20
AUTHORISED = ["USA", "RUS", "CHN", "D", "GBR", "FRA", "ITA", "UKR", "TUR", "ISR", "JPN", "KAZ"]
VISA = ["IND", "IRN", "PAK", "NGA", "EGY"]
MEMBERS = ["GEO", "ARM", "AZE"]
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(LETTERS) for _ in range(rng.randint(3, 10)))


def _history(rng: random.Random, on: date, direction: Direction) -> list[tuple[date, date]]:
    """20 stays before ``on``: gaps 1-60 days, stays 0-20 days; on exit the last one ends on it."""
    spans: list[tuple[int, int]] = []
    end = (on - timedelta(days=rng.randint(1, 30))).toordinal()
    if direction is Direction.EXIT:
        end = on.toordinal()
    for _ in range(STAYS):
        start = end - rng.randint(0, 20)
        spans.append((start, end))
        end = start - rng.randint(1, 60)
    return [(date.fromordinal(a), date.fromordinal(b)) for a, b in reversed(spans)]


def _alerts(rng: random.Random) -> list[Alert]:
    return [
        Alert(
            f"GEO-2027-{i:04d}",
            rng.choice(list(AlertCategory)),
            _word(rng),
            _word(rng),
            rng.randint(1940, 2005),
            rng.randint(1, 12),
            rng.randint(1, 28),
            rng.choice(AUTHORISED + VISA),
        )
        for i in range(ALERTS)
    ]


def _command(rng: random.Random, alerts: list[Alert]) -> CheckTraveller:
    group = rng.choices((AUTHORISED, VISA, MEMBERS), (70, 15, 15))[0]
    nationality = rng.choice(group)
    number = rng.choice(LETTERS) + "".join(rng.choice("0123456789") for _ in range(8))
    born = date(rng.randint(1945, 2005), rng.randint(1, 12), rng.randint(1, 28))
    surname, given = _word(rng), _word(rng)
    fields = DocumentFields(
        DocumentType.TD3,
        "P",
        nationality,
        surname,
        given,
        number,
        nationality,
        born,
        rng.choice("MF"),
        DAY + timedelta(days=rng.randint(200, 3000)),
    )
    direction = Direction.ENTRY if rng.random() < 0.8 else Direction.EXIT
    these_alerts = list(alerts)
    if rng.random() < 0.02:  # a traveller named in an alert
        these_alerts[rng.randrange(ALERTS)] = Alert(
            "GEO-2027-9999",
            AlertCategory.REFUSE_ENTRY,
            surname,
            given,
            born.year,
            born.month,
            born.day,
            nationality,
        )
    return CheckTraveller(
        on=DAY,
        direction=direction,
        mrz=generate_mrz(fields),
        planned_exit=DAY + timedelta(days=rng.randint(3, 30))
        if direction is Direction.ENTRY
        else None,
        history=_history(rng, DAY, direction),
        visas=[Visa(number, DAY - timedelta(days=60), DAY + timedelta(days=120), 90)]
        if group is VISA
        else [],
        authorizations=[Authorization(number, DAY - timedelta(days=400), DAY + timedelta(days=700))]
        if group is AUTHORISED
        else [],
        alerts=these_alerts,
    )


def workload() -> tuple[list[CheckTraveller], Reference]:
    rng = random.Random(SEED)
    alerts = _alerts(rng)
    return [_command(rng, alerts) for _ in range(CHECKS)], reference()


def _pre_parsed(commands: list[CheckTraveller], ref: Reference) -> list[Check]:
    return [
        Check(
            on=c.on,
            direction=c.direction,
            document=parse_mrz(c.mrz, today=c.on, known_codes=ref.countries.mrz_codes),
            regime=ref.regime(c.regime).as_if_on(c.on),
            history=[Stay(a, b) for a, b in c.history],
            planned_exit=c.planned_exit,
            visas=c.visas,
            authorizations=c.authorizations,
            alerts=c.alerts,
        )
        for c in commands
    ]


def _latencies(call: Callable[[int], object], count: int) -> list[float]:
    """Microseconds of each of ``count`` calls, cycling through the checks."""
    clock = time.perf_counter_ns
    samples = [0.0] * count
    for i in range(count):
        start = clock()
        call(i % CHECKS)
        samples[i] = (clock() - start) / 1000
    return sorted(samples)


def _warm_up(call: Callable[[int], object]) -> float:
    """Run up to WARM_UP calls (at most ~2 s of them); the mean µs per call."""
    start = time.perf_counter()
    done = 0
    while done < WARM_UP and (done < 50 or time.perf_counter() - start < 2.0):
        call(done % CHECKS)
        done += 1
    return (time.perf_counter() - start) / done * 1e6


def _measure(paths: dict[str, Callable[[int], object]]) -> dict[str, dict[str, float]]:
    """Latency figures per path, over ROUNDS rounds of CALLS calls.

    The paths take turns within each round, so that load on the machine falls on all of them. A
    path too slow for the budget gets fewer calls per round and its rounds are pooled (the table
    says how many calls were timed).
    """
    per_round = {}
    for name, call in paths.items():
        per_round[name] = min(CALLS, max(1_000, int(BUDGET_S * 1e6 / _warm_up(call) / ROUNDS)))
    rounds: dict[str, list[list[float]]] = {name: [] for name in paths}
    for _ in range(ROUNDS):
        for name, call in paths.items():
            rounds[name].append(_latencies(call, per_round[name]))
    return {name: _summary(found, per_round[name] < CALLS) for name, found in rounds.items()}


def _summary(rounds: list[list[float]], pooled: bool) -> dict[str, float]:
    if pooled:
        rounds = [sorted(sample for r in rounds for sample in r)]
    return {
        "p50_us": statistics.median(percentile(r, 0.50) for r in rounds),
        "p99_us": statistics.median(percentile(r, 0.99) for r in rounds),
        "max_us": statistics.median(r[-1] for r in rounds),
        "worst_us": max(r[-1] for r in rounds),
        "mean_us": statistics.median(statistics.fmean(r) for r in rounds),
        "calls": float(sum(len(r) for r in rounds)),
        "rounds": float(len(rounds)),
    }


def run() -> dict[str, object]:
    """Time the three paths and print p50, p99 and max."""
    commands, ref = workload()
    checks = _pre_parsed(commands, ref)
    quiet = [replace(c, alerts=()) for c in checks]
    codes = ref.countries.mrz_codes
    outcomes: dict[str, int] = {}
    for command in commands:
        outcome = check_traveller(command, ref)[1].outcome.value
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
    paths: dict[str, Callable[[int], object]] = {
        "check_traveller (full check)": lambda i: check_traveller(commands[i], ref),
        "decide (pre-parsed document)": lambda i: decide(checks[i]),
        "decide, no alerts (pre-parsed)": lambda i: decide(quiet[i]),
        "parse_mrz only (baseline)": lambda i: parse_mrz(
            commands[i].mrz, today=DAY, known_codes=codes
        ),
    }
    rows = _measure(paths)
    out = table(
        f"Border check latency, µs: {ROUNDS} rounds × {CALLS:,} calls (or what {BUDGET_S:.0f} s "
        "hold), medians over rounds",
        "path",
        "p50",
        "p99",
        "max",
        "worst max",
        "mean",
        "calls timed",
    )
    for name, row in rows.items():
        figures = (f"{row[k]:,.1f}" for k in ("p50_us", "p99_us", "max_us", "worst_us", "mean_us"))
        timed = f"{row['rounds']:.0f} × {row['calls'] / row['rounds']:,.0f}"
        out.add_row(name, *figures, timed)
    console.print(out)
    full, parse = rows["check_traveller (full check)"], rows["parse_mrz only (baseline)"]
    console.print(
        f"full check / parse only at p50: [bold]{full['p50_us'] / parse['p50_us']:.1f}×[/]; "
        f"p99 target < 1,000 µs: [bold]{'met' if full['p99_us'] < 1000 else 'MISSED'}[/]; "
        f"outcomes of the {CHECKS} checks: {outcomes}"
    )
    return {
        "checks": CHECKS,
        "calls": CALLS,
        "rounds": ROUNDS,
        "alerts": ALERTS,
        "stays": STAYS,
        "outcomes": outcomes,
        "paths": rows,
    }


def profile() -> None:
    """Where the time of the full check goes."""
    import cProfile
    import pstats

    commands, ref = workload()
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [check_traveller(c, ref) for c in commands])
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
