"""A relay between federated nodes that a test controls: it passes pages on, or spoils them.

Run as a process of its own (``python -m tests.integration.peer_relay --port P --keys DIR
--tls-cert CRT --tls-key KEY --upstream AZE=https://127.0.0.1:1 ARM=... GEO=...``). Each node's
federation file lists its peers' endpoints as ``https://127.0.0.1:P/VIEWER-ORIGIN`` with the
relay's certificate pinned, so every pull of every node passes here, over TLS, one route per
(puller, origin). The relay asks the origin's real node for the page over TLS (as the puller:
it holds the test area's keys, and pins the node's certificate ``DIR/STATE.tls.crt``), then
answers according to the route's mode, set by ``POST /modes {"GEO-ARM": "reorder"}``:

``pass``            the page as the origin served it
``down``            no answer (503), as when the link is cut
``slow``            pages of 100 records, each a quarter of a second late (a long catch-up)
``duplicate``       the page asked for, plus the three records before it (already held)
``reorder``         the first two records swapped
``gap``             the second record left out
``tamper_payload``  the first record's payload changed, its payload_hash kept
``tamper_hash``     the first record's hash changed
``erase``           the first AlertPut's (else the first record's) payload and salt set to
                    null, as if erased at its origin, without its origin's deletion
``wrong_key``       every record signed again with a key no member holds
``unknown_origin``  the page and its records claimed by XYZ, sealed with a stranger's key

The spoiling modes wait for a page of three records or more (serving an empty page until
then), so that every spoiled page has something to reorder or leave out.

The relay itself checks nothing of the puller's credentials but that they are there; the real
nodes check them on its requests.
"""

from __future__ import annotations

import argparse
import base64
import json
import ssl
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from cta.federation.auth import HEADER_SIGNATURE, sign_request
from cta.federation.keys import generate_private_key, key_files, load_private_key
from cta.federation.protocol import RecordsPage, decode_page, records_target
from cta.federation.records import GENESIS_HASH, Record, seal
from cta.federation.sync import peer_client
from cta.federation.tls import load_certificate_fingerprint, tls_files

MODES = frozenset({"pass", "down", "slow", "duplicate", "reorder", "gap", "tamper_payload",
                   "tamper_hash", "wrong_key", "unknown_origin", "erase"})  # fmt: skip
STRANGER = generate_private_key()


class Relay:
    """The routes' modes, the area's keys and the origins' real endpoints."""

    def __init__(self, keys: Path, upstream: dict[str, str]) -> None:
        self.keys = {state: load_private_key(key_files(keys, state).private) for state in upstream}
        self.upstream = upstream
        self.modes: dict[str, str] = {}
        self.served: dict[str, int] = {}
        self.lock = threading.Lock()
        self.clients = {state: peer_client(state, url, load_certificate_fingerprint(
            tls_files(keys, state).certificate), timeout=30.0)
            for state, url in upstream.items()}  # fmt: skip

    def mode(self, route: str) -> str:
        with self.lock:
            self.served[route] = self.served.get(route, 0) + 1
            return self.modes.get(route, "pass")

    def fetch(self, viewer: str, origin: str, after: int, limit: int) -> httpx.Response:
        target = records_target(after, limit)
        headers = sign_request(self.keys[viewer], viewer, origin, "GET", target,
                               datetime.now(UTC))  # fmt: skip
        return self.clients[origin].get(self.upstream[origin] + target, headers=headers)

    def answer(self, viewer: str, origin: str, after: int, limit: int) -> tuple[int, bytes]:
        mode = self.mode(f"{viewer}-{origin}")
        if mode == "down":
            return 503, b'{"detail": "the link is cut"}'
        if mode == "slow":
            time.sleep(0.25)
        start = max(0, after - 3) if mode == "duplicate" else after
        response = self.fetch(viewer, origin, start, min(limit, 100) if mode == "slow" else limit)
        if response.status_code != 200 or mode in ("pass", "slow", "duplicate"):
            return response.status_code, response.content
        page = decode_page(response.content)
        return 200, spoil(page, mode, after).encode()


def spoil(page: RecordsPage, mode: str, after: int) -> RecordsPage:
    """The page as a broken or dishonest peer would serve it."""
    records = list(page.records)
    if len(records) < 3:
        return RecordsPage(page.origin, (), after)
    if mode == "unknown_origin":
        return RecordsPage("XYZ", tuple(_as_stranger(records)), page.last_seq)
    first = records[0]
    if mode == "reorder" and len(records) >= 2:
        records[0], records[1] = records[1], records[0]
    elif mode == "gap" and len(records) >= 3:
        del records[1]
    elif mode == "tamper_payload" and first.payload is not None:
        records[0] = replace(first, payload={**first.payload, "crossing_point": "GEO-BUS"})
    elif mode == "tamper_hash":
        records[0] = replace(first, hash=("0" if first.hash[0] != "0" else "1") + first.hash[1:])
    elif mode == "erase":
        n = next((i for i, r in enumerate(records) if r.kind == "AlertPut"), 0)
        records[n] = records[n].redact()
    elif mode == "wrong_key":
        records = [replace(r, signature=_signature(r)) for r in records]
    return RecordsPage(page.origin, tuple(records), page.last_seq)


def _signature(record: Record) -> str:
    return base64.b64encode(STRANGER.sign(record.header_bytes())).decode("ascii")


def _as_stranger(records: list[Record]) -> list[Record]:
    sealed: list[Record] = []
    prev = GENESIS_HASH
    for r in records:
        made = seal("XYZ", r.seq, r.at, r.kind, r.payload or {}, prev, STRANGER)
        sealed.append(made)
        prev = made.hash
    return sealed


def handler(relay: Relay) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/modes":
                with relay.lock:
                    body = {"modes": relay.modes, "served": relay.served}
                self._send(200, json.dumps(body).encode())
                return
            route, _, rest = parts.path.strip("/").partition("/")
            viewer, _, origin = route.partition("-")
            if rest != "v1/federation/records" or origin not in relay.upstream:
                self._send(404, b'{"detail": "no such route"}')
                return
            if not self.headers.get(HEADER_SIGNATURE):
                self._send(401, b'{"detail": "no node credentials"}')
                return
            query = parse_qs(parts.query)
            after, limit = int(query["after"][0]), int(query["limit"][0])
            try:
                status, body = relay.answer(viewer, origin, after, limit)
            except httpx.HTTPError as exc:
                status, body = 502, json.dumps({"detail": str(exc)}).encode()
            self._send(status, body)

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            modes = json.loads(self.rfile.read(length) or b"{}")
            if self.path != "/modes" or not set(modes.values()) <= MODES:
                self._send(422, b'{"detail": "unknown route or mode"}')
                return
            with relay.lock:
                relay.modes.update(modes)
            self._send(200, b"{}")

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--keys", type=Path, required=True)
    parser.add_argument("--tls-cert", type=Path, required=True)
    parser.add_argument("--tls-key", type=Path, required=True)
    parser.add_argument("--upstream", nargs="+", required=True, help="STATE=URL ...")
    args = parser.parse_args()
    upstream = dict(item.split("=", 1) for item in args.upstream)
    server = ThreadingHTTPServer(("127.0.0.1", args.port), handler(Relay(args.keys, upstream)))
    server.daemon_threads = True
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(args.tls_cert, args.tls_key)
    # the handshake in each request's thread, not in the accepting one
    server.socket = context.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)  # fmt: skip
    server.serve_forever()


if __name__ == "__main__":
    main()
