"""The border officer's console: from the officer's Enter to the decision's page, on a real
``cta serve`` (SQLite) holding ``BENCH_OFFICER_PERSONS`` travellers (default 20,000, built as
``bench.bench_node`` builds them).

A signed-in officer's browser session (httpx, one keep-alive connection) sends ``CHECKS``
scans of known travellers' MRZs to ``POST /officer/check``, the request the page's script sends
on the last Enter; each answer is the whole page with the decision drawn. Target: p95 under
300 ms; and every page under 200 KB.
"""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.bench_node import _mrz, build
from bench.common import console, percentile, table

__all__ = ["run"]

PERSONS = int(os.environ.get("BENCH_OFFICER_PERSONS", "20000"))
CHECKS = 200
TARGET_P95 = 0.300


def _token(text: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', text)
    assert found is not None
    return found.group(1)


def run() -> dict[str, Any]:
    from tests.integration.node_server import NodeServer, add_user

    from cta.domain.roles import Role

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'node.sqlite'}"
        with NodeServer(url, Path(folder)) as server:
            build(url, PERSONS)
            token = add_user(url, "officer.bench", Role.BORDER_OFFICER)
            with server.client(purpose=None) as client:
                form = _token(client.get("/sign-in").text)
                client.post("/sign-in", data={"csrf_token": form, "method": "token",
                                              "token": token})  # fmt: skip
                csrf = _token(client.get("/officer").text)
                client.post("/officer/post", data={"csrf_token": csrf,
                                                   "crossing_point": "GEO-TBS",
                                                   "direction": "entry"})  # fmt: skip
                seconds, sizes = [], []
                for i in range(CHECKS):
                    mrz = "\n".join(_mrz((i * 97) % PERSONS))
                    started = time.perf_counter()
                    answer = client.post("/officer/check", data={"csrf_token": csrf, "mrz": mrz})
                    seconds.append(time.perf_counter() - started)
                    assert answer.status_code == 200 and 'id="decision"' in answer.text
                    sizes.append(len(answer.content))
    seconds.sort()
    result = {"persons": PERSONS, "checks": CHECKS,
              "median_ms": round(statistics.median(seconds) * 1000, 1),
              "p95_ms": round(percentile(seconds, 0.95) * 1000, 1),
              "max_page_kb": round(max(sizes) / 1024, 1)}  # fmt: skip
    shown = table("Officer's console: Enter to decision page", "persons", "checks", "median",
                  "p95 (target 300 ms)", "largest page")
    shown.add_row(f"{PERSONS:,}", str(CHECKS), f"{result['median_ms']} ms",
                  f"{result['p95_ms']} ms", f"{result['max_page_kb']} KB")
    console.print(shown)
    result["meets_target"] = result["p95_ms"] <= TARGET_P95 * 1000
    return result
