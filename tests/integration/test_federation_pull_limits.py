"""The puller against a hostile peer on loopback: a real HTTP server (``http.server`` in a
thread) that answers each pull as the test says — too much, too slowly, compressed, more
records than asked, nested too deep, or with its own text to print — holding ARM's key so
that its records are honest when the test wants them so. The puller is the node's own
(``peer_client``, ``Peer``); the store is the in-memory ledger (the exchange is tested, not
the store). docs/federation.md, "The exchange"; the sweep's FED-A4, A5, C1, C2, D1, D2.
"""

from __future__ import annotations

import contextlib
import gzip
import json
import logging
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from cta.federation.auth import sign_request
from cta.federation.memory import MemoryLedger
from cta.federation.protocol import RECORDS_PATH, max_page_bytes
from cta.federation.records import GENESIS_HASH, seal
from cta.federation.sync import Backoff, Peer, SyncLoop, peer_client
from tests.integration.test_federation_client import ArmServer, certificate, now, real_federation
from tests.integration.test_federation_client import arm as arm  # the fixture
from tests.unit.federation.helpers import KEYS, T0, federation, payload

# (the handler, after, limit): writes the whole answer to the pull
Answer = Callable[["PeerHandler", int, int], None]
LIMIT = 2  # records a page: its bound, max_page_bytes(2), is 200,704 bytes


class FakeArm(ThreadingHTTPServer):
    """ARM's endpoint as a hostile member runs it: ``answer`` answers every pull."""

    daemon_threads = True

    def __init__(self, ledger: MemoryLedger) -> None:
        super().__init__(("127.0.0.1", 0), PeerHandler)
        self.ledger = ledger
        self.answer: Answer = honest
        self.headers_seen: list[dict[str, str]] = []
        self.done = threading.Event()  # the test is over: stop dribbling

    @property
    def endpoint(self) -> str:
        scheme = "https" if isinstance(self.socket, ssl.SSLSocket) else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}"


class PeerHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeArm

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        query = parse_qs(urlsplit(self.path).query)
        self.server.headers_seen.append(dict(self.headers))
        # the puller giving up on the answer is what these tests want
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, ssl.SSLError):
            self.server.answer(self, int(query["after"][0]), int(query["limit"][0]))

    def send(self, body: bytes, status: int = 200, headers: dict[str, str] | None = None,
             length: bool = True) -> None:  # fmt: skip
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        if length:
            self.send_header("Content-Length", str(len(body)))
        else:  # the body ends when the connection does
            self.send_header("Connection", "close")
            self.close_connection = True
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)


def honest(handler: PeerHandler, after: int, limit: int) -> None:
    handler.send(handler.server.ledger.page(after, limit).encode())


def ledger(count: int) -> MemoryLedger:
    arm = MemoryLedger(federation("ARM"), KEYS["ARM"])
    for i in range(count):
        arm.append("CrossingRecorded", payload(i + 1), T0)
    return arm


@pytest.fixture
def fake() -> Iterator[FakeArm]:
    server = FakeArm(ledger(5))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.done.set()
    server.shutdown()
    server.server_close()


@pytest.fixture
def geo() -> MemoryLedger:
    return MemoryLedger(federation("GEO"), KEYS["GEO"])


OPEN: list[httpx.Client] = []  # the clients of the test running


@pytest.fixture(autouse=True)
def _close_clients() -> Iterator[None]:
    yield
    while OPEN:
        OPEN.pop().close()


def puller(fake: FakeArm, geo: MemoryLedger, **options: Any) -> Peer:
    """GEO's puller of ARM with the node's own client (``peer_client``, a 10 s read timeout)."""
    client = peer_client("ARM", fake.endpoint, None)
    OPEN.append(client)
    settings: dict[str, Any] = {"limit": LIMIT, "backoff": Backoff(base=0.02, cap=0.05)}
    settings.update(options)
    return Peer("ARM", fake.endpoint, "GEO", KEYS["GEO"], client, geo.ingest, geo.last_seq,
                **settings)  # fmt: skip


# ---- FED-A4: an answer is read up to the bound of the limit asked, and never inflated ----


@pytest.mark.parametrize("length", [True, False], ids=["content-length", "until-close"])
def test_a_page_over_the_bound_of_its_limit_is_given_up_and_nothing_stored(
    fake: FakeArm, geo: MemoryLedger, length: bool
) -> None:
    """Two honest records, then 20 MB of blanks: valid JSON, but no honest answer to limit=2
    is that long; the puller stops reading past the bound (read whole, it was stored), asks
    again for one record, and gives up when that is too long as well."""
    limits: list[int] = []

    def padded(handler: PeerHandler, after: int, limit: int) -> None:
        limits.append(limit)
        page = handler.server.ledger.page(after, limit).encode()
        handler.send(page[:-1] + b" " * 20_000_000 + b"}", length=length)

    fake.answer = padded
    peer = puller(fake, geo)
    outcome = peer.pull_once()
    bound = max_page_bytes(1)
    assert outcome.error is not None and f"ARM's page is over {bound:,} bytes" in outcome.error
    assert limits == [LIMIT, 1]
    assert (outcome.stored, geo.records("ARM"), peer.status().failures) == (0, [], 1)
    fake.answer = honest
    assert peer.pull_once().error is None and len(geo.records("ARM")) == 5


def test_a_page_of_long_records_is_asked_for_again_in_fewer_records(
    fake: FakeArm, geo: MemoryLedger
) -> None:
    """A page is parsed whole, and parsed JSON can take ~20 times its bytes: the puller reads
    at most ``page_bytes`` of one (8 MiB by default, against 64.5 MiB for 1,000 records of the
    largest kind) and asks a page over it again in an eighth of the records, then doubles back.
    Here an honest member's records of 40 KB each, ``page_bytes`` 150,000: a page of 8 is
    asked again as 1, then 2, 4 (too long again), 1... and every record is stored."""
    arm = MemoryLedger(federation("ARM"), KEYS["ARM"])
    for i in range(12):
        arm.append("CrossingRecorded", payload(i + 1) | {"remarks": "x" * 40_000}, T0)
    fake.ledger = arm
    limits: list[int] = []

    def counted(handler: PeerHandler, after: int, limit: int) -> None:
        limits.append(limit)
        honest(handler, after, limit)

    fake.answer = counted
    peer = puller(fake, geo, limit=8, page_bytes=150_000)
    outcome = peer.pull_once()
    assert outcome.error is None and len(geo.records("ARM")) == 12, outcome.error
    assert limits[:3] == [8, 1, 2] and max(limits[1:]) <= 4, limits
    assert peer.status().failures == 0


def test_a_compressed_answer_is_refused_not_inflated(fake: FakeArm, geo: MemoryLedger) -> None:
    """The puller asks for identity; a peer that gzips anyway (a page padded to 50 MB in
    50 KB) is refused as it stands: inflated, it was stored."""

    def gzipped(handler: PeerHandler, after: int, limit: int) -> None:
        page = handler.server.ledger.page(after, limit).encode()
        bomb = gzip.compress(page[:-1] + b" " * 50_000_000 + b"}", 9)
        handler.send(bomb, headers={"Content-Encoding": "gzip"})

    fake.answer = gzipped
    outcome = puller(fake, geo).pull_once()
    assert outcome.error == ("ARM answered 200 in Content-Encoding 'gzip', though identity "
                             "was asked")  # fmt: skip
    assert fake.headers_seen[-1]["Accept-Encoding"] == "identity"
    assert geo.records("ARM") == []


# ---- FED-A5: a page has a deadline, whatever the peer sends and however slowly ----


def dribble(head: bytes, pause: float = 0.5) -> Answer:
    """Sends ``head`` at once, then a blank every ``pause`` seconds (below the client's read
    timeout) until the puller goes or the test ends: an answer that never ends."""

    def answer(handler: PeerHandler, after: int, limit: int) -> None:
        handler.wfile.write(head)
        handler.wfile.flush()
        while not handler.server.done.wait(pause):
            handler.wfile.write(b" ")
            handler.wfile.flush()

    return answer


BODY = b'HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n{"origin":"ARM",'
HEADERS = b"HTTP/1.1 200 OK\r\nX-Slow:"


@pytest.mark.parametrize("head", [BODY, HEADERS], ids=["body", "headers"])
def test_a_peer_dribbling_its_answer_is_given_up_by_the_deadline_and_counted(
    fake: FakeArm, geo: MemoryLedger, head: bytes
) -> None:
    fake.answer = dribble(head)
    peer = puller(fake, geo, answer_margin=2.0)
    outcomes: list[Any] = []
    thread = threading.Thread(target=lambda: outcomes.append(peer.pull_once()), daemon=True)
    thread.start()
    thread.join(2.0 + 10 + 10)  # the deadline, a read timeout, and room: it does not hang
    assert outcomes, "the pull is still held by the dribbling peer"
    assert outcomes[0].error == f"ARM did not finish its answer in 2 s (at {fake.endpoint})"
    status = peer.status()
    assert (status.failures, status.last_error) == (1, outcomes[0].error)


def test_the_deadline_holds_over_tls_and_after_it_the_peer_is_pulled_again(
    geo: MemoryLedger, tmp_path: Path
) -> None:
    """Through the pinned TLS client, in the node's loop: the dribble is a counted failure,
    and the pull goes on once the peer answers."""
    files, pin = certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(files.certificate, files.key)
    server = FakeArm(ledger(5))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    server.answer = dribble(BODY)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = peer_client("ARM", server.endpoint, pin)
    OPEN.append(client)
    peer = Peer("ARM", server.endpoint, "GEO", KEYS["GEO"], client, geo.ingest, geo.last_seq,
                limit=LIMIT, answer_margin=1.0, poll_seconds=0.02,
                backoff=Backoff(base=0.02, cap=0.05))  # fmt: skip
    loop = SyncLoop([peer])
    loop.start()
    try:
        wait_for(lambda: peer.status().failures >= 2, 2 * (1 + 10) + 10)
        assert "ARM did not finish its answer in 1 s" in (peer.status().last_error or "")
        server.answer = honest
        wait_for(lambda: len(geo.records("ARM")) == 5, 30)
    finally:
        loop.stop()
        server.done.set()
        server.shutdown()
        server.server_close()
    assert peer.status().failures == 0


# ---- FED-D1: a page of more records than asked is malformed ----


def test_a_page_of_more_records_than_the_limit_asked_is_refused(
    fake: FakeArm, geo: MemoryLedger
) -> None:
    fake.answer = lambda handler, after, limit: handler.send(fake.ledger.page(after, 5).encode())
    outcome = puller(fake, geo).pull_once()
    assert outcome.error == "ARM sent a malformed page: records: 5 records for limit=2"
    assert geo.records("ARM") == []


def test_more_proofs_than_records_is_refused(fake: FakeArm, geo: MemoryLedger) -> None:
    """An erased record brings one proof at most: a page of one record and three "proofs"
    is not an honest page (and no way to send more than the limit)."""

    def padded(handler: PeerHandler, after: int, limit: int) -> None:
        page = handler.server.ledger.page(after, 1).to_json()
        page["erasures"] = [page["records"][0]] * 3
        handler.send(json.dumps(page).encode())

    fake.answer = padded
    outcome = puller(fake, geo).pull_once()
    assert outcome.error == ("ARM sent a malformed page: erasures: 3 proofs for a page of 1 "
                             "records (one each at most)")  # fmt: skip


# ---- FED-C1: the peer's page named as the peer's, another origin's seq not as ARM's ----


def test_a_page_nested_too_deeply_is_the_peers_malformed_page(
    fake: FakeArm, geo: MemoryLedger
) -> None:
    fake.answer = lambda handler, after, limit: handler.send(b"[" * 100_000 + b"]" * 100_000)
    outcome = puller(fake, geo).pull_once()
    assert outcome.error == ("ARM sent a malformed page: page: nested too deeply to be a page "
                             "of records")  # fmt: skip


def test_another_origins_record_in_a_page_is_not_named_by_its_seq_as_the_pages(
    fake: FakeArm, geo: MemoryLedger
) -> None:
    georgian = seal("GEO", 1, T0, "CrossingRecorded", payload(1), GENESIS_HASH, KEYS["GEO"])

    def smuggled(handler: PeerHandler, after: int, limit: int) -> None:
        body = {"origin": "ARM", "records": [georgian.to_wire()], "last_seq": 1}
        handler.send(json.dumps(body).encode())

    fake.answer = smuggled
    outcome = puller(fake, geo).pull_once()
    assert outcome.error == ("ARM's batch, item 0: wrong_origin: a record of GEO (GEO's seq 1) "
                             "in a batch of ARM")  # fmt: skip


# ---- FED-C2: a peer's text is shown escaped; a run of failures is logged once ----


@pytest.mark.parametrize(
    ("body", "status", "shown"),
    [
        (b"\x1b[2J\x1b[31mall is well\x1b[0m\xe2\x80\xae", 500,
         "ARM answered 500: \\x1b[2J\\x1b[31mall is well\\x1b[0m\\u202e"),
        (b'{"origin":"ARM","records":[],"last_seq":0,"\\u001b[2J":1}', 200,
         "ARM sent a malformed page: \\x1b[2J: unknown field"),
    ],
    ids=["error-body", "page-key"],
)  # fmt: skip
def test_a_peers_words_reach_the_status_with_their_control_characters_escaped(
    fake: FakeArm, geo: MemoryLedger, body: bytes, status: int, shown: str
) -> None:
    fake.answer = lambda handler, after, limit: handler.send(body, status)
    peer = puller(fake, geo)
    outcome = peer.pull_once()
    assert outcome.error == shown and peer.status().last_error == shown


class Lines(logging.Handler):
    """The lines of a logger, as (level, message)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelno, record.getMessage()))


@pytest.fixture
def federation_log() -> Iterator[Lines]:
    """What ``cta.federation`` logs at INFO and above, whatever the process's logging is."""
    logger, lines = logging.getLogger("cta.federation"), Lines()
    level = logger.level
    logger.setLevel(logging.INFO)
    logger.addHandler(lines)
    yield lines
    logger.removeHandler(lines)
    logger.setLevel(level)


def test_a_run_of_failures_is_logged_when_it_starts_and_when_it_ends(
    fake: FakeArm, geo: MemoryLedger, federation_log: Lines
) -> None:
    answers: list[Answer] = [
        lambda handler, after, limit: handler.send(b"<h1>oops</h1>", 500),
        lambda handler, after, limit: handler.send(b"", 302, {"Location": "http://x.test/"}),
        lambda handler, after, limit: handler.send(b"\xff\xfe", 200),
    ]
    peer = puller(fake, geo)
    for answer in answers:
        fake.answer = answer
        assert peer.pull_once().error is not None
    fake.answer = honest
    assert peer.pull_once().error is None
    fake.answer = answers[0]
    assert peer.pull_once().error is not None
    assert federation_log.lines == [
        (logging.WARNING, "pulling ARM's records fails (retried with back-off): ARM answered "
                          "500: <h1>oops</h1>"),
        (logging.WARNING, "pulling ARM's records succeeds again, after 3 failures"),
        (logging.WARNING, "pulling ARM's records fails (retried with back-off): ARM answered "
                          "500: <h1>oops</h1>"),
    ]  # fmt: skip


# ---- FED-D2: our records endpoint refuses a credential header given twice ----


def test_a_credential_header_given_twice_gets_401_naming_it(arm: ArmServer) -> None:
    """ARM's real serving code under uvicorn, over TLS: GEO's signed request with a second
    ``CTA-Node`` (AZE) added, whichever comes first."""
    target = f"{RECORDS_PATH}?after=0&limit=5"
    signed = sign_request(KEYS["GEO"], "GEO", "ARM", "GET", target, now())
    fed = real_federation("GEO", arm.port, arm.pin)
    with peer_client("ARM", fed.endpoint("ARM"), fed.tls_pin("ARM"), timeout=5.0) as client:
        for first, second in (("GEO", "AZE"), ("AZE", "GEO")):
            headers = [(k, v) for k, v in signed.items() if k != "CTA-Node"]
            headers += [("CTA-Node", first), ("CTA-Node", second)]
            answer = client.get(arm.endpoint + target, headers=headers)
            assert answer.status_code == 401
            assert answer.json()["detail"] == "the header CTA-Node is given twice: send it once"
        fresh = sign_request(KEYS["GEO"], "GEO", "ARM", "GET", target, now())
        assert client.get(arm.endpoint + target, headers=fresh).status_code == 200


def wait_for(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)

