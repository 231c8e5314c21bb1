"""Federation through real nodes: ``cta serve`` processes on loopback, SQLite databases.

**Replication under load.** Three fresh nodes (AZE, ARM, GEO), federated as ``cta area`` runs
them (one worker each, the sync daemon's defaults: long polls of 3 s, seal every 0.1 s when
idle). Each node gets ``rate`` new crossings a second for ``seconds``; what is measured is how
fast and how late its two peers store them. Two drivers make the crossings
(``BENCH_FEDERATION_DRIVER``):

- ``import`` (the default): one driver process per node (``python -m bench.federation_nodes
  import SPEC``) that, at the start of each second, writes that second's ``rate`` crossings of
  new travellers (entries with an MRZ) into the node's database with the use case of ``cta
  import crossings`` (``cta.services.imports.import_crossings`` over
  ``cta.adapters.storage.bulk``): one transaction a second that files the persons, documents
  and crossings and puts a ``CrossingRecorded`` row per crossing in the outbox, as a crossing
  recorded at the desk does. The node's own sealer and its peers' pullers do the rest, so the
  federation, not the border write path, is what is measured: 200 crossings a second through
  HTTP, the border check and one transaction each is more than three nodes on the 2-core
  benchmark machine can take (they answered ~33 a second each), and the replication was never
  loaded at 200/s. These crossings skip the check (no decision, no screening) and arrive 200 at
  once each second rather than spread over it; their records are those of an imported crossing
  (the same payload as a recorded one, with its MRZ, plus ``"imported": true``). A crossing is
  acknowledged when its second's transaction commits.
- ``http``: a load generator in a separate process (``python -m bench.federation_nodes load
  SPEC``, asyncio, HTTP/1.1, open loop: requests due every 1/rate s, 32 connections per node,
  latency counted from when each was due) records entries of new travellers through the API,
  the full border write path; a crossing is acknowledged when its 201 comes.

Afterwards each node's ``records`` table says when the node stored each of its peers' records
(``received_at``, the node's clock: the same machine's). The **lag** of a record at a peer is
that time minus its acknowledgement at its origin. **Written/s** of a node: the crossings its
driver wrote, over the run's time (or until the last was acknowledged, if later);
**replicated/s**: its peers' records it stored, over the run's time (or until the last was
stored, if later): about 2 × ``rate`` when it keeps up. A node **kept up** when its driver
wrote its ``rate`` (95% of it or more) and the lag of its records at its peers did not grow
over the run: the median lag of the crossings due in the run's last third within
``LAG_GROWTH`` (one pull interval, 1 s) of the first third's. The same is run first at
``baseline_rate``, a trickle: the lag of the design (seal, then the next pull) with no load,
the baseline.

**Catch-up.** An ARM node whose database holds ``count`` sealed crossing records (sealed here
with ``cta.federation.records.seal`` under ARM's key, written with one ``executemany`` per
chunk: the bulk path, not the sealer) and a GEO node that holds none are started; the time from
GEO answering to GEO holding all ``count`` is its catch-up (GEO pulls pages of 500, verifies
each whole, stores its records and applies them: runs of crossings in bulk, a person, a document
and a crossing per new traveller in its own tables). The baseline in the same run: decoding and
verifying the same records in pages in this process, no HTTP and no database (``decode_page`` +
``verify_batch``). Beside the rate, each node's CPU a record over the catch-up (its processes'
user + system time, from /proc): on a machine shared with other work the rate follows the
neighbours' load, the CPU a record much less.
"""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.common import console, percentile

sys.path.insert(0, str(Path(__file__).parent.parent))  # tests.integration.node_server
from tests.integration.node_server import NodeServer, add_user, free_port

__all__ = ["catch_up", "replication"]

STATES = ("AZE", "ARM", "GEO")
POINT = {"AZE": "AZE-GYD", "ARM": "ARM-EVN", "GEO": "GEO-TBS"}
CONNECTIONS = 32  # per node, open loop (the http driver)
IMPORT_START_SECONDS = 5.0  # the import drivers' processes start this long before their load
ACKNOWLEDGED = (201, "imported")  # a crossing's status when its origin holds it
# a node kept up if its records' median lag grew less than this over the run: one pull interval
# (lag is quantized by the pulls; falling 5% behind 200/s adds 1 s of lag in 30 s)
LAG_GROWTH = 1.0
TODAY = datetime.now(UTC).date()


# -- three (or two) federated nodes -------------------------------------------------------------


@contextmanager
def federated(
    workdir: Path, keys: dict[str, Ed25519PrivateKey], *, since: datetime | None = None
) -> Iterator[dict[str, NodeServer]]:
    """Nodes of ``keys``' states, each with its key, federation file and SQLite database, not
    started yet (their ``database_url`` is ready to fill); all stopped at the end."""
    from cta.federation.keys import key_files, public_key_text, write_key_pair
    from cta.federation.members import member_snippet
    from cta.federation.tls import default_hosts, make_certificate, tls_files, write_tls_files

    since = since or datetime.now(UTC) - timedelta(days=1)
    ports = {state: free_port() for state in keys}
    members = []
    for state, key in keys.items():  # TLS between the nodes, as they run (pinned certificates)
        write_key_pair(key, key_files(workdir / "keys", state))
        pin = write_tls_files(*make_certificate(state, default_hosts("127.0.0.1")),
                              tls_files(workdir / "keys", state))  # fmt: skip
        members.append(member_snippet(state, public_key_text(key),
                                      f"https://127.0.0.1:{ports[state]}", since, pin))  # fmt: skip
    servers = {}
    for state in keys:
        file = workdir / f"federation-{state}.toml"
        file.write_text(f'node = "{state}"\n\n' + "\n".join(members), encoding="utf-8")
        servers[state] = NodeServer(
            f"sqlite:///{workdir / f'{state}.sqlite'}", workdir / state, state=state,
            port=ports[state], fixed_port=True,
            tls=tls_files(workdir / "keys", state).certificate,
            env={"CTA_FEDERATION_FILE": str(file), "CTA_KEYS_DIR": str(workdir / "keys")},
        )  # fmt: skip
    try:
        yield servers
    finally:
        for server in servers.values():
            server.stop()


def _path(server: NodeServer) -> str:
    return server.database_url.removeprefix("sqlite:///")


def cpu_seconds(server: NodeServer) -> float | None:
    """CPU seconds (user + system) of the server's processes so far: its process group (it
    runs in a session of its own), read from /proc; None where there is no /proc."""
    if server.process is None or not Path("/proc/self/stat").exists():
        return None
    group, ticks = server.process.pid, 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[2]) == group:  # pgrp; utime and stime follow at 11 and 12
            ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def heads(server: NodeServer) -> dict[str, int]:
    """Per origin, the last record the node holds (read from its database)."""
    with sqlite3.connect(f"file:{_path(server)}?mode=ro", uri=True, timeout=30) as db:
        return {o: int(s) for o, s in db.execute("SELECT origin, seq FROM chain_heads")}


def _time(text: str) -> float:
    """A time as SQLAlchemy stores it in SQLite (naive UTC), in Unix seconds."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


# -- the load generator (its own process) -------------------------------------------------------


def _request(path: str, token: str, body: bytes) -> bytes:
    return (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
            "X-Purpose: benchmark\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
            ).encode() + body  # fmt: skip


async def _exchange(reader: Any, writer: Any, request: bytes) -> int:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    lower = head.lower()
    at = lower.find(b"content-length:")
    await reader.readexactly(int(lower[at + 15 : lower.find(b"\r\n", at)]) if at >= 0 else 0)
    return int(head[9:12])


async def _drive(target: dict[str, Any], rate: float, seconds: float,
                 started: float) -> list[list[Any]]:  # fmt: skip
    """One node at ``rate`` a second: per crossing [document number, 201 at (Unix), status,
    latency from when it was due]."""
    bodies = target["bodies"]
    done: list[list[Any]] = []
    state = {"next": 0}

    def take() -> tuple[int, float] | None:
        n = state["next"]
        due = started + n / rate
        if n >= len(bodies) or due >= started + seconds:
            return None
        state["next"] = n + 1
        return n, due

    from cta.federation.tls import certificate_context

    tls = certificate_context(Path(target["certificate"]), target["state"])

    async def connection() -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", target["port"], ssl=tls)
        try:
            while (job := take()) is not None:
                n, due = job
                if (wait := due - time.perf_counter()) > 0:
                    await asyncio.sleep(wait)
                request = _request("/v1/crossings", target["token"], json.dumps(bodies[n]).encode())
                try:
                    status = await _exchange(reader, writer, request)
                except (asyncio.IncompleteReadError, ConnectionError):
                    # the server closed a connection idle past its keep-alive (a slow rate):
                    # the request was not read; send it again on a new one
                    writer.close()
                    reader, writer = await asyncio.open_connection("127.0.0.1", target["port"],
                                                                   ssl=tls)  # fmt: skip
                    status = await _exchange(reader, writer, request)
                done.append([bodies[n]["mrz"][1][:9], time.time(), status,
                             time.perf_counter() - due])  # fmt: skip
        finally:
            writer.close()

    await asyncio.gather(*(connection() for _ in range(CONNECTIONS)))
    return done


async def _load(spec: dict[str, Any]) -> dict[str, Any]:
    started = time.perf_counter() + 0.2
    runs = await asyncio.gather(*(_drive(t, spec["rate"], spec["seconds"], started)
                                  for t in spec["targets"]))  # fmt: skip
    return {t["state"]: run for t, run in zip(spec["targets"], runs, strict=True)}


def load(spec: dict[str, Any]) -> dict[str, Any]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
        json.dump(spec, file)
    try:
        done = subprocess.run(
            [sys.executable, "-m", "bench.federation_nodes", "load", file.name],
            capture_output=True, text=True, timeout=spec["seconds"] + 300,
            cwd=Path(__file__).parent.parent,
        )  # fmt: skip
    finally:
        os.unlink(file.name)
    if done.returncode != 0:
        raise RuntimeError(f"the load generator failed: {done.stderr[-3000:]}")
    return dict(json.loads(done.stdout))


# -- the import driver (one process per node) --------------------------------------------------


def _import_lines(state: str, first: int, count: int) -> list[dict[str, Any]]:
    """Entries of new travellers at the node's point, lines of ``cta import crossings`` but for
    ``occurred_at`` (the time they are written)."""
    return [{"direction": "entry", "crossing_point": POINT[state], "officer": "officer.bench",
             "mrz": _passport(state[0] + state[2], first + i)} for i in range(count)]  # fmt: skip


def drive_imports(spec: dict[str, Any]) -> list[list[Any]]:
    """In a node's driver process: at the start of each second, that second's crossings
    imported in one transaction. Per crossing: [document number, committed at (Unix),
    "imported", seconds from its second's start to the commit]."""
    import hashlib

    from cta.adapters.storage.bulk import SqlBulkStore
    from cta.bootstrap import build_node
    from cta.domain.roles import Role
    from cta.services.imports import ImportCrossings, import_crossings
    from cta.services.node import Actor
    from cta.settings import Settings

    node = build_node(Settings(database_url=spec["database_url"], state=spec["state"]),
                      migrate_schema=False)  # fmt: skip
    store = SqlBulkStore(node.store.engine)  # type: ignore[attr-defined]
    admin = Actor("admin.bench", Role.ADMIN, "benchmark")
    rate, seconds = spec["rate"], int(spec["seconds"])
    lines = _import_lines(spec["state"], spec["first"], int(rate * seconds))
    done: list[list[Any]] = []
    for second in range(seconds):
        due = spec["start_at"] + second
        if (wait := due - time.time()) > 0:
            time.sleep(wait)
        batch = lines[int(second * rate) : int((second + 1) * rate)]
        at = datetime.now(UTC).isoformat()
        texts = [json.dumps({**line, "occurred_at": at}) for line in batch]
        digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()
        command = ImportCrossings(f"bench-{spec['first'] + second}", digest,
                                  enumerate(texts, start=1))  # fmt: skip
        report = import_crossings(node, admin, command, store)
        committed = time.time()
        if report.imported != len(batch):
            raise RuntimeError(f"{spec['state']}: imported {report.imported} of {len(batch)}: "
                               f"{report.errors[:3]}")  # fmt: skip
        done += [[line["mrz"][1][:9], committed, "imported", committed - due] for line in batch]
    node.store.engine.dispose()  # type: ignore[attr-defined]
    return done


def imports(spec: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """One import driver process per node, started together; their crossings by node."""
    start_at = time.time() + IMPORT_START_SECONDS  # for the processes to be ready
    running: dict[str, tuple[subprocess.Popen[str], str]] = {}
    for target in spec["targets"]:
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as file:
            json.dump({**target, "rate": spec["rate"], "seconds": spec["seconds"],
                       "start_at": start_at}, file)  # fmt: skip
        process = subprocess.Popen(
            [sys.executable, "-m", "bench.federation_nodes", "import", file.name],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            cwd=Path(__file__).parent.parent,
        )  # fmt: skip
        running[target["state"]] = (process, file.name)
    done = {}
    try:
        for state, (process, _) in running.items():
            out, err = process.communicate(timeout=spec["seconds"] + 300)
            if process.returncode != 0:
                raise RuntimeError(f"the import driver of {state} failed: {err[-3000:]}")
            done[state] = json.loads(out)
    finally:
        for process, name in running.values():
            if process.poll() is None:
                process.kill()
            os.unlink(name)
    return done


# -- replication under load ---------------------------------------------------------------------


def _passport(prefix: str, i: int) -> list[str]:
    from cta.domain.documents import DocumentFields, DocumentType, generate_mrz

    born = date(1960, 1, 1) + timedelta(days=(i * 7919) % 15_000)
    number = f"{prefix}{i:0{9 - len(prefix)}d}"
    return list(generate_mrz(DocumentFields(
        DocumentType.TD3, "P", "USA", "BENCHMARK", "TRAVELLER", number, "USA", born,
        "F" if i % 2 else "M", TODAY + timedelta(days=2000),
    )))  # fmt: skip


def _bodies(state: str, first: int, count: int) -> list[dict[str, Any]]:
    return [{"mrz": _passport(state[0] + state[2], first + i), "crossing_point": POINT[state],
             "direction": "entry", "override_reason": "benchmark"}
            for i in range(count)]  # fmt: skip


def _stored(server: NodeServer, origin: str) -> list[tuple[str, float]]:
    """(document number, when stored here) of the origin's crossing records this node holds."""
    with sqlite3.connect(f"file:{_path(server)}?mode=ro", uri=True, timeout=30) as db:
        rows = db.execute("SELECT wire, received_at FROM records WHERE origin = ? "
                          "AND kind = 'CrossingRecorded'", (origin,)).fetchall()  # fmt: skip
    out = []
    for wire, received in rows:
        payload = json.loads(wire).get("payload")
        if payload:
            out.append((payload["mrz"][1][:9], _time(received)))
    return out


def _wait_in_sync(servers: dict[str, NodeServer], seconds: float = 600.0) -> float:
    """Wait until every node holds every origin's last record; seconds waited."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        held = {s: heads(server) for s, server in servers.items()}
        own = {s: held[s].get(s, 0) for s in servers}
        if all(held[n].get(o, 0) == own[o] for n in servers for o in servers):
            return time.perf_counter() - started
        time.sleep(0.25)
    raise RuntimeError(f"the nodes did not come into sync within {seconds:.0f} s: {held}")


def _drive_load(driver: str, servers: dict[str, NodeServer], tokens: dict[str, str],
                rate: float, seconds: float, first: int) -> dict[str, list[list[Any]]]:  # fmt: skip
    """Crossings made at every node with ``driver``; per node, per crossing: [document
    number, acknowledged at (Unix), status, seconds after it was due]."""
    if driver == "http":
        count = int(rate * seconds) + 1
        return load({"rate": rate, "seconds": seconds, "targets": [
            {"state": s, "port": servers[s].port, "token": tokens[s],
             "certificate": str(servers[s].tls), "bodies": _bodies(s, first, count)}
            for s in servers]})  # fmt: skip
    return imports({"rate": rate, "seconds": seconds, "targets": [
        {"state": s, "database_url": servers[s].database_url, "first": first}
        for s in servers]})  # fmt: skip


def _measure(driver: str, servers: dict[str, NodeServer], tokens: dict[str, str], rate: float,
             seconds: float, first: int) -> dict[str, Any]:  # fmt: skip
    window_start = time.time()
    ran = _drive_load(driver, servers, tokens, rate, seconds, first)
    drained = _wait_in_sync(servers)
    window = time.time() - window_start
    # per crossing held at its origin: (acknowledged at, due at)
    acked = {(s, doc): (at, at - late) for s, rows in ran.items() for doc, at, status, late in rows
             if status in ACKNOWLEDGED}  # fmt: skip
    began = min(due for _, due in acked.values())
    lags: dict[str, list[tuple[float, float]]] = {s: [] for s in servers}  # origin: (due, lag)
    replicated: dict[str, float] = {}
    for node, server in servers.items():
        times = []
        for origin in servers:
            if origin == node:
                continue
            for doc, stored in _stored(server, origin):
                if (origin, doc) in acked:
                    at, due = acked[origin, doc]
                    lags[origin].append((due, stored - at))
                    times.append(stored)
        replicated[node] = len(times) / max(seconds, max(times) - began)
    written = {s: len(rows) / max(seconds, max(r[1] for r in rows) - began)
               for s, rows in ran.items()}  # fmt: skip
    kept_up, growth = {}, {}
    for origin, found in lags.items():
        found.sort()
        third = max(1, len(found) // 3)
        growth[origin] = (statistics.median(lag for _, lag in found[-third:])
                          - statistics.median(lag for _, lag in found[:third]))  # fmt: skip
        kept_up[origin] = written[origin] >= 0.95 * rate and growth[origin] <= LAG_GROWTH
    every = sorted(lag for found in lags.values() for _, lag in found)
    latencies = sorted(r[3] for rows in ran.values() for r in rows)
    statuses: dict[str, int] = {}
    for rows in ran.values():
        for r in rows:
            statuses[str(r[2])] = statuses.get(str(r[2]), 0) + 1
    return {
        "driver": driver, "rate": rate, "seconds": seconds, "statuses": statuses,
        "written_per_node": written, "replicated_per_s": replicated,
        "write_p50_ms": percentile(latencies, 0.5) * 1e3,
        "write_p99_ms": percentile(latencies, 0.99) * 1e3,
        "lag_p50_s": percentile(every, 0.5), "lag_p99_s": percentile(every, 0.99),
        "lag_max_s": every[-1], "lagged_records": len(every),
        "lag_by_origin": {o: {"p50": percentile(sorted(x for _, x in f), 0.5),
                              "p99": percentile(sorted(x for _, x in f), 0.99),
                              "max": max(x for _, x in f), "growth": growth[o]}
                          for o, f in lags.items()},
        "kept_up": kept_up, "drain_s": drained, "window_s": window,
    }  # fmt: skip


def replication(rate: float, seconds: float, baseline_rate: float, repeats: int,
                driver: str = "import") -> dict[str, Any]:  # fmt: skip
    """Lag and replication rate of three nodes at ``rate`` crossings a second each, made by
    ``driver`` (``repeats`` runs, after one run at ``baseline_rate``)."""
    from cta.domain.roles import Role
    from cta.federation.keys import generate_private_key

    with tempfile.TemporaryDirectory(prefix="cta-bench-replication-") as tmp:
        keys = {s: generate_private_key() for s in STATES}
        with federated(Path(tmp), keys) as servers:
            tokens = {s: add_user(servers[s].database_url, "officer.bench", Role.BORDER_OFFICER)
                      for s in STATES}  # fmt: skip
            for server in servers.values():
                server.start()
            base = _measure(driver, servers, tokens, baseline_rate, 10.0, first=0)
            _say("baseline", base)
            runs = []
            for repeat in range(repeats):
                runs.append(_measure(driver, servers, tokens, rate, seconds,
                                     first=1_000_000 * (repeat + 1)))  # fmt: skip
                _say(f"run {repeat + 1}", runs[-1])
    keys_ = ("lag_p50_s", "lag_p99_s", "lag_max_s", "write_p50_ms", "write_p99_ms", "drain_s")
    median = {k: statistics.median(r[k] for r in runs) for k in keys_}
    for k in ("replicated_per_s", "written_per_node"):
        median[k] = {s: statistics.median(r[k][s] for r in runs) for s in STATES}
    median["kept_up"] = {s: sum(r["kept_up"][s] for r in runs) for s in STATES}  # runs of all
    return {"driver": driver, "baseline": base, "runs": runs, "median": median}


def _say(name: str, r: dict[str, Any]) -> None:
    def each(values: dict[str, Any], form: str = "{:.0f}") -> str:
        return ", ".join(f"{n} {form.format(v)}" for n, v in values.items())

    growth = {o: v["growth"] for o, v in r["lag_by_origin"].items()}
    console.print(
        f"  {name} ({r['driver']}): {r['rate']:g}/s per node for {r['seconds']:g} s, "
        f"{r['statuses']}; written/s {each(r['written_per_node'])} (p50 {r['write_p50_ms']:.0f}"
        f" ms, p99 {r['write_p99_ms']:.0f} ms after due); replicated/s "
        f"{each(r['replicated_per_s'])}; lag p50 {r['lag_p50_s']:.2f} s p99 "
        f"{r['lag_p99_s']:.2f} s max {r['lag_max_s']:.2f} s over {r['lagged_records']:,} "
        f"records, lag growth {each(growth, '{:+.2f} s')}; "
        f"kept up {each(r['kept_up'], '{}')}; in sync {r['drain_s']:.1f} s after the load"
    )


# -- catch-up -----------------------------------------------------------------------------------


def _payloads(count: int) -> Iterator[dict[str, Any]]:
    """Crossings at ARM-EVN: each traveller enters and leaves (``count`` // 2 travellers)."""
    base = datetime.now(UTC) - timedelta(days=30)
    for n in range(count):
        i, exits = divmod(n, 2)
        at = base + timedelta(seconds=n)
        local = at.astimezone(UTC) + timedelta(hours=4)
        yield {"person_id": i + 1, "direction": "exit" if exits else "entry", "refused": False,
               "crossing_point": "ARM-EVN", "occurred_at": at.isoformat(),
               "local_date": local.date().isoformat(), "decision": "admit",
               "mrz": _passport("C", i)}  # fmt: skip


def fill(server: NodeServer, key: Ed25519PrivateKey, count: int, chunk: int = 10_000) -> float:
    """Seal ``count`` crossing records of ARM and write them into its records table (one
    executemany per chunk, in one transaction) with its chain head; seconds taken."""
    from cta.bootstrap import build_node
    from cta.federation.records import GENESIS_HASH, seal
    from cta.settings import Settings

    node = build_node(Settings(database_url=server.database_url, state="ARM"))  # migrate
    node.store.engine.dispose()  # type: ignore[attr-defined]
    started = time.perf_counter()
    at0 = datetime.now(UTC)
    prev, seq, rows = GENESIS_HASH, 0, []
    received = at0.replace(tzinfo=None).isoformat(" ", "microseconds")
    with sqlite3.connect(_path(server)) as db:
        db.execute("PRAGMA synchronous=OFF")  # a benchmark's fixture: speed over durability
        for payload in _payloads(count):
            seq += 1
            at = at0 + timedelta(microseconds=seq)
            record = seal("ARM", seq, at, "CrossingRecorded", payload, prev, key)
            prev = record.hash
            rows.append(("ARM", seq, at.replace(tzinfo=None).isoformat(" ", "microseconds"),
                         "CrossingRecorded", json.dumps(record.to_wire()), record.hash, None,
                         received))  # fmt: skip
            if len(rows) == chunk or seq == count:
                db.executemany("INSERT INTO records (origin, seq, at, kind, wire, hash, "
                               "person_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
                rows = []
        last_at = (at0 + timedelta(microseconds=seq)).replace(tzinfo=None)
        db.execute("INSERT INTO chain_heads (origin, seq, hash, at, outbox_seq) "
                   "VALUES ('ARM', ?, ?, ?, 0)",
                   (seq, prev, last_at.isoformat(" ", "microseconds")))
    return time.perf_counter() - started


def verify_baseline(count: int, key: Ed25519PrivateKey, page: int = 500) -> float:
    """Records a second decoded and verified in pages in this process (no HTTP, no store)."""
    from cta.federation.keys import public_key_text
    from cta.federation.members import parse_federation
    from cta.federation.protocol import RecordsPage, decode_page
    from cta.federation.records import GENESIS_HASH, seal
    from cta.federation.verify import Accepted, ChainHead, verify_batch

    federation = parse_federation(  # in this process only: no endpoint is reached
        'node = "GEO"\nallow_plain_http = true\n'
        f'[[member]]\nstate = "ARM"\npublic_key = "{public_key_text(key)}"\n'
        'endpoint = "http://127.0.0.1:1"\nvalid_from = 2020-01-01\n[[member]]\nstate = "GEO"\n'
        f'public_key = "{public_key_text(key)}"\nendpoint = "http://127.0.0.1:2"\n'
        'valid_from = 2020-01-01\n')  # fmt: skip
    records, prev = [], GENESIS_HASH
    at0 = datetime.now(UTC)
    for seq, payload in enumerate(_payloads(count), start=1):
        records.append(seal("ARM", seq, at0 + timedelta(microseconds=seq), "CrossingRecorded",
                            payload, prev, key))  # fmt: skip
        prev = records[-1].hash
    pages = [RecordsPage("ARM", tuple(records[i : i + page]), count).encode()
             for i in range(0, count, page)]  # fmt: skip
    started = time.perf_counter()
    head = ChainHead()
    for body in pages:
        verdict = verify_batch("ARM", head, decode_page(body).records, federation)
        assert isinstance(verdict, Accepted)
        head = verdict.head
    return count / (time.perf_counter() - started)


def catch_up(count: int, baseline_count: int = 5_000) -> dict[str, Any]:
    """GEO, empty, catching up ``count`` records of ARM; the in-process baseline beside it."""
    from cta.federation.keys import generate_private_key

    arm_key = generate_private_key()
    baseline = verify_baseline(min(count, baseline_count), arm_key)
    keys = {"ARM": arm_key, "GEO": generate_private_key()}
    with (tempfile.TemporaryDirectory(prefix="cta-bench-catch-up-") as tmp,
          federated(Path(tmp), keys) as servers):  # fmt: skip
        sealed = fill(servers["ARM"], arm_key, count)
        console.print(f"  sealed and wrote {count:,} ARM records in {sealed:.0f} s "
                      f"({count / sealed:,.0f}/s)")  # fmt: skip
        servers["ARM"].start()
        servers["GEO"].start()
        cpu = {state: cpu_seconds(servers[state]) for state in ("ARM", "GEO")}
        started = time.perf_counter()
        samples = []
        while (held := heads(servers["GEO"]).get("ARM", 0)) < count:
            samples.append((time.perf_counter() - started, held))
            time.sleep(0.2)
        seconds = time.perf_counter() - started
        used = {state: _spent(cpu_seconds(servers[state]), before)
                for state, before in cpu.items()}  # fmt: skip
    rate = count / seconds
    # CPU a record, each node: steadier than the rate on a machine shared with other work
    per_record = {f"{state.lower()}_cpu_us_per_record": None if spent is None
                  else spent / count * 1e6 for state, spent in used.items()}  # fmt: skip
    return {"records": count, "seconds": seconds, "per_second": rate, "sealed_seconds": sealed,
            "baseline_per_second": baseline, "baseline_over_ours": baseline / rate,
            **per_record, "samples": samples[:: max(1, len(samples) // 50)]}  # fmt: skip


def _spent(now: float | None, before: float | None) -> float | None:
    return None if now is None or before is None else now - before


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in ("load", "import"):
        spec = json.loads(Path(sys.argv[2]).read_text(encoding="utf-8"))
        ran = asyncio.run(_load(spec)) if sys.argv[1] == "load" else drive_imports(spec)
        print(json.dumps(ran))
