"""The sync client against a real HTTP server on loopback: uvicorn serving a node's records
through the federation's own serving code, with node credentials, pages and failures.

The server runs in a thread of the test process (a real socket, a real HTTP stack, TLS with a
certificate made as ``cta keys init`` makes it); the node's storage is the in-memory ledger,
since this tests the exchange, not the store. The puller's client is the node's own
(``peer_client``): it accepts ARM only with the certificate its federation entry pins.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from cta.federation.auth import NonceCache, request_target, sign_request
from cta.federation.members import Federation, parse_federation
from cta.federation.memory import MemoryLedger
from cta.federation.protocol import RECORDS_PATH
from cta.federation.serve import answer_records_request
from cta.federation.sync import Backoff, Peer, SyncLoop, peer_client
from cta.federation.tls import TlsFiles, make_certificate, write_tls_files
from cta.federation.verify import Reason
from tests.integration.node_server import free_port
from tests.unit.federation.helpers import KEYS, PINS, federation_text, payload

Transform = Callable[[dict[str, Any]], dict[str, Any]]


def real_federation(node: str, arm_port: int, arm_pin: str) -> Federation:
    text = federation_text(node).replace("2027-01-01T00:00:00Z", "2020-01-01T00:00:00Z")
    text = text.replace("https://127.0.0.1:8091", f"https://127.0.0.1:{arm_port}")
    return parse_federation(text.replace(PINS["ARM"], arm_pin))


def certificate(directory: Path, name: str = "ARM") -> tuple[TlsFiles, str]:
    """A TLS key and certificate for 127.0.0.1, written as ``cta keys init`` writes them."""
    key, cert = make_certificate("ARM", ["127.0.0.1"])
    files = TlsFiles(directory / f"{name}.tls.key", directory / f"{name}.tls.crt")
    return files, write_tls_files(key, cert, files)


def now() -> datetime:
    return datetime.now(UTC)


def records_app(ledger: MemoryLedger, transform: list[Transform], seen: list[str]) -> FastAPI:
    app = FastAPI()
    nonces = NonceCache()

    @app.get(RECORDS_PATH)
    def records(request: Request) -> JSONResponse:
        seen.append(request.url.path)
        target = request_target(request.scope["raw_path"], request.scope["query_string"])
        answer = answer_records_request(ledger.federation, request.method, target,
                                        request.headers, now(), ledger.page, nonces)  # fmt: skip
        body = answer.body
        for change in transform:
            body = change(body)
        return JSONResponse(body, status_code=answer.status)

    return app


@dataclass
class ArmServer:
    """ARM's node serving its records on a loopback port; ``stop``/``start`` like an outage."""

    ledger: MemoryLedger
    port: int
    tls: TlsFiles
    pin: str
    transform: list[Transform] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)  # the requests that reached the app
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = uvicorn.Config(records_app(self.ledger, self.transform, self.requests),
                                host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, ssl_certfile=str(self.tls.certificate),
                                ssl_keyfile=str(self.tls.key))  # fmt: skip
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True)
        self._thread.start()
        deadline = time.monotonic() + 20
        while not self._server.started:
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.01)

    def stop(self) -> None:
        assert self._server is not None and self._thread is not None
        self._server.should_exit = True
        self._thread.join(20)


@pytest.fixture
def arm(tmp_path: Path) -> Iterator[ArmServer]:
    port = free_port()
    tls, pin = certificate(tmp_path)
    ledger = MemoryLedger(real_federation("ARM", port, pin), KEYS["ARM"])
    server = ArmServer(ledger, port, tls, pin)
    server.start()
    yield server
    if server._thread is not None and server._thread.is_alive():
        server.stop()


def append(ledger: MemoryLedger, count: int) -> None:
    start = ledger.last_seq("ARM")
    for i in range(count):
        ledger.append("CrossingRecorded", payload(start + i + 1), now())


@pytest.fixture
def geo(arm: ArmServer) -> MemoryLedger:
    return MemoryLedger(real_federation("GEO", arm.port, arm.pin), KEYS["GEO"])


@pytest.fixture
def client(geo: MemoryLedger) -> Iterator[httpx.Client]:
    """GEO's client for ARM, as its node builds it from its federation file."""
    fed = geo.federation
    with peer_client("ARM", fed.endpoint("ARM"), fed.tls_pin("ARM"), timeout=5.0) as http:
        yield http


def puller(arm: ArmServer, geo: MemoryLedger, client: httpx.Client, **options: Any) -> Peer:
    return Peer("ARM", arm.endpoint, "GEO", KEYS["GEO"], client, geo.ingest, geo.last_seq,
                **options)  # fmt: skip


def test_a_peer_pulls_every_record_over_https_in_pages(
    arm: ArmServer, geo: MemoryLedger, client: httpx.Client
) -> None:
    append(arm.ledger, 1_234)
    peer = puller(arm, geo, client, limit=500)
    outcome = peer.pull_once()
    assert (outcome.pages, outcome.stored, outcome.error) == (3, 1_234, None)
    assert geo.records("ARM") == arm.ledger.records("ARM")
    assert peer.status().lag == 0


def test_an_outage_is_retried_with_back_off_and_nothing_is_lost(
    arm: ArmServer, geo: MemoryLedger, client: httpx.Client
) -> None:
    append(arm.ledger, 300)
    peer = puller(arm, geo, client, limit=100, poll_seconds=0.02,
                  backoff=Backoff(base=0.05, cap=0.2))  # fmt: skip
    loop = SyncLoop([peer])
    loop.start()
    wait_for(lambda: len(geo.records("ARM")) == 300)
    arm.stop()
    append(arm.ledger, 200)  # the node goes on recording while its peers cannot reach it
    wait_for(lambda: peer.status().failures >= 2)
    assert "cannot reach ARM" in (peer.status().last_error or "")
    arm.start()
    wait_for(lambda: len(geo.records("ARM")) == 500)
    loop.stop()
    assert geo.records("ARM") == arm.ledger.records("ARM")
    assert peer.status().failures == 0


def test_a_tampered_record_on_the_wire_is_refused_with_its_page(
    arm: ArmServer, geo: MemoryLedger, client: httpx.Client
) -> None:
    append(arm.ledger, 25)

    def tamper(body: dict[str, Any]) -> dict[str, Any]:
        for record in body.get("records", []):
            if record["seq"] == 17:
                digit = "1" if record["at"][-2] == "0" else "0"  # a microsecond moved
                record["at"] = record["at"][:-2] + digit + "Z"
        return body

    arm.transform.append(tamper)
    outcome = puller(arm, geo, client, limit=10).pull_once()
    assert outcome.rejection is not None
    assert (outcome.rejection.reason, outcome.rejection.seq) == (Reason.BAD_HASH, 17)
    assert len(geo.records("ARM")) == 10  # 1-10 stored; the page 11-20 refused whole
    arm.transform.clear()
    puller(arm, geo, client, limit=10).pull_once()
    assert geo.records("ARM") == arm.ledger.records("ARM")


def test_records_signed_with_a_wrong_key_are_refused(
    arm: ArmServer, geo: MemoryLedger, client: httpx.Client
) -> None:
    impostor = MemoryLedger(arm.ledger.federation, KEYS["AZE"])  # ARM's name, AZE's key
    for i in range(5):
        impostor.append("CrossingRecorded", payload(i + 1), now())
    arm.ledger = impostor
    arm.stop()
    arm.start()
    outcome = puller(arm, geo, client).pull_once()
    assert outcome.rejection is not None and outcome.rejection.reason == Reason.BAD_SIGNATURE
    assert geo.records("ARM") == []


def test_a_request_without_node_credentials_gets_401(arm: ArmServer, client: httpx.Client) -> None:
    response = client.get(f"{arm.endpoint}{RECORDS_PATH}?after=0&limit=5")
    assert response.status_code == 401
    assert "no node credentials" in response.json()["detail"]


def test_a_replayed_request_gets_401(arm: ArmServer, client: httpx.Client) -> None:
    target = f"{RECORDS_PATH}?after=0&limit=5"
    headers = sign_request(KEYS["GEO"], "GEO", "ARM", "GET", target, now())
    assert client.get(arm.endpoint + target, headers=headers).status_code == 200
    again = client.get(arm.endpoint + target, headers=headers)
    assert again.status_code == 401 and "replayed" in again.json()["detail"]


def test_a_caller_whose_clock_is_off_is_told_so(
    arm: ArmServer, geo: MemoryLedger, client: httpx.Client
) -> None:
    late = puller(arm, geo, client, clock=lambda: now() - timedelta(minutes=10))
    outcome = late.pull_once()
    assert outcome.error is not None and "401" in outcome.error and "clocks" in outcome.error


def test_a_bad_query_gets_422(arm: ArmServer, client: httpx.Client) -> None:
    target = f"{RECORDS_PATH}?after=-1&limit=5"
    headers = sign_request(KEYS["GEO"], "GEO", "ARM", "GET", target, now())
    response = client.get(arm.endpoint + target, headers=headers)
    assert response.status_code == 422 and response.json()["detail"].startswith("after:")


def wait_for(condition: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_peer_presenting_another_certificate_is_refused_before_any_request(
    arm: ArmServer, geo: MemoryLedger, client: httpx.Client, tmp_path: Path
) -> None:
    """An impostor at ARM's address (or ARM with a certificate its entry does not pin): the
    handshake fails, no signed request is sent, nothing is stored, and the status says why."""
    append(arm.ledger, 5)
    arm.stop()
    arm.tls, other = certificate(tmp_path, "impostor")
    arm.start()
    peer = puller(arm, geo, client)
    outcome = peer.pull_once()
    assert outcome.error is not None and outcome.stored == 0
    status = peer.status()
    assert status.failures == 1 and status.last_error == outcome.error
    assert f"cannot reach ARM at {arm.endpoint}" in outcome.error
    assert "TLS certificate mismatch" in outcome.error
    assert other in outcome.error and arm.pin in outcome.error  # presented, and pinned
    assert arm.requests == []  # the signed request never left GEO
    assert geo.records("ARM") == []


def test_plain_http_to_a_tls_node_gets_nothing(arm: ArmServer) -> None:
    with httpx.Client(timeout=5.0) as plain:
        try:
            answer: int | None = plain.get(f"http://127.0.0.1:{arm.port}/v1/health").status_code
        except httpx.HTTPError:
            answer = None
    assert answer != 200 and arm.requests == []
