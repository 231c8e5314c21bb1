"""Carriers' manifests: ``POST /v1/carrier-checks`` of 1,000 travellers on a real server.

For each database: a register of ``BENCH_CARRIERS_PERSONS`` persons (default 100,000; one
passport each, three crossings on average: ``bench.bench_node.build``), a travel authorisation
for two thirds of them and a single-entry common visa for one in five, ``BENCH_CARRIERS_ALERTS``
person alerts (default 10,000) and one ``invalidated_document`` alert per 1,000 persons, then
``cta serve`` (``CTA_WORKERS=2``) and, from a separate process over one keep-alive connection:

* ours: ``MANIFESTS`` manifests of 1,000 travellers (nine in ten known to the node, the rest
  not), one request each: the latency of a manifest (target: under 1 s);
* the baseline: the first manifest asked one traveller per request, 1,000 requests in a row,
  as a client of a one-traveller interface would: the time for the whole manifest.

Beside them, the use case in-process (``check_manifest``, no HTTP): where the time goes.
``BENCH_CARRIERS_DATABASES=sqlite`` runs one database only.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_node import _database, _fields, build, load
from bench.common import console, table

__all__ = ["run"]

PERSONS = int(os.environ.get("BENCH_CARRIERS_PERSONS", "100000"))
ALERTS = int(os.environ.get("BENCH_CARRIERS_ALERTS", "10000"))
DATABASES = os.environ.get("BENCH_CARRIERS_DATABASES", "sqlite,postgresql").split(",")
MANIFEST = 1_000
MANIFESTS = 20
IN_PROCESS = 10  # manifests answered in-process, for the median
WORKERS = 2
TODAY = datetime.now(UTC).date()


def _permits(url: str, persons: int) -> dict[str, int]:
    """Authorisations and visas for a share of the register, written with Core in bulk."""
    from sqlalchemy import create_engine, insert, select

    from cta.adapters.storage import tables as t

    engine = create_engine(url)
    now = datetime.now(UTC)
    counts = {"authorizations": 0, "visas": 0}
    with engine.begin() as connection:
        owners = dict(connection.execute(
            select(t.documents.c.document_number, t.documents.c.person_id)).all())  # fmt: skip
        authorizations, visas = [], []
        for i in range(persons):
            number = _fields(i)["document_number"]
            person = owners[number]
            if i % 3:
                authorizations.append({
                    "person_id": person, "document_number": number,
                    "valid_from": TODAY - timedelta(days=30),
                    "valid_to": TODAY + timedelta(days=700), "issued_at": now})  # fmt: skip
            if i % 5 == 0:
                visas.append({
                    "person_id": person, "document_number": number,
                    "valid_from": TODAY - timedelta(days=10),
                    "valid_to": TODAY + timedelta(days=80), "entries": 1, "entries_used": 0,
                    "duration_days": 30, "issued_at": now})  # fmt: skip
        for table_, rows in ((t.authorizations, authorizations), (t.visas, visas)):
            for start in range(0, len(rows), 20_000):
                connection.execute(insert(table_), rows[start : start + 20_000])
            counts[table_.name] = len(rows)
    engine.dispose()
    return counts


def _alerts(url: str, persons: int, count: int) -> None:
    """Person alerts from the screening benchmark's generator, and invalidated documents."""
    from bench.screen_data import alert_line, alert_persons
    from cta.bootstrap import build_node
    from cta.domain.roles import Role
    from cta.services.node import Actor
    from cta.settings import Settings

    lines = [alert_line(p) | {"issuing_state": "GEO"} for p in alert_persons(count)]
    lines += [{"id": f"GEO-LOST-{i}", "category": "invalidated_document",
               "document_numbers": [_fields(i)["document_number"]]}
              for i in range(7, persons, 1000)]  # fmt: skip
    node = build_node(Settings(database_url=url, alert_snapshot="off"))
    node.put_alerts(Actor("admin.bench", Role.ADMIN), lines)
    node.store.engine.dispose()  # type: ignore[attr-defined]


def manifests(persons: int, count: int) -> list[list[dict[str, str]]]:
    """``count`` manifests of ``MANIFEST`` travellers: nine in ten on the register."""
    result = []
    for m in range(count):
        travellers = []
        for n in range(MANIFEST):
            i = (m * 7919 + n * 104_729) % persons
            f = _fields(i)
            number = f["document_number"] if n % 10 else f"U{m:03d}{n:05d}"
            travellers.append({"document_number": number, "issuing_state": f["issuing_state"],
                               "nationality": f["nationality"]})  # fmt: skip
        result.append(travellers)
    return result


def _in_process(url: str, bodies: list[list[dict[str, str]]]) -> dict[str, float]:
    """``check_manifest`` without HTTP: median and worst of ``IN_PROCESS`` manifests."""
    from cta.bootstrap import build_node
    from cta.domain.roles import Role
    from cta.services.carriers import CarrierCheck, Traveller, check_manifest
    from cta.services.node import Actor
    from cta.settings import Settings

    node = build_node(Settings(database_url=url, alert_snapshot="off"))
    node.alerts.open(node.store)  # as each server worker does at start (``asgi``)
    actor = Actor("carrier.bench", Role.CARRIER, "benchmark")
    times = []
    for body in bodies[:IN_PROCESS]:
        command = CarrierCheck([Traveller(**t) for t in body])
        started = time.perf_counter()
        check_manifest(node, actor, command)
        times.append(time.perf_counter() - started)
    node.store.engine.dispose()  # type: ignore[attr-defined]
    return {"median_ms": statistics.median(times) * 1e3, "max_ms": max(times) * 1e3}


def _over_http(server: Any, token: str, bodies: list[Any], seconds: float) -> dict[str, Any]:
    return load({"host": "127.0.0.1", "port": server.port, "token": token, "seconds": seconds,
                 "connections": 1, "rate": 0, "cycle": False, "method": "POST",
                 "path": "/v1/carrier-checks", "bodies": bodies})  # fmt: skip


def _bench(kind: str, folder: Path) -> dict[str, Any]:
    sys.path.insert(0, str(Path(__file__).parent.parent))
    from tests.integration.node_server import NodeServer, add_user

    from cta.domain.roles import Role

    result: dict[str, Any] = {}
    with _database(kind, folder) as url:
        console.print(f"[bold]{kind}[/]: {PERSONS:,} persons, permits, {ALERTS:,} alerts")
        result["build"] = build(url, PERSONS)
        result["permits"] = _permits(url, PERSONS)
        _alerts(url, PERSONS, ALERTS)
        bodies = manifests(PERSONS, MANIFESTS)
        result["in_process"] = _in_process(url, bodies)
        token = add_user(url, "carrier.bench", Role.CARRIER)
        with NodeServer(url, folder / "server", workers=WORKERS) as server:
            _over_http(server, token, [{"travellers": bodies[-1]}] * 2, 60)  # warm both workers
            result["manifests"] = _over_http(server, token,
                                             [{"travellers": b} for b in bodies], 600)
            singles = [{"travellers": [t]} for t in bodies[0]]
            result["one_per_query"] = _over_http(server, token, singles, 600)
    return result


def run() -> dict[str, Any]:
    """Every database in turn; prints the table and returns the figures."""
    results: dict[str, Any] = {"persons": PERSONS, "alerts": ALERTS, "manifest": MANIFEST,
                               "manifests": MANIFESTS, "workers": WORKERS}  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="cta-bench-carriers-") as tmp:
        for kind in DATABASES:
            folder = Path(tmp) / kind
            folder.mkdir()
            results[kind] = _bench(kind, folder)
    _print(results)
    return results


def _print(results: dict[str, Any]) -> None:
    out = table(f"carrier manifests of {MANIFEST:,} on loopback: {results['persons']:,} persons, "
                f"{WORKERS} workers, one connection", "measurement",
                *[f"{k} {c}" for k in DATABASES for c in ("p50 ms", "p99 ms", "max ms")])
    for name, label in (("manifests", f"ours: one request of {MANIFEST:,}"),):
        cells = []
        for kind in DATABASES:
            r = results[kind][name]
            cells += [f"{r['p50_ms']:.0f}", f"{r['p99_ms']:.0f}", f"{r['max_ms']:.0f}"]
        out.add_row(label, *cells)
    cells = []
    for kind in DATABASES:
        r = results[kind]["one_per_query"]
        cells += [f"{r['seconds'] * 1e3:.0f}", "-", "-"]
    out.add_row(f"baseline: {MANIFEST:,} requests of one (the whole manifest)", *cells)
    cells = []
    for kind in DATABASES:
        r = results[kind]["in_process"]
        cells += [f"{r['median_ms']:.0f}", "-", f"{r['max_ms']:.0f}"]
    out.add_row("ours in-process (check_manifest, no HTTP)", *cells)
    console.print(out)
    for kind in DATABASES:
        ours = results[kind]["manifests"]["p50_ms"] / 1e3
        base = results[kind]["one_per_query"]["seconds"]
        console.print(f"{kind}: a manifest in one request is {base / ours:.1f}x faster than "
                      f"one traveller per request; statuses "
                      f"{results[kind]['manifests']['statuses']}")  # fmt: skip


if __name__ == "__main__":
    import json

    print(json.dumps(run(), default=str, indent=2))
