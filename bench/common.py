"""Timing helpers, the machine description and the shared console of the benchmarks."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table

__all__ = ["console", "machine", "median_seconds", "percentile", "table"]

console = Console(width=None if sys.stdout.isatty() else 120)


def median_seconds(run: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    """The median wall time of ``repeats`` calls of ``run``, and every time measured."""
    times: list[float] = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def percentile(sorted_values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of an already sorted list."""
    index = max(0, min(len(sorted_values) - 1, round(fraction * len(sorted_values)) - 1))
    return sorted_values[index]


def table(title: str, *columns: str) -> Table:
    """A results table; columns after the first are right-aligned figures."""
    result = Table(title=title, title_justify="left")
    for i, name in enumerate(columns):
        result.add_column(name, justify="left" if i == 0 else "right")
    return result


def _lscpu_model() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _memory() -> str:
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemTotal:"):
                    return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def machine() -> dict[str, str]:
    """Where the figures come from."""
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": str(os.cpu_count()),
        "cpu_model": _lscpu_model(),
        "memory": _memory(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
