"""The node under load: a real server on loopback, a big database, SQLite and PostgreSQL.

For each database: build a register of ``BENCH_NODE_PERSONS`` persons (default 1,000,000; one
document each) and three times as many crossings with the bulk path of imports
(``cta.adapters.storage.bulk``), timed; put ``BENCH_NODE_ALERTS`` person alerts (default
100,000, from the screening benchmark's generator) in it, which every check then screens;
on PostgreSQL, ``VACUUM (ANALYZE)`` after that bulk load, as its manual asks (else autovacuum
and the first readers do that work while the checks are measured); start ``cta serve``
(``CTA_WORKERS=2``) on it; from a
separate process (``python -m bench.bench_node load ...``, a small asyncio HTTP/1.1 client)
measure, each ``REPEATS`` times, bounded in time:

* ``GET /v1/health``, closed loop: the HTTP stack's ceiling (the baseline);
* ``POST /v1/checks`` of known travellers, closed loop (the most the node does) and open loop
  at 500 a second, latency counted from when each request was due, so a server that falls
  behind is charged for it;
* ``POST /v1/crossings``: entries of known travellers, closed loop, each traveller once;
* then, on the same database, the server again with TLS on (a self-signed certificate, as a
  node serves its federation endpoint), and ``POST /v1/checks`` open loop at 1,000 a second
  over HTTPS (the target: p99 under 50 ms), the connections' handshakes before the clock;

then import ``BENCH_NODE_IMPORT`` crossings (default 1,000,000, of new travellers, three
crossings each) from a JSON Lines file with ``import_crossings``, the command's use case.
``BENCH_NODE_DATABASES=sqlite`` runs one database only. Figures are medians over the repeats.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.common import console, percentile, table

__all__ = ["run"]

PERSONS = int(os.environ.get("BENCH_NODE_PERSONS", "1000000"))
IMPORT = int(os.environ.get("BENCH_NODE_IMPORT", "1000000"))
DATABASES = os.environ.get("BENCH_NODE_DATABASES", "sqlite,postgresql").split(",")
SERVE = os.environ.get("BENCH_NODE_SERVE", "1") != "0"  # 0: build and import only
REPEATS = 3
SECONDS = float(os.environ.get("BENCH_NODE_SECONDS", "8"))  # per measurement
CONCURRENCY = 16  # connections of the closed loop
TARGET_RATE = 500.0  # checks a second, open loop
TLS_RATE = 1000.0  # checks a second, open loop over HTTPS (issue 14's target: p99 < 50 ms)
OPEN_CONNECTIONS = 64
STARTUP_SECONDS = 600.0  # each worker builds the screening index of ALERTS before it serves
WORKERS = 2
POINT = "GEO-TBS"
TODAY = datetime.now(UTC).date()
NATIONALITIES = ("GEO", "ARM", "AZE", "RUS", "TUR", "UKR", "USA", "GBR", "IND", "IRN", "CHN",
                 "ISR", "D", "FRA", "KAZ")  # fmt: skip
SURNAMES = tuple(
    a + b for a in ("BERI", "PETRO", "ALI", "IVANO", "SMI", "MUELL", "KAR", "GEL", "ASLA", "WAN")
    for b in ("DZE", "SYAN", "YEV", "V", "TH", "ER", "IMOV", "OVA", "N", "G")
)  # fmt: skip
# the server's settings from this process's own CTA_* variables (e.g. CTA_SCREENING_PROCESS=0
# to screen in each worker, as before the screening process); the test server drops the rest
SERVER_ENV = {k: v for k, v in os.environ.items() if k.startswith("CTA_")}
ALERTS = int(os.environ.get("BENCH_NODE_ALERTS", "100000"))  # person alerts every check screens
GIVEN = ("NINO", "ANI", "RASHAD", "OLGA", "JOHN", "ANNA", "LEYLA", "DAVIT", "MEHMET", "LI")


# -- the register ------------------------------------------------------------------------------


def _fields(i: int) -> dict[str, Any]:
    """Person ``i``'s passport, the same every time it is asked for (no random state)."""
    nationality = NATIONALITIES[i % len(NATIONALITIES)]
    born = date(1950, 1, 1) + timedelta(days=(i * 7919) % 20_000)
    return {
        "nationality": nationality, "issuing_state": nationality,
        "document_number": f"B{i:08d}", "surname": SURNAMES[(i * 31) % len(SURNAMES)],
        "given_names": GIVEN[(i * 17) % len(GIVEN)], "birth_date": born,
        "sex": "F" if i % 2 else "M", "expiry_date": TODAY + timedelta(days=400 + i % 3000),
    }  # fmt: skip


def _mrz(i: int) -> list[str]:
    from cta.domain.documents import DocumentFields, DocumentType, generate_mrz

    f = _fields(i)
    return list(generate_mrz(DocumentFields(
        DocumentType.TD3, "P", f["issuing_state"], f["surname"], f["given_names"],
        f["document_number"], f["nationality"], f["birth_date"], f["sex"], f["expiry_date"],
    )))  # fmt: skip


def _crossings_of(i: int) -> Iterator[tuple[str, date]]:
    """Two crossings for even persons, four for odd ones (three on average), all closed stays."""
    day = TODAY - timedelta(days=420 - i % 200)
    for _ in range(1 + i % 2):
        yield "entry", day
        day += timedelta(days=3 + i % 17)
        yield "exit", day
        day += timedelta(days=30 + i % 41)


def build(url: str, persons: int, chunk: int = 50_000) -> dict[str, float]:
    """Fill an empty node with ``persons`` travellers and their crossings; seconds taken."""
    from cta.adapters.storage.bulk import SqlBulkStore
    from cta.bootstrap import build_node
    from cta.settings import Settings

    node = build_node(Settings(database_url=url))
    store = SqlBulkStore(node.store.engine)  # type: ignore[attr-defined]
    now = datetime.now(UTC)
    started = time.perf_counter()
    crossings = 0
    with store.session() as session:
        for first in range(0, persons, chunk):
            people = [_fields(i) for i in range(first, min(persons, first + chunk))]
            ids = session.add_persons([
                {"surname": f["surname"], "given_names": f["given_names"],
                 "nationality": f["nationality"], "birth_date": f["birth_date"],
                 "birth_date_raw": f["birth_date"].strftime("%y%m%d"), "sex": f["sex"],
                 "created_at": now, "last_exit": None, "last_seen": None, "overstayed": False}
                for f in people
            ])  # fmt: skip
            documents = session.add_documents([
                {"person_id": p, "document_code": "P", "issuing_state": f["issuing_state"],
                 "document_number": f["document_number"], "expiry_date": f["expiry_date"],
                 "first_seen": now} for p, f in zip(ids, people, strict=True)
            ])  # fmt: skip
            rows = [
                {"person_id": p, "document_id": d, "direction": direction,
                 "crossing_point": POINT,
                 "occurred_at": datetime(day.year, day.month, day.day, 6, tzinfo=UTC),
                 "time_zone": "Asia/Tbilisi", "local_date": day, "officer": "officer.bench",
                 "decision": "admit", "override_reason": None, "recorded_at": now,
                 "outbox_seq": None}  # a register built whole: no records to correct
                for i, p, d in zip(range(first, first + len(ids)), ids, documents, strict=True)
                for direction, day in _crossings_of(i)
            ]  # fmt: skip
            session.add_crossings(rows)
            crossings += len(rows)
    seconds = time.perf_counter() - started
    node.store.engine.dispose()  # type: ignore[attr-defined]
    return {"seconds": seconds, "persons": persons, "crossings": crossings}


def _import_file(path: Path, count: int, first_person: int) -> None:
    """``count`` crossings of new travellers (from ``first_person`` on), three each."""
    with path.open("w", encoding="utf-8") as out:
        for n in range(count):
            i = first_person + n // 3
            f = _fields(i)
            direction, day = ("entry", "exit", "entry")[n % 3], TODAY - timedelta(days=300)
            day += timedelta(days=(n % 3) * 20 + i % 50)
            out.write(json.dumps({
                "direction": direction, "crossing_point": POINT,
                "occurred_at": f"{day.isoformat()}T10:15:00+04:00", "officer": "officer.old",
                "document": {
                    "issuing_state": f["issuing_state"], "document_number": f"N{i:08d}",
                    "nationality": f["nationality"], "surname": f["surname"],
                    "given_names": f["given_names"],
                    "birth_date_raw": f["birth_date"].strftime("%y%m%d"), "sex": f["sex"],
                    "expiry_date": f["expiry_date"].isoformat()},
            }) + "\n")  # fmt: skip


def import_file(url: str, path: Path) -> dict[str, float]:
    """Import the file with the use case of ``cta import crossings``; seconds and counts."""
    import hashlib

    from cta.adapters.storage.bulk import SqlBulkStore
    from cta.bootstrap import build_node
    from cta.domain.roles import Role
    from cta.services.imports import ImportCrossings, import_crossings
    from cta.services.node import Actor
    from cta.settings import Settings

    node = build_node(Settings(database_url=url))
    store = SqlBulkStore(node.store.engine)  # type: ignore[attr-defined]

    def lines() -> Iterator[tuple[int, bytes]]:
        with path.open("rb") as file:
            yield from enumerate(file, start=1)

    started = time.perf_counter()
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    command = ImportCrossings(path.name, digest, lines())
    report = import_crossings(node, Actor("admin.bench", Role.ADMIN), command, store)
    seconds = time.perf_counter() - started
    node.store.engine.dispose()  # type: ignore[attr-defined]
    return {"seconds": seconds, "imported": report.imported, "skipped": report.skipped,
            "persons_created": report.persons_created}  # fmt: skip


# -- the load generator (a separate process) ---------------------------------------------------


def _request(method: str, path: str, token: str | None, body: bytes | None) -> bytes:
    head = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    if token:
        head += [f"Authorization: Bearer {token}", "X-Purpose: benchmark"]
    if body is not None:
        head += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + (body or b"")


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    lower = head.lower()
    at = lower.find(b"content-length:")
    length = int(lower[at + 15 : lower.find(b"\r\n", at)]) if at >= 0 else 0
    await reader.readexactly(length)
    return status


async def _load(spec: dict[str, Any]) -> dict[str, Any]:
    """Closed loop (``rate`` 0: each connection sends as soon as it has its answer) or open
    loop (requests due every 1/rate s; latency from when each was due). With ``certificate``
    over TLS, pinned to it. Every connection is opened (and its handshake done) before the
    clock starts."""
    requests = [_request(spec["method"], spec["path"], spec["token"],
                         None if b is None else json.dumps(b).encode())
                for b in spec["bodies"]]  # fmt: skip
    cycle = spec["cycle"]
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    state = {"next": 0}
    rate = float(spec["rate"])
    context = None
    if spec.get("certificate"):
        from cta.federation.tls import certificate_context

        context = certificate_context(Path(spec["certificate"]))
    opened = await asyncio.gather(*(
        asyncio.open_connection(spec["host"], spec["port"], ssl=context)
        for _ in range(spec["connections"])))  # fmt: skip
    started, cpu_before = time.perf_counter(), time.process_time()
    deadline = started + float(spec["seconds"])

    def take() -> tuple[int, float] | None:
        n = state["next"]
        if not cycle and n >= len(requests):
            return None
        due = started + n / rate if rate else time.perf_counter()
        if due >= deadline or time.perf_counter() >= deadline:
            return None
        state["next"] = n + 1
        return n % len(requests), due

    async def connection(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while (job := take()) is not None:
                index, due = job
                if rate and (wait := due - time.perf_counter()) > 0:
                    await asyncio.sleep(wait)
                sent = due if rate else time.perf_counter()
                status = await _exchange(reader, writer, requests[index])
                latencies.append(time.perf_counter() - sent)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    await asyncio.gather(*(connection(r, w) for r, w in opened))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies), "seconds": elapsed, "per_second": len(latencies) / elapsed,
        "p50_ms": percentile(latencies, 0.5) * 1e3, "p99_ms": percentile(latencies, 0.99) * 1e3,
        "max_ms": latencies[-1] * 1e3, "statuses": statuses,
        "cpu_seconds": time.process_time() - cpu_before,
    }  # fmt: skip


def load(spec: dict[str, Any]) -> dict[str, Any]:
    """Run one measurement in a separate process (``python -m bench.bench_node load``)."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(spec, file)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.bench_node", "load", file.name],
            capture_output=True, text=True, check=True, timeout=float(spec["seconds"]) + 120,
            cwd=Path(__file__).parent.parent,
        )  # fmt: skip
    finally:
        os.unlink(file.name)
    return dict(json.loads(done.stdout))


# -- one database ------------------------------------------------------------------------------


@contextmanager
def _database(kind: str, folder: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'node.sqlite'}"
        return
    sys.path.insert(0, str(Path(__file__).parent.parent))
    from tests.pg import PostgresServer

    settings = {"shared_buffers": "1GB", "max_wal_size": "8GB", "checkpoint_timeout": "30min"}
    with PostgresServer(settings=settings) as server:
        yield server.url


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _server_cpu(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the server started as ``pid`` (a session
    leader: its workers share its process group; the screening process is its child in a
    session of its own), by part: ``workers`` (uvicorn's), ``screening`` (the screening
    process), ``main`` (the supervisor)."""
    from tests.proc import processes

    used = {"main": 0.0, "workers": 0.0, "screening": 0.0}
    for _, fields, command in processes():
        if pid not in (int(fields[1]), int(fields[2])):  # the parent, the process group
            continue
        part = ("screening" if b"cta.entrypoints.screening" in command
                else "workers" if b"multiprocessing" in command else "main")  # fmt: skip
        used[part] += (int(fields[11]) + int(fields[12])) / _TICK
    return used


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    keys = ("per_second", "p50_ms", "p99_ms", "max_ms", "cpu_ms_workers", "cpu_ms_screening",
            "cpu_ms_load")
    result: dict[str, Any] = {k: statistics.median(r[k] for r in runs) for k in keys}
    result["runs"] = runs
    return result


def _measure(server: Any, token: str, name: str, **spec: Any) -> dict[str, Any]:
    runs = []
    for repeat in range(REPEATS):
        bodies = spec["bodies"]
        if not spec.get("cycle", True):  # each repeat its own travellers
            per = len(bodies) // REPEATS
            bodies = bodies[repeat * per : (repeat + 1) * per]
        before = _server_cpu(server.process.pid)
        r = load({
            "host": "127.0.0.1", "port": server.port, "token": token, "seconds": SECONDS,
            "connections": CONCURRENCY, "rate": 0, "cycle": True, **spec, "bodies": bodies,
        })  # fmt: skip
        after = _server_cpu(server.process.pid)
        # CPU per request: less at the mercy of other load on the machine than requests per
        # second (what the load generator itself used is reported by it)
        for part in ("workers", "screening"):
            r[f"cpu_ms_{part}"] = (after[part] - before[part]) * 1e3 / max(1, r["requests"])
        r["cpu_ms_load"] = r.pop("cpu_seconds") * 1e3 / max(1, r["requests"])
        runs.append(r)
        console.print(f"  {name} #{repeat + 1}: {r['per_second']:,.0f}/s p50 {r['p50_ms']:.1f} "
                      f"ms p99 {r['p99_ms']:.1f} ms  {r['statuses']}; CPU ms a request: "
                      f"workers {r['cpu_ms_workers']:.2f}, screening {r['cpu_ms_screening']:.2f}, "
                      f"load generator {r['cpu_ms_load']:.2f}")  # fmt: skip
    return _median(runs)


def _profile(server: Any, token: str, checks: list[Any], folder: Path) -> str | None:
    """py-spy over the server's processes during a closed-loop run of checks, if installed."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    if not Path(spy).exists():
        return None
    out = folder / "checks.pyspy.txt"
    proc = subprocess.Popen(
        [spy, "record", "--pid", str(server.process.pid), "--subprocesses", "--duration",
         str(int(SECONDS)), "--format", "raw", "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    time.sleep(1.0)
    load({"host": "127.0.0.1", "port": server.port, "token": token, "seconds": SECONDS,
          "connections": CONCURRENCY, "rate": 0, "cycle": True, "method": "POST",
          "path": "/v1/checks", "bodies": checks})  # fmt: skip
    proc.wait(timeout=120)
    return str(out) if out.exists() else None


def _loads(result: dict[str, Any], server: Any, officer: str, checks: list[Any],
           records: list[Any], folder: Path) -> None:  # fmt: skip
    result["health"] = _measure(server, officer, "health", method="GET", path="/v1/health",
                                bodies=[None])  # fmt: skip
    result["checks"] = _measure(server, officer, "checks", method="POST", path="/v1/checks",
                                bodies=checks)  # fmt: skip
    result["checks_500"] = _measure(
        server, officer, "checks at 500/s", method="POST", path="/v1/checks", bodies=checks,
        rate=TARGET_RATE, connections=OPEN_CONNECTIONS,
    )  # fmt: skip
    result["records"] = _measure(server, officer, "entries", method="POST",
                                 path="/v1/crossings", bodies=records, cycle=False)  # fmt: skip
    result["profile"] = _profile(server, officer, checks, folder)


def _bench(kind: str, folder: Path) -> dict[str, Any]:
    result: dict[str, Any] = {}
    with _database(kind, folder) as url:
        console.print(f"[bold]{kind}[/]: building {PERSONS:,} persons, {3 * PERSONS:,} crossings")
        result["build"] = build(url, PERSONS)
        console.print(f"  built in {result['build']['seconds']:.0f} s")
        if SERVE:
            _serve(result, url, folder)
        file = folder / "import.jsonl"
        _import_file(file, IMPORT, first_person=PERSONS)
        result["import"] = import_file(url, file)
        console.print(f"  imported {IMPORT:,} crossings in {result['import']['seconds']:.0f} s")
        file.unlink()
    return result


def _alerts(url: str, count: int, persons: Sequence[Any] | None = None) -> float:
    """``count`` person alerts (the screening benchmark's generator) into the node; seconds.
    ``persons``: ``alert_persons(count)``, if the caller has them already (minutes at 2 M)."""
    if count == 0:
        return 0.0
    from bench.screen_data import alert_line, alert_persons
    from cta.bootstrap import build_node
    from cta.domain.roles import Role
    from cta.services.node import Actor
    from cta.settings import Settings

    people = alert_persons(count) if persons is None else persons
    lines = [alert_line(p) | {"issuing_state": "GEO"} for p in people]
    started = time.perf_counter()
    node = build_node(Settings(database_url=url, alert_snapshot="off"))
    node.put_alerts(Actor("admin.bench", Role.ADMIN), lines)
    node.store.engine.dispose()  # type: ignore[attr-defined]
    return time.perf_counter() - started


def _after_bulk_load(url: str) -> float:
    """PostgreSQL after a bulk load, as its manual asks (Populating a Database): VACUUM
    ANALYZE, so that the planner has statistics and the rows' hint bits and visibility map
    are set now, not by autovacuum and the first readers while the checks are measured.
    SQLite has no such debt. Seconds taken."""
    if not url.startswith("postgresql"):
        return 0.0
    from sqlalchemy import create_engine, text

    started = time.perf_counter()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text("VACUUM (ANALYZE)"))
    engine.dispose()
    seconds = time.perf_counter() - started
    console.print(f"  VACUUM (ANALYZE) after the bulk load: {seconds:.0f} s")
    return seconds


def _serve(result: dict[str, Any], url: str, folder: Path) -> None:
    """The loads on one server (``WORKERS`` workers) over the register and the alerts."""
    sys.path.insert(0, str(Path(__file__).parent.parent))
    from tests.integration.node_server import NodeServer, add_user

    from cta.domain.roles import Role

    result["alerts"] = {"count": ALERTS, "seconds": _alerts(url, ALERTS)}
    officer = add_user(url, "officer.bench", Role.BORDER_OFFICER)
    result["vacuum_seconds"] = _after_bulk_load(url)
    step = max(1, PERSONS // 5000)
    checks = [{"mrz": _mrz(i), "crossing_point": POINT, "direction": "entry"}
              for i in range(0, PERSONS, step)][:5000]  # fmt: skip
    records = [{"mrz": _mrz(i), "crossing_point": POINT, "direction": "entry",
                "override_reason": "benchmark"}
               for i in range(1, PERSONS, 3)][:60_000]  # fmt: skip
    with _started(NodeServer(url, folder / "server", workers=WORKERS, env=SERVER_ENV)) as server:
        _loads(result, server, officer, checks, records, folder)
    certificate, key = _certificate(folder)
    with _started(NodeServer(url, folder / "server-tls", workers=WORKERS, tls=certificate,
                             env=SERVER_ENV | {"CTA_TLS_CERT": str(certificate),
                                               "CTA_TLS_KEY": str(key)})) as server:  # fmt: skip
        result["checks_1000_tls"] = _measure(
            server, officer, "checks at 1,000/s over TLS", method="POST", path="/v1/checks",
            bodies=checks, rate=TLS_RATE, connections=OPEN_CONNECTIONS,
            certificate=str(certificate),
        )  # fmt: skip


@contextmanager
def _started(server: Any) -> Iterator[Any]:
    """The server started, given minutes (not the tests' one) to open the alerts' index in
    each worker on a busy machine; stopped after."""
    server.start(timeout=STARTUP_SECONDS)
    try:
        yield server
    finally:
        server.stop()


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (as ``cta keys init`` makes a node's) and its
    key, for the server's TLS step."""
    from cta.federation.tls import TlsFiles, make_certificate, write_tls_files

    files = TlsFiles(folder / "node.tls.key", folder / "node.tls.crt")
    write_tls_files(*make_certificate("GEO", ["127.0.0.1"]), files)
    return files.certificate, files.key


def run() -> dict[str, Any]:
    """Every database in turn; prints the table and returns the figures."""
    results: dict[str, Any] = {
        "persons": PERSONS, "crossings": 3 * PERSONS, "import": IMPORT, "workers": WORKERS,
        "alerts": ALERTS,
        "seconds_each": SECONDS, "repeats": REPEATS,
    }  # fmt: skip
    keep = Path(__file__).parent / "results"
    with tempfile.TemporaryDirectory(prefix="cta-bench-node-") as tmp:
        for kind in DATABASES:
            folder = Path(tmp) / kind
            folder.mkdir()
            results[kind] = _bench(kind, folder)
            if results[kind].get("profile"):
                target = keep / f"node-{kind}-checks.pyspy.txt"
                shutil.copy(results[kind]["profile"], target)
                results[kind]["profile"] = str(target)
    _print(results)
    return results


def _print(results: dict[str, Any]) -> None:
    out = table(f"node on loopback: {results['persons']:,} persons, {results['crossings']:,} "
                f"crossings, {WORKERS} workers (medians of {REPEATS} × {SECONDS:.0f} s)",
                "measurement", *[f"{k} {c}" for k in DATABASES for c in ("/s", "p50 ms",
                                                                      "p99 ms")])  # fmt: skip
    for name, label in (("health", "GET /v1/health (baseline)"), ("checks", "POST /v1/checks"),
                        ("checks_500", "POST /v1/checks at 500/s"),
                        ("checks_1000_tls", "POST /v1/checks at 1,000/s, TLS"),
                        ("records", "POST /v1/crossings (entries)")):  # fmt: skip
        cells = []
        for kind in DATABASES:
            if name not in results[kind]:
                cells += ["-", "-", "-"]
                continue
            r = results[kind][name]
            cells += [f"{r['per_second']:,.0f}", f"{r['p50_ms']:.1f}", f"{r['p99_ms']:.1f}"]
        out.add_row(label, *cells)
    console.print(out)
    for kind in DATABASES:
        r = results[kind]
        ratio = r["checks"]["per_second"] / r["health"]["per_second"] if "checks" in r else 0
        console.print(f"{kind}: checks/health {ratio:.2f}; build {r['build']['seconds']:.0f} s; "
                      f"import of {results['import']:,} crossings "
                      f"{r['import']['seconds']:.1f} s")  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "load":
        spec = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        print(json.dumps(asyncio.run(_load(spec))))
    else:
        print(json.dumps(run(), default=str, indent=2))
