"""One screening index per node: the memory of a node with two workers, before and after.

``python -m bench shared`` (only when named; about 15 minutes at 2 M alerts on a quiet
machine). ``BENCH_SHARED_ALERTS`` person alerts (default 2,000,000, the screening benchmark's
generator) are put into a SQLite node through ``Node.put_alerts``; then `cta serve` runs with
``BENCH_SHARED_WORKERS`` workers (default 2), three times:

1. with the screening process (``CTA_SCREENING_PROCESS=1``, the default): the process builds the
   index from the database and writes its snapshot (the build time is in its log line);
2. the baseline, each worker with its own index (``CTA_SCREENING_PROCESS=0``, as before issue
   14), each opening from that snapshot;
3. with the screening process again, opening from the snapshot.

For each: the seconds until ``/v1/health`` answers 200, then ``BENCH_SHARED_CHECKS`` (default
400) border checks one after another (p50, p99: the price of the hop to the screening process),
then ``BENCH_SHARED_CLIENTS`` clients (8) checking one after another for
``BENCH_SHARED_SECONDS`` (15: checks a second, closed loop), then the resident memory of the
node's processes, summed (RSS, and PSS, which counts a page
shared by several processes once), with the screening process's and the workers' own shares.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import console, percentile, table

__all__ = ["run"]

ALERTS = int(os.environ.get("BENCH_SHARED_ALERTS", "2000000"))
WORKERS = int(os.environ.get("BENCH_SHARED_WORKERS", "2"))
CHECKS = int(os.environ.get("BENCH_SHARED_CHECKS", "400"))
# common names of the three states: their screening looks at many candidates, as at a border
SURNAMES = ("MAMMADOV", "ALIYEV", "HASANOVA", "GRIGORYAN", "HARUTYUNYAN", "SARGSYAN",
            "BERIDZE", "KAPANADZE", "GELASHVILI", "IVANOVA")  # fmt: skip
CLIENTS = int(os.environ.get("BENCH_SHARED_CLIENTS", "8"))  # for the closed-loop throughput
SECONDS = float(os.environ.get("BENCH_SHARED_SECONDS", "15"))
GIVEN = ("ELCHIN", "AYNUR", "ARMEN", "LUSINE", "GIORGI", "TAMAR", "OLGA")


def _tree(root: int) -> dict[int, str]:
    """The processes under ``root`` (itself included), by pid, with their command lines."""
    parents: dict[int, int] = {}
    commands: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
            commands[int(entry.name)] = command
    found = {root: commands.get(root, "")}
    grew = True
    while grew:
        grew = False
        for pid, parent in parents.items():
            if parent in found and pid not in found:
                found[pid] = commands[pid]
                grew = True
    return found


def _memory(pid: int) -> tuple[float, float]:
    """RSS and PSS of one process, MiB."""
    text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    rss = int(re.search(r"^Rss:\s+(\d+)", text, re.M).group(1))  # type: ignore[union-attr]
    pss = int(re.search(r"^Pss:\s+(\d+)", text, re.M).group(1))  # type: ignore[union-attr]
    return rss / 1024, pss / 1024


def _node_memory(root: int) -> dict[str, Any]:
    out: dict[str, Any] = {"rss_mib": 0.0, "pss_mib": 0.0, "screening_mib": 0.0,
                           "workers_mib": [], "processes": 0}  # fmt: skip
    for pid, command in _tree(root).items():
        try:
            rss, pss = _memory(pid)
        except OSError:
            continue
        out["rss_mib"] += rss
        out["pss_mib"] += pss
        out["processes"] += 1
        if "cta.entrypoints.screening" in command:
            out["screening_mib"] = rss
        elif "multiprocessing" in command and "spawn_main" in command:
            out["workers_mib"].append(rss)
    return out


def _checks(server: Any, token: str, mrzs: list[list[str]]) -> dict[str, float]:
    times = []
    with server.client(token, "bench shared") as client:
        for mrz in mrzs:
            started = time.perf_counter()
            answer = client.post("/v1/checks", json={"mrz": mrz, "crossing_point": "GEO-TBS",
                                                     "direction": "entry"})  # fmt: skip
            times.append(time.perf_counter() - started)
            assert answer.status_code == 200, answer.text
    times.sort()
    return {"p50_ms": 1000 * percentile(times, 0.5), "p99_ms": 1000 * percentile(times, 0.99)}


def _throughput(server: Any, token: str, mrzs: list[list[str]]) -> float:
    """Checks a second with ``CLIENTS`` clients asking one after another for ``SECONDS``."""
    from concurrent.futures import ThreadPoolExecutor

    deadline = time.perf_counter() + SECONDS

    def client_loop(first: int) -> int:
        done = 0
        with server.client(token, "bench shared") as client:
            while time.perf_counter() < deadline:
                mrz = mrzs[(first + done) % len(mrzs)]
                answer = client.post("/v1/checks", json={"mrz": mrz, "crossing_point": "GEO-TBS",
                                                         "direction": "entry"})  # fmt: skip
                assert answer.status_code == 200, answer.text
                done += 1
        return done

    started = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        total = sum(pool.map(client_loop, range(0, CLIENTS * 37, 37)))
    return total / (time.perf_counter() - started)


def _run_node(url: str, folder: Path, shared: bool, token: str,
              mrzs: list[list[str]]) -> dict[str, Any]:  # fmt: skip
    from tests.integration.node_server import NodeServer

    server = NodeServer(url, folder, workers=WORKERS, init=False,
                        env={"CTA_SCREENING_PROCESS": "1" if shared else "0"})  # fmt: skip
    started = time.perf_counter()
    server.start(timeout=1800)
    result: dict[str, Any] = {"start_s": time.perf_counter() - started}
    try:
        result |= _checks(server, token, mrzs)
        result["per_second"] = _throughput(server, token, mrzs)
        assert server.process is not None
        result |= _node_memory(server.process.pid)
        built = re.search(r"(\d+) alerts from the (\w+) in ([\d.]+) s(?: \(([\d.]+) s of CPU\))?"
                          r"(?: \(([\d.]+) s of CPU in a reading worker\))?",
                          server.log_file.read_text(errors="replace"))  # fmt: skip
        if built:
            result["opened"] = {"alerts": int(built[1]), "from": built[2],
                                "seconds": float(built[3]),
                                "cpu_seconds": float(built[4]) if built[4] else None,
                                "worker_cpu_seconds": float(built[5]) if built[5] else None,
                                }  # fmt: skip
    finally:
        server.stop()
    return result


def run() -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).parent.parent))
    from tests.integration.node_server import add_user, passport

    from bench.bench_node import _alerts
    from bench.screen_data import alert_persons
    from cta.domain.roles import Role

    results: dict[str, Any] = {"alerts": ALERTS, "workers": WORKERS, "checks": CHECKS,
                               "load_before": os.getloadavg()}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="cta-bench-shared-") as tmp:
        folder = Path(tmp)
        url = f"sqlite:///{folder / 'node.sqlite'}"
        from cta.bootstrap import build_node
        from cta.settings import Settings

        build_node(Settings(database_url=url)).store.engine.dispose()  # type: ignore[attr-defined]
        persons = alert_persons(ALERTS, seed=2024)
        results["put_alerts_s"] = _alerts(url, ALERTS, persons)
        console.print(f"  put {ALERTS:,} alerts in {results['put_alerts_s']:.0f} s")
        token = add_user(url, "officer.bench", Role.BORDER_OFFICER)
        mrzs = [passport("GEO", surname=SURNAMES[n % len(SURNAMES)],
                         given_names=GIVEN[n // len(SURNAMES) % len(GIVEN)])
                for n in range(CHECKS)]  # fmt: skip
        for label, shared in (("shared, built", True), ("per worker", False),
                              ("shared, snapshot", True)):  # fmt: skip
            results[label] = _run_node(url, folder / label.replace(", ", "-"), shared, token,
                                       mrzs)  # fmt: skip
            console.print(f"  {label}: {results[label]}")
    results["load_after"] = os.getloadavg()
    _print(results)
    return results


def _print(r: dict[str, Any]) -> None:
    out = table(f"A node with {r['workers']} workers and {r['alerts']:,} alerts (SQLite)",
                "node", "RSS MiB", "PSS MiB", "screening MiB", "workers MiB",
                "start s", "check p50 ms", "p99 ms", "checks/s")  # fmt: skip
    for label in ("per worker", "shared, built", "shared, snapshot"):
        x = r[label]
        out.add_row(label, f"{x['rss_mib']:,.0f}", f"{x['pss_mib']:,.0f}",
                    f"{x['screening_mib']:,.0f}",
                    " + ".join(f"{w:,.0f}" for w in x["workers_mib"]),
                    f"{x['start_s']:.0f}", f"{x['p50_ms']:.1f}", f"{x['p99_ms']:.1f}",
                    f"{x.get('per_second', 0):,.0f}")
    console.print(out)
    base, ours = r["per worker"], r["shared, snapshot"]
    console.print(f"shared / per worker: PSS {ours['pss_mib'] / base['pss_mib']:.2f}, "
                  f"check p50 {ours['p50_ms'] / base['p50_ms']:.2f}, checks/s "
                  f"{ours.get('per_second', 0) / max(1, base.get('per_second', 0)):.2f}; load "
                  f"{r['load_before']} → {r['load_after']}")
