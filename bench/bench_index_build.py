"""The screening index built from the database (a node's first start, no snapshot): old and new.

``python -m bench index`` (only when named). ``BENCH_INDEX_ALERTS`` person alerts (default
200,000, the screening benchmark's generator, as ``bench shared`` puts them) in a SQLite node,
or the node database ``BENCH_INDEX_DATABASE`` (a file ``bench shared`` or an earlier run
filled: filling 2 M takes ~12 minutes). Then ``AlertBook.open`` with a snapshot file, as the
screening process opens it (the build, then the snapshot written), in a fresh process for
each run, the baseline tree (``BENCH_INDEX_BASELINE``, a git ref, default d990a63: before
session 10) and this tree alternately, ``BENCH_INDEX_ROUNDS`` times each (default 3): wall and
CPU seconds of the opening (the process's own, and its worker's: the reading on a second
core), resident memory after it, the load average. Medians and the new/old ratios.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
from io import BytesIO
from pathlib import Path
from typing import Any

from bench.common import console, table

__all__ = ["run"]

ALERTS = int(os.environ.get("BENCH_INDEX_ALERTS", "200000"))
ROUNDS = int(os.environ.get("BENCH_INDEX_ROUNDS", "3"))
BASELINE = os.environ.get("BENCH_INDEX_BASELINE", "d990a63")
DATABASE = os.environ.get("BENCH_INDEX_DATABASE", "")
ROOT = Path(__file__).parent.parent

# One opening, in its own process (the code under test is whatever ``cta`` PYTHONPATH gives).
_CHILD = """
import json, os, resource, sys, time
from pathlib import Path
from cta.bootstrap import build_node
from cta.services.alerts import AlertBook
from cta.settings import Settings
node = build_node(Settings(database_url=sys.argv[1], alert_snapshot="off"),
                  migrate_schema=False, create=False)
book = AlertBook(Path(sys.argv[2]))
load = os.getloadavg()[0]
children = resource.getrusage(resource.RUSAGE_CHILDREN)
started, cpu = time.monotonic(), time.process_time()
book.open(node.store)
wall, cpu = time.monotonic() - started, time.process_time() - cpu
after = resource.getrusage(resource.RUSAGE_CHILDREN)
worker = after.ru_utime + after.ru_stime - children.ru_utime - children.ru_stime
status = Path("/proc/self/status").read_text()
rss = int(status.split("VmRSS:")[1].split()[0]) / 1024
print(json.dumps({"alerts": len(book), "from": book.opened_from, "wall": wall, "cpu": cpu,
                  "worker_cpu": worker, "rss_mib": rss, "load": load,
                  "snapshot_mib": Path(sys.argv[2]).stat().st_size / 2**20}))
"""


def _baseline_tree(folder: Path) -> Path:
    """The baseline's ``src`` unpacked from git (``git archive``), for its PYTHONPATH."""
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", BASELINE, "src"],
                             check=True, capture_output=True).stdout  # fmt: skip
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    return folder / "src"


def _open(url: str, source: Path, snapshot: Path) -> dict[str, Any]:
    environment = {**os.environ, "PYTHONPATH": str(source)}
    done = subprocess.run([sys.executable, "-c", _CHILD, url, str(snapshot)], env=environment,
                          check=True, capture_output=True, text=True)  # fmt: skip
    snapshot.unlink(missing_ok=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run() -> dict[str, Any]:
    sys.path.insert(0, str(ROOT))
    results: dict[str, Any] = {"baseline": BASELINE, "rounds": ROUNDS, "runs": []}
    with tempfile.TemporaryDirectory(prefix="cta-bench-index-") as tmp:
        folder = Path(tmp)
        if DATABASE:
            url = f"sqlite:///{DATABASE}"
        else:
            from bench.bench_node import _alerts
            from cta.bootstrap import build_node
            from cta.settings import Settings

            url = f"sqlite:///{folder / 'node.sqlite'}"
            build_node(Settings(database_url=url)).store.engine.dispose()  # type: ignore[attr-defined]
            results["put_alerts_s"] = _alerts(url, ALERTS)
            console.print(f"  put {ALERTS:,} alerts in {results['put_alerts_s']:.0f} s")
        sides = {"old": _baseline_tree(folder / "baseline"), "new": ROOT / "src"}
        for round_ in range(ROUNDS):
            for side, source in sides.items():
                result = {"side": side, "round": round_ + 1,
                          **_open(url, source, folder / "snapshot")}  # fmt: skip
                results["runs"].append(result)
                console.print(f"  {side} {round_ + 1}: {result}")
    _print(results)
    return results


def _print(results: dict[str, Any]) -> None:
    runs = results["runs"]
    out = table(f"The screening index opened from the database ({runs[0]['alerts']:,} alerts, "
                f"SQLite; baseline {results['baseline']})", "run", "wall s", "CPU s",
                "worker CPU s", "RSS MiB after", "load")  # fmt: skip
    for r in runs:
        out.add_row(f"{r['side']} {r['round']}", f"{r['wall']:.1f}", f"{r['cpu']:.1f}",
                    f"{r['worker_cpu']:.1f}", f"{r['rss_mib']:,.0f}", f"{r['load']:.1f}")
    medians = {side: {key: statistics.median(r[key] for r in runs if r["side"] == side)
                      for key in ("wall", "cpu", "worker_cpu", "rss_mib")}
               for side in ("old", "new")}  # fmt: skip
    for side, m in medians.items():
        out.add_row(f"{side}, median", f"{m['wall']:.1f}", f"{m['cpu']:.1f}",
                    f"{m['worker_cpu']:.1f}", f"{m['rss_mib']:,.0f}", "")
    old, new = medians["old"], medians["new"]
    out.add_row("new / old", f"{new['wall'] / old['wall']:.2f}", f"{new['cpu'] / old['cpu']:.2f}",
                "", f"{new['rss_mib'] / old['rss_mib']:.2f}", "")
    console.print(out)
    results["medians"] = medians
