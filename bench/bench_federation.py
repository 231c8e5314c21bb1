"""Federation records: sealing and verifying, against an HMAC-SHA256 baseline and the bare
Ed25519 primitives, in the same run.

Ours: ``seal`` (canonical payload and header, two SHA-256, one Ed25519 signature) and
``verify_batch`` over a page of records (payload hash, header hash, signature, seq, chain and
time), plus reading a page from its JSON bytes (``decode_page``: parse and validate) — what a
node does with each record it ingests. The baseline seals and verifies the same canonical bytes
with HMAC-SHA256 under a shared secret: what the records would cost if the states trusted one
another with a common key (which is why they do not: any holder could forge any state's
records). The floor is OpenSSL's Ed25519 sign and verify on the 200-byte header alone.

Records carry a realistic crossing payload (about 400 bytes with its MRZ). Each figure is the
median of ``REPEATS`` timings of ``RECORDS`` records.

Then the same through real nodes (``bench/federation_nodes.py``): replication lag and rate of
three ``cta serve`` processes at ``BENCH_FEDERATION_RATE`` crossings a second each (default
200) for ``BENCH_FEDERATION_SECONDS`` (30), ``BENCH_FEDERATION_REPEATS`` times (3), beside a
trickle of 5 a second (the baseline), the crossings written by ``BENCH_FEDERATION_DRIVER``:
``import`` (default: a driver process per node imports each second's crossings into the node's
database, so that the federation is what is loaded) or ``http`` (entries through the API, the
full border write path); and the catch-up of an empty node from a peer
holding ``BENCH_FEDERATION_RECORDS`` records (default 20,000, a few minutes on the 2-core
machine; ``BENCH_FEDERATION_RECORDS=1000000`` for the full figure, about ten minutes there),
beside decoding and verifying the same records in-process. ``BENCH_FEDERATION_NODES=0`` runs
the in-process part only.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import socket
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bench.common import console, median_seconds, table
from cta.federation.auth import request_target
from cta.federation.canonical import canonical_json
from cta.federation.keys import VerifyingKey, parse_public_key, public_key_text
from cta.federation.members import parse_federation
from cta.federation.memory import MemoryLedger
from cta.federation.protocol import RECORDS_PATH, RecordsPage, decode_page
from cta.federation.records import GENESIS_HASH, Record, seal
from cta.federation.serve import answer_records_request
from cta.federation.sync import Peer
from cta.federation.verify import Accepted, ChainHead, verify_batch

__all__ = ["run"]

NODES = os.environ.get("BENCH_FEDERATION_NODES", "1") != "0"
NODE_RATE = float(os.environ.get("BENCH_FEDERATION_RATE", "200"))
NODE_SECONDS = float(os.environ.get("BENCH_FEDERATION_SECONDS", "30"))
NODE_REPEATS = int(os.environ.get("BENCH_FEDERATION_REPEATS", "3"))
CATCH_UP = int(os.environ.get("BENCH_FEDERATION_RECORDS", "20000"))
DRIVER = os.environ.get("BENCH_FEDERATION_DRIVER", "import")
TRICKLE = 5.0  # crossings a second per node: the lag of the design with no load

RECORDS = 5_000
REPEATS = 5
T0 = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)
KEY = Ed25519PrivateKey.from_private_bytes(b"bench-federation-key-0123456789.")
SECRET = b"a secret shared by all three states"
_FEDERATION_MEMBERS = (
    f'[[member]]\nstate = "ARM"\npublic_key = "{public_key_text(KEY)}"\n'
    'endpoint = "http://127.0.0.1:8091"\nvalid_from = 2020-01-01\n'
    f'[[member]]\nstate = "GEO"\npublic_key = "{public_key_text(KEY)}"\n'
    'endpoint = "http://127.0.0.1:8092"\nvalid_from = 2020-01-01\n'
)
# in-process measures of verifying and pulling: plain http on loopback, allowed explicitly
FEDERATION = parse_federation(f'node = "GEO"\nallow_plain_http = true\n{_FEDERATION_MEMBERS}')


def crossing(seq: int) -> dict[str, Any]:
    """A payload shaped like the node's CrossingRecorded."""
    return {
        "person_id": 100_000 + seq,
        "direction": "entry" if seq % 2 else "exit",
        "refused": False,
        "crossing_point": "ARM-EVN",
        "occurred_at": (T0 + timedelta(seconds=seq)).isoformat(),
        "local_date": "2027-06-01",
        "decision": "admit",
        "mrz": ["P<USAMILLER<<SARAH<JANE<<<<<<<<<<<<<<<<<<<<<",
                f"A{seq % 10**8:08d}4USA8502289F3201015<<<<<<<<<<<<<<<8"],
    }  # fmt: skip


def seal_all(payloads: list[dict[str, Any]]) -> list[Record]:
    records: list[Record] = []
    prev = GENESIS_HASH
    for seq, body in enumerate(payloads, start=1):
        record = seal("ARM", seq, T0 + timedelta(seconds=seq), "CrossingRecorded", body, prev, KEY)
        records.append(record)
        prev = record.hash
    return records


def hmac_seal_all(payloads: list[dict[str, Any]]) -> list[tuple[bytes, bytes, str]]:
    """The baseline: the same canonical bytes, authenticated with HMAC-SHA256."""
    sealed: list[tuple[bytes, bytes, str]] = []
    prev = GENESIS_HASH
    for seq, body in enumerate(payloads, start=1):
        salt = os.urandom(16).hex()
        digest = hashlib.sha256(canonical_json({"payload": body, "salt": salt})).hexdigest()
        header = canonical_json({"at": (T0 + timedelta(seconds=seq)).isoformat(),
                                 "kind": "CrossingRecorded", "origin": "ARM",
                                 "payload_hash": digest, "prev_hash": prev, "seq": seq,
                                 "supersedes": None, "v": 1})  # fmt: skip
        prev = hashlib.sha256(header).hexdigest()
        sealed.append((header, canonical_json({"payload": body, "salt": salt}),
                       hmac.new(SECRET, header, hashlib.sha256).hexdigest()))  # fmt: skip
    return sealed


def hmac_verify_all(sealed: list[tuple[bytes, bytes, str]]) -> bool:
    ok = True
    for header, body, tag in sealed:
        hashlib.sha256(body).hexdigest()
        hashlib.sha256(header).hexdigest()
        ok &= hmac.compare_digest(hmac.new(SECRET, header, hashlib.sha256).hexdigest(), tag)
    return ok


def verify_all(records: list[Record]) -> bool:
    return isinstance(verify_batch("ARM", ChainHead(), records, FEDERATION), Accepted)


def verify_n(public: Ed25519PublicKey | VerifyingKey, signature: bytes, header: bytes) -> None:
    for _ in range(RECORDS):
        public.verify(signature, header)


def _rate(action: Callable[[], object], count: int) -> float:
    seconds, _ = median_seconds(action, REPEATS)
    return count / seconds


def run() -> dict[str, object]:
    """Seal, verify and decode 5,000 records; HMAC and bare Ed25519 beside them."""
    payloads = [crossing(seq) for seq in range(1, RECORDS + 1)]
    records = seal_all(payloads)
    assert verify_all(records)
    page = RecordsPage("ARM", tuple(records), RECORDS).encode()
    sealed = hmac_seal_all(payloads)
    header = records[0].header_bytes()
    signature = records[0].signature_bytes()
    public = KEY.public_key()
    sodium = parse_public_key(public_key_text(KEY))  # what the nodes verify with
    rates = {
        "seal": _rate(lambda: seal_all(payloads), RECORDS),
        "verify": _rate(lambda: verify_all(records), RECORDS),
        "decode": _rate(lambda: decode_page(page), RECORDS),
        "hmac_seal": _rate(lambda: hmac_seal_all(payloads), RECORDS),
        "hmac_verify": _rate(lambda: hmac_verify_all(sealed), RECORDS),
        "ed25519_sign": _rate(lambda: [KEY.sign(header) for _ in range(RECORDS)], RECORDS),
        "ed25519_verify": _rate(lambda: verify_n(public, signature, header), RECORDS),
        "sodium_verify": _rate(lambda: verify_n(sodium, signature, header), RECORDS),
    }
    more = seal_all([crossing(seq) for seq in range(1, PULLED + 1)])
    rates["pull_http"], pages = pull_over_http(more)
    rates["ingest"] = 1 / (1 / rates["decode"] + 1 / rates["verify"])
    title = f"Federation records, {RECORDS:,} per timing, medians of {REPEATS}"
    out = table(title, "operation", "ours rec/s", "µs/rec", "baseline rec/s", "baseline ÷ ours")
    rows = [
        ("seal (Ed25519) vs HMAC-SHA256", "seal", "hmac_seal"),
        ("verify batch vs HMAC-SHA256", "verify", "hmac_verify"),
        ("seal vs bare Ed25519 sign", "seal", "ed25519_sign"),
        ("verify vs bare Ed25519 verify (OpenSSL)", "verify", "ed25519_verify"),
        ("verify vs bare Ed25519 verify (libsodium)", "verify", "sodium_verify"),
        ("decode page JSON (no baseline)", "decode", None),
        ("ingest = decode + verify", "ingest", None),
        (f"pull {PULLED:,} over loopback HTTP", "pull_http", None),
    ]
    for label, ours, base in rows:
        baseline = f"{rates[base]:,.0f}" if base else "—"
        ratio = f"{rates[base] / rates[ours]:.1f}×" if base else "—"
        out.add_row(label, f"{rates[ours]:,.0f}", f"{1e6 / rates[ours]:.1f}", baseline, ratio)
    console.print(out)
    console.print(f"[dim]pull: {pages} pages of 1,000 from uvicorn on loopback, node "
                  "credentials, decode, verify and store in memory, one process[/]")  # fmt: skip
    console.print(f"[dim]page of {RECORDS:,} records: {len(page) / RECORDS:.0f} bytes per record "
                  "as JSON on the wire[/]")  # fmt: skip
    result: dict[str, object] = {"records": RECORDS, "repeats": REPEATS, "rates": rates,
                                 "wire_bytes_per_record": len(page) / RECORDS}  # fmt: skip
    if NODES:
        result["nodes"] = run_nodes()
    return result


def run_nodes() -> dict[str, object]:
    """Replication under load and catch-up, through real ``cta serve`` processes."""
    from bench.federation_nodes import STATES, catch_up, replication

    if DRIVER not in ("import", "http"):
        raise SystemExit(f"BENCH_FEDERATION_DRIVER={DRIVER!r}: import or http")
    console.print(f"[bold]replication[/]: three nodes, {NODE_RATE:g} crossings/s each ({DRIVER}) "
                  f"for {NODE_SECONDS:g} s, {NODE_REPEATS} runs, after {TRICKLE:g}/s for 10 s")
    lag = replication(NODE_RATE, NODE_SECONDS, TRICKLE, NODE_REPEATS, DRIVER)
    console.print(f"[bold]catch-up[/]: an empty GEO pulling {CATCH_UP:,} records of ARM")
    caught = catch_up(CATCH_UP)
    base, med = lag["baseline"], lag["median"]
    out = table(f"Federation through real nodes (SQLite, 1 worker each, loopback, {DRIVER})",
                "measurement", "ours", "baseline", "ours ÷ baseline")
    for name, key in (("lag p50", "lag_p50_s"), ("lag p99", "lag_p99_s"),
                      ("lag max", "lag_max_s")):  # fmt: skip
        out.add_row(f"{name} at {NODE_RATE:g}/s per node vs {TRICKLE:g}/s",
                    f"{med[key]:.2f} s", f"{base[key]:.2f} s",
                    f"{med[key] / base[key]:.1f}×")  # fmt: skip
    for state in STATES:
        out.add_row(f"{state}: written/s, peers' records replicated/s, kept up (runs)",
                    f"{med['written_per_node'][state]:,.0f}, "
                    f"{med['replicated_per_s'][state]:,.0f}, "
                    f"{med['kept_up'][state]} of {NODE_REPEATS}",
                    f"{NODE_RATE:g} offered, {2 * NODE_RATE:g}", "")  # fmt: skip
    out.add_row(f"catch-up of {CATCH_UP:,} records, /s (vs in-process decode + verify)",
                f"{caught['per_second']:,.0f}", f"{caught['baseline_per_second']:,.0f}",
                f"{1 / caught['baseline_over_ours']:.2f}×")  # fmt: skip
    console.print(out)
    console.print(f"[dim]catch-up took {caught['seconds']:.0f} s; at that rate 1,000,000 records "
                  f"take {1e6 / caught['per_second'] / 60:.0f} min[/]")  # fmt: skip
    return {"replication": lag, "catch_up": caught}


PULLED = 20_000


def pull_over_http(records: list[Record]) -> tuple[float, int]:
    """Records per second pulled by a ``Peer`` from a uvicorn server on loopback (pages of
    1,000, node credentials, decode and verify, the in-memory ledger as the store)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    text = f'node = "ARM"\nallow_plain_http = true\n{_FEDERATION_MEMBERS}'.replace("8091",
                                                                                 str(port))
    served = MemoryLedger(parse_federation(text), KEY)
    served.hold(records)
    app = FastAPI()

    @app.get(RECORDS_PATH)
    def page(request: Request) -> JSONResponse:
        target = request_target(request.scope["raw_path"], request.scope["query_string"])
        answer = answer_records_request(served.federation, "GET", target, request.headers,
                                        datetime.now(UTC), served.page)  # fmt: skip
        return JSONResponse(answer.body, status_code=answer.status)

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    try:
        geo = MemoryLedger(parse_federation(text.replace('node = "ARM"', 'node = "GEO"')))
        with httpx.Client(timeout=30) as client:
            peer = Peer("ARM", f"http://127.0.0.1:{port}", "GEO", KEY, client, geo.ingest,
                        geo.last_seq, limit=1_000)  # fmt: skip
            start = time.perf_counter()
            outcome = peer.pull_once()
            seconds = time.perf_counter() - start
        assert outcome.error is None and geo.last_seq("ARM") == len(records), outcome
    finally:
        server.should_exit = True
        thread.join(10)
    return len(records) / seconds, outcome.pages


def profile() -> None:
    """Where the time of verifying 5,000 records goes."""
    import cProfile
    import pstats

    records = seal_all([crossing(seq) for seq in range(1, RECORDS + 1)])
    profiler = cProfile.Profile()
    profiler.runcall(verify_all, records)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
