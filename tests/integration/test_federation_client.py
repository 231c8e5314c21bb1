"""The sync client against a real HTTP server on loopback: uvicorn serving a node's records
through the federation's own serving code, with node credentials, pages and failures.

The server runs in a thread of the test process (a real socket, a real HTTP stack); the
node's storage is the in-memory ledger, since this tests the exchange, not the store.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
from cta.federation.sync import Backoff, Peer, SyncLoop
from cta.federation.verify import Reason
from tests.integration.node_server import free_port
from tests.unit.federation.helpers import KEYS, federation_text, payload

Transform = Callable[[dict[str, Any]], dict[str, Any]]


def real_federation(node: str, arm_port: int) -> Federation:
    text = federation_text(node).replace("2027-01-01T00:00:00Z", "2020-01-01T00:00:00Z")
    return parse_federation(text.replace("http://127.0.0.1:8091", f"http://127.0.0.1:{arm_port}"))


def now() -> datetime:
    return datetime.now(UTC)


def records_app(ledger: MemoryLedger, transform: list[Transform]) -> FastAPI:
    app = FastAPI()
    nonces = NonceCache()

    @app.get(RECORDS_PATH)
    def records(request: Request) -> JSONResponse:
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
    transform: list[Transform] = field(default_factory=list)
    _server: uvicorn.Server | None = None
    _thread: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        config = uvicorn.Config(records_app(self.ledger, self.transform), host="127.0.0.1",
                                port=self.port, log_level="warning", access_log=False)  # fmt: skip
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
def arm() -> Iterator[ArmServer]:
    port = free_port()
    ledger = MemoryLedger(real_federation("ARM", port), KEYS["ARM"])
    server = ArmServer(ledger, port)
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
    return MemoryLedger(real_federation("GEO", arm.port), KEYS["GEO"])


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=5.0) as http:
        yield http


def puller(arm: ArmServer, geo: MemoryLedger, client: httpx.Client, **options: Any) -> Peer:
    return Peer("ARM", arm.endpoint, "GEO", KEYS["GEO"], client, geo.ingest, geo.last_seq,
                **options)  # fmt: skip


def test_a_peer_pulls_every_record_over_http_in_pages(
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
