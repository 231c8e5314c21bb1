"""Run the benchmarks: ``python -m bench`` (mrz, stay, check) or ``python -m bench node``.

``--profile NAME`` runs one benchmark's workload once under cProfile and prints where the time
goes instead of timing it. Results go to the console and to ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import time
from pathlib import Path

from bench.common import console, machine

BENCHMARKS = {
    "mrz": "bench.bench_mrz",
    "stay": "bench.bench_stay",
    "check": "bench.bench_check",
    "federation": "bench.bench_federation",
    "node": "bench.bench_node",  # about 15 minutes: only when named (python -m bench node)
    "screen": "bench.bench_screen",  # about 10 minutes at 2 M alerts: only when named
    "shared": "bench.bench_shared_index",  # a node's memory, one index or one per worker
    "index": "bench.bench_index_build",  # the index built from the database, old and new
    "applications": "bench.bench_applications",  # a few minutes: only when named
    "carriers": "bench.bench_carriers",  # a few minutes: only when named
    "visa": "bench.bench_visa",  # the visa MRZ's costs at issue and at the border; when named
    "officer": "bench.bench_officer",  # the officer's console over HTTP: when named
    "web": "bench.bench_web",  # the pages' budgets on the demo area, in Chromium: when named
    "retention": "bench.bench_retention",  # deletes with and without 0015's indexes: when named
}
DEFAULT = ["mrz", "stay", "check", "federation"]
RESULTS = Path(__file__).parent / "results" / "latest.json"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "names", nargs="*", metavar="NAME", help=f"benchmarks to run: {', '.join(BENCHMARKS)}"
    )
    parser.add_argument("--profile", choices=BENCHMARKS, help="profile one benchmark's workload")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}: choose from {', '.join(BENCHMARKS)}")
    if args.profile:
        importlib.import_module(BENCHMARKS[args.profile]).profile()
        return
    names = args.names or DEFAULT
    info = machine()
    console.print(
        f"[bold]CTA benchmarks[/] {info['date']} · {info['cpus']} CPUs {info['cpu_model']} · "
        f"{info['memory']} · Python {info['python']}"
    )
    results: dict[str, object] = {"machine": info}
    for name in names:
        started = time.perf_counter()
        results[name] = importlib.import_module(BENCHMARKS[name]).run()
        console.print(f"[dim]{name}: {time.perf_counter() - started:.0f} s[/]\n")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    if RESULTS.exists() and args.names:  # a partial run keeps the other benchmarks' figures
        kept = json.loads(RESULTS.read_text(encoding="utf-8"))
        results = {**kept, **results}
    RESULTS.write_text(json.dumps(results, indent=2, default=str) + "\n", encoding="utf-8")
    console.print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
