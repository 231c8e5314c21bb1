"""Pull peers' records: one ``Peer`` per member, each in its own loop with back-off.

``Peer.pull_once`` asks the peer for records after the last one we hold, page by page, until it
has caught up, and hands each page to the caller's ``ingest(origin, records)``, which verifies
and stores it (``cta.federation.verify``; all of a page or none of it). A failure (peer down,
refused credentials, a malformed page, a rejected batch, storage failing) is counted in the
peer's status and retried after an exponential back-off with jitter, capped; other peers are
not held up. ``SyncLoop`` runs every peer in a daemon thread until stopped.

Each peer has its own client (``peer_client``): over HTTPS it accepts only the certificate the
federation file pins for that peer (``cta.federation.tls``); a different one fails the round
as a connection error, before the signed request is sent, and ``last_error`` names both
fingerprints. Proxies from the environment are not used: nodes talk to each other directly.

A peer's answer is trusted no further than the request: it is read as it comes and given up
past the bytes an honest page of the ``limit`` asked can take (``protocol.max_page_bytes``),
or past the long poll's ``wait`` and ``ANSWER_MARGIN_SECONDS`` (the client's timeout is per
read, so a peer sending a byte now and then would hold the pull for ever); it is asked for
``Accept-Encoding: identity`` and refused in any other (nothing is inflated); a page of more
records than asked is malformed. A peer's text (its error body, the keys of a malformed page)
is stored and shown with its control characters escaped, and a peer whose pulls start failing
is logged once (WARNING), and once more when they succeed again.
"""

from __future__ import annotations

import logging
import random
import re
import ssl
import threading
import time
from collections.abc import Callable, Generator, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import httpcore
import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cta.federation.auth import sign_request
from cta.federation.errors import RecordFormatError
from cta.federation.protocol import (
    MAX_LIMIT,
    RecordsPage,
    decode_page,
    max_page_bytes,
    records_target,
)
from cta.federation.records import Record
from cta.federation.verify import Checked, IngestResult, Reason, Rejection

__all__ = [
    "ANSWER_MARGIN_SECONDS",
    "Backoff",
    "Check",
    "Ingest",
    "IngestResult",
    "NodeAuth",
    "Peer",
    "PeerStatus",
    "PullOutcome",
    "SyncLoop",
    "fault_text",
    "peer_client",
    "printable",
]

Clock = Callable[[], datetime]
log = logging.getLogger("cta.federation")


def _utc_now() -> datetime:
    return datetime.now(UTC)


# a page's answer, from the request to its last byte, is given the long poll's ``wait`` and
# this: a full page (about 1 MB; 64.5 MiB at the most, ``max_page_bytes``) comes in well under
# a second between the nodes, and a minute leaves room for a slow link and a busy peer, while
# a peer that dribbles its answer (the client's timeout is per read) is given up and counted
ANSWER_MARGIN_SECONDS = 60.0
# of an answer other than 200, the bytes read: its first 200 characters are quoted
_ERROR_BODY_BYTES = 4096
# the most bytes of one page a puller reads, and so parses whole: a page of 1,000 honest
# crossings is about 1 MB, but JSON of many tiny objects takes about 25 times its size in
# memory once parsed (tracemalloc: 8 MiB of them 210 MB; a page within the 64.5 MiB bound of
# 1,000 records, 1.6 GB).
# A longer answer is asked for again in an eighth of the records (one at the least, whose
# bound, ``max_page_bytes(1)``, is under this), and the count grows back by doubling.
PAGE_BYTES = 8 * 1024 * 1024
# characters a terminal or a page would act on rather than show: C0 and C1 controls (ANSI
# escapes begin with ESC), DEL, and the bidirectional overrides that reorder the text around
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` with the characters ``_UNPRINTABLE`` names escaped as Python writes them
    (``\\x1b``, ``\\u202e``): a peer's words, kept in the status and the log, cannot move an
    operator's cursor, colour their terminal or turn the line around."""
    return _UNPRINTABLE.sub(lambda match: ascii(match.group())[1:-1], text)


def fault_text(exc: BaseException) -> str:
    """What failed, without the data it failed on: a database driver's error (SQLAlchemy
    wraps it as ``orig``) by its class and its first line, not PostgreSQL's ``DETAIL`` line
    (``Key (ref)=(ARM-C-1) already exists``) nor the statement: the text is kept in the
    peer's status and the log, and the values are travellers' personal data."""
    driver = getattr(exc, "orig", None)
    if isinstance(driver, BaseException):
        first = next(iter(str(driver).splitlines()), "")
        return f"{type(driver).__name__}: {first}"
    return f"{type(exc).__name__}: {exc}"


class Ingest(Protocol):
    """Verify and store a page: (origin, its records, the proofs of its erasures:
    ``RecordsPage.erasures``, and rule 2's verdicts on its records when ``Peer.check`` gave
    them: ``cta.federation.verify.check_records``). Called with the fourth only when the
    peer has a ``check``."""

    def __call__(
        self, origin: str, records: Sequence[Record], proofs: Sequence[Record],
        checked: Checked | None = None, /,
    ) -> IngestResult: ...  # fmt: skip


# rule 2 over a page's records (``check_records``): the signatures, which need nothing but the
# records and the members' keys, so the page fetched ahead is checked while the one before is
# applied
Check = Callable[[Sequence[Record]], Checked]


@dataclass(frozen=True, slots=True)
class Backoff:
    """Seconds to wait after ``failures`` failures in a row: doubling from ``base`` to ``cap``,
    drawn uniformly from the upper half so that peers that failed together retry apart."""

    base: float = 0.5
    cap: float = 60.0
    factor: float = 2.0

    def delay(self, failures: int, rng: random.Random) -> float:
        if failures <= 0:
            return 0.0
        ceiling = min(self.cap, self.base * self.factor ** min(failures - 1, 64))
        return rng.uniform(ceiling / 2, ceiling)


def peer_client(
    state: str, endpoint: str, tls_pin: str | None, timeout: float = 10.0
) -> httpx.Client:
    """The HTTP client for one peer: TLS with its pinned certificate for an ``https://``
    endpoint (refused without a pin), plain for ``http://`` (the federation file allowed it)."""
    from cta.federation.tls import pinned_context

    if endpoint.startswith("https://"):
        if tls_pin is None:
            raise ValueError(f"{state}'s https endpoint has no pinned certificate")
        context = pinned_context(tls_pin, f"{state} at {endpoint}")
        return httpx.Client(timeout=timeout, transport=_PeerTransport(context), trust_env=False)
    return httpx.Client(timeout=timeout, transport=_PeerTransport(None), trust_env=False)


# the deadline of the answer being read in this thread (``time.monotonic``), set by
# ``Peer.fetch``; every socket operation of a ``peer_client`` is held to it
_answer = threading.local()


def _within(timeout: float | None, late: type[Exception]) -> float | None:
    """A socket operation's timeout, cut to what is left of the answer's deadline; ``late``
    once it has passed."""
    deadline: float | None = getattr(_answer, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise late("the answer's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """A connection whose every read, write and TLS handshake ends by the answer's deadline:
    a peer sending its headers or its page a byte at a time cannot hold the pull."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _within(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _within(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(
        self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:  # fmt: skip
        timeout = _within(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class _DeadlineBackend(httpcore.NetworkBackend):
    """httpcore's own sockets (``SyncBackend``), as ``_DeadlineStream``s."""

    def __init__(self) -> None:
        self._backend = httpcore.SyncBackend()

    def connect_tcp(
        self, host: str, port: int, timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:  # fmt: skip
        timeout = _within(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_tcp(host, port, timeout, local_address,
                                                         socket_options))  # fmt: skip

    def connect_unix_socket(
        self, path: str, timeout: float | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:  # fmt: skip
        timeout = _within(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._backend.connect_unix_socket(path, timeout, socket_options))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


class _PeerTransport(httpx.HTTPTransport):
    """httpx's transport over ``_DeadlineBackend`` (httpx takes no network backend: its pool,
    ``_pool``, is made again with one, as httpx makes it for no proxy)."""

    def __init__(self, context: ssl.SSLContext | None) -> None:
        super().__init__(verify=context or True, trust_env=False)
        limits = httpx.Limits()  # httpx's defaults
        self._pool = httpcore.ConnectionPool(
            ssl_context=context, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry, network_backend=_DeadlineBackend(),
        )  # fmt: skip


class NodeAuth(httpx.Auth):
    """Signs each request as ``node`` for ``audience`` (see ``cta.federation.auth``)."""

    def __init__(self, key: Ed25519PrivateKey, node: str, audience: str, clock: Clock) -> None:
        self._key, self._node, self._audience, self._clock = key, node, audience, clock

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        target = request.url.raw_path.decode("ascii")
        request.headers.update(sign_request(self._key, self._node, self._audience,
                                            request.method, target, self._clock(),
                                            body=request.content))  # fmt: skip
        yield request


@dataclass(frozen=True, slots=True)
class PeerStatus:
    """What ``cta federation status`` shows for one peer."""

    state: str
    endpoint: str
    last_seq: int = 0  # the last of its records we hold
    remote_last_seq: int | None = None  # its highest, as of the last page it served
    last_success_at: datetime | None = None  # when we last reached it and stored its page
    last_error: str | None = None
    last_error_at: datetime | None = None
    failures: int = 0  # in a row; 0 after a success
    stored: int = 0  # records stored since start
    rejections: int = 0  # batches refused since start
    next_attempt_at: datetime | None = None

    @property
    def lag(self) -> int | None:
        """Records it has that we do not yet (as of its last answer)."""
        if self.remote_last_seq is None:
            return None
        return max(0, self.remote_last_seq - self.last_seq)


@dataclass(frozen=True, slots=True)
class PullOutcome:
    """One round of pulling: pages fetched, records stored, and the error that ended it, if any."""

    pages: int = 0
    stored: int = 0
    skipped: int = 0
    error: str | None = None
    rejection: Rejection | None = None


class PeerError(Exception):
    """A round that failed: the peer, the wire or our storage; the message says which."""


class _LongPage(PeerError):
    """A page over the bytes the puller reads of the records it asked: asked again in fewer."""


@dataclass
class Peer:
    """Pulls one peer's records into this node."""

    state: str
    endpoint: str
    node: str
    key: Ed25519PrivateKey
    client: httpx.Client
    ingest: Ingest
    position: Callable[[str], int]  # the last seq of ``state`` this node holds
    # records a page, the most a node serves: a catch-up of 1,000-record pages ran ~1.2x
    # as fast as of 500 (fewer commits, requests and hand-overs; docs/benchmarks.md)
    limit: int = MAX_LIMIT
    backoff: Backoff = field(default_factory=Backoff)
    poll_seconds: float = 2.0
    # a long poll (``protocol``): the peer holds a pull that finds nothing new up to this many
    # seconds and answers as soon as it seals a record; 0: ask every ``poll_seconds``
    wait_seconds: int = 0
    clock: Clock = _utc_now
    rng: random.Random = field(default_factory=random.Random)
    # every rejection (the batch's, or a page of another origin's): the audit entry and alarm
    on_rejection: Callable[[Rejection], None] | None = None
    # rule 2 of a page (``Check``): given, each page fetched ahead is checked in the fetching
    # thread and ``ingest`` gets the verdicts; the first page of a round is checked by ingest
    check: Check | None = None
    # a page's answer must end within ``wait_seconds`` and this (``ANSWER_MARGIN_SECONDS``)
    answer_margin: float = ANSWER_MARGIN_SECONDS
    page_bytes: int = PAGE_BYTES  # the most bytes of a page read, parsed whole
    _status: PeerStatus = field(init=False)
    _lock: threading.Lock = field(init=False, default_factory=threading.Lock)
    _asked: int = field(init=False)  # records asked a page now: ``limit``, less after a long one

    def __post_init__(self) -> None:
        self._status = PeerStatus(self.state, self.endpoint)
        self._asked = self.limit

    def status(self) -> PeerStatus:
        with self._lock:
            return self._status

    def fetch(self, after: int) -> RecordsPage:
        """One page of the peer's records after ``after``; ``PeerError`` when it fails: the
        peer cannot be reached, answers other than 200, in an encoding other than identity,
        more than ``max_page_bytes`` of the records asked or not by the deadline, or a
        malformed page. A page over ``page_bytes`` is asked for again in fewer records."""
        asked = self._asked
        url = self.endpoint + records_target(after, asked, self.wait_seconds)
        auth = NodeAuth(self.key, self.node, self.state, self.clock)
        seconds = self.wait_seconds + self.answer_margin
        _answer.deadline = deadline = time.monotonic() + seconds
        identity = {"Accept-Encoding": "identity"}  # httpx asks for gzip unless told
        try:
            with self.client.stream("GET", url, auth=auth, headers=identity) as response:
                status, body = response.status_code, self._read(response, deadline, asked)
        except _LongPage as exc:
            if asked == 1:
                raise PeerError(str(exc)) from None
            self._asked = max(1, asked // 8)
            log.warning("%s; asking for %d records a page", exc, self._asked)
            return self.fetch(after)
        except httpx.HTTPError as exc:
            if time.monotonic() >= deadline:
                raise PeerError(f"{self.state} did not finish its answer in {seconds:g} s "
                                f"(at {self.endpoint})") from None  # fmt: skip
            raise PeerError(f"cannot reach {self.state} at {self.endpoint}: "
                            f"{type(exc).__name__}: {exc}") from None  # fmt: skip
        finally:
            _answer.deadline = None
        if status == 422 and self.wait_seconds and b"wait" in body:
            # a peer of an earlier version, which knows no long poll: poll it instead
            log.warning("%s does not take wait=; polling it every %g s", self.state,
                        self.poll_seconds)  # fmt: skip
            self.wait_seconds = 0
            return self.fetch(after)
        if status != 200:
            text = body.decode("utf-8", errors="replace")[:200]
            raise PeerError(f"{self.state} answered {status}: {text}")
        try:
            page = decode_page(body, asked)
        except RecordFormatError as exc:
            raise PeerError(f"{self.state} sent a malformed page: {exc}") from None
        self._asked = min(self.limit, asked * 2)
        return page

    def _read(self, response: httpx.Response, deadline: float, asked: int) -> bytes:
        """The answer's bytes as they came (nothing inflated), at most ``max_page_bytes`` of
        the records asked and ``page_bytes`` (``_ERROR_BODY_BYTES`` of an answer other than
        200), by ``deadline``; ``PeerError`` past either (``_LongPage`` past the bound)."""
        encoding = response.headers.get("content-encoding", "").strip().lower() or "identity"
        if encoding != "identity":
            # asked for identity: an honest node sends its page as it is, and a compressed
            # one could inflate a thousandfold (a 1 MB gzip to 1 GiB)
            raise PeerError(f"{self.state} answered {response.status_code} in Content-Encoding "
                            f"{encoding[:40]!r}, though identity was asked")  # fmt: skip
        bound = (min(max_page_bytes(asked), max(self.page_bytes, max_page_bytes(1)))
                 if response.status_code == 200 else _ERROR_BODY_BYTES)  # fmt: skip
        length = response.headers.get("content-length", "")
        if response.status_code == 200 and length.isdigit() and int(length) > bound:
            raise _LongPage(f"{self.state}'s page is over {bound:,} bytes (Content-Length "
                            f"{int(length):,}; {asked:,} records asked)")  # fmt: skip
        body = bytearray()
        # read already when the transport made the answer in memory (httpx's MockTransport)
        chunks = [response.content] if response.is_stream_consumed else response.iter_raw()
        for chunk in chunks:
            body += chunk
            if len(body) > bound and response.status_code != 200:
                return bytes(body[:bound])  # enough to quote
            if len(body) > bound:
                raise _LongPage(f"{self.state}'s page is over {bound:,} bytes ({asked:,} "
                                "records asked)")  # fmt: skip
            if time.monotonic() >= deadline:
                raise httpx.ReadTimeout("the answer's deadline has passed")
        return bytes(body)

    def pull_once(self, stop: threading.Event | None = None) -> PullOutcome:
        """Fetch and ingest pages until caught up, a failure, or ``stop``; never raises.

        While a page is ingested the next ones are already on their way (``_Ahead``: up to
        two pages, fetched one after the other in a thread, each asked for after the last
        record of the one before): a page fetched ahead is used only if ingesting left our
        head where it was asked from, and the pages ahead are dropped otherwise (a rejection,
        a failure, a page that stopped short). With a ``check``, that thread also checks each
        page's signatures once it has it, so that on two cores one verifies while the other
        applies, instead of each waiting in turn; the verdicts are those ``ingest`` would
        have reached itself, and it still runs every rule over the page against our head in
        its transaction (``verify_batch``)."""
        outcome = PullOutcome()
        ahead: _Ahead | None = None
        if stop is not None and stop.is_set():
            return outcome
        try:
            after = self.position(self.state)
            page, checked = self.fetch(after), None
            while stop is None or not stop.is_set():
                if page.origin != self.state:  # another origin's, or no member's: forged
                    rejection = Rejection(self.state, Reason.WRONG_ORIGIN, 0, None,
                                          f"{self.state}'s endpoint sent a page of "
                                          f"{page.origin}'s records")  # fmt: skip
                    return self._failed(outcome, str(rejection), rejection)
                end = page.records[-1].seq if page.records else after
                if ahead is None and page.records and page.last_seq > end:  # more to come
                    ahead = _Ahead(self._fetch_checked, end)
                if checked is None:
                    result = self.ingest(self.state, page.records, page.erasures)
                else:
                    result = self.ingest(self.state, page.records, page.erasures, checked)
                outcome = replace(outcome, pages=outcome.pages + 1,
                                  stored=outcome.stored + result.stored,
                                  skipped=outcome.skipped + result.skipped)  # fmt: skip
                if result.rejection is not None:
                    return self._failed(outcome, str(result.rejection), result.rejection)
                self._succeeded(result, page)
                if not page.records or result.head_seq >= page.last_seq:
                    break
                if result.stored == 0:  # a page that moved nothing: do not spin on it
                    return self._failed(outcome, f"{self.state}'s page after {after} moved "
                                        "nothing forward")  # fmt: skip
                after = self.position(self.state)
                fetched = ahead.take(after) if ahead is not None else None
                if fetched is None:  # none ahead, or not from where our head is: ask again
                    if ahead is not None:
                        ahead.drop()
                        ahead = None
                    page, checked = self.fetch(after), None
                else:
                    page, checked = fetched
        except PeerError as exc:
            return self._failed(outcome, str(exc))
        except Exception as exc:  # the caller's ingest (storage down): retry later, say why
            return self._failed(outcome, f"ingest failed: {fault_text(exc)}")
        finally:
            if ahead is not None:
                ahead.drop()
        return outcome

    def _fetch_checked(self, after: int) -> tuple[RecordsPage, Checked | None]:
        """A page and, with a ``check``, rule 2's verdicts on its records (none for a page of
        another origin's: it is refused whole before any record is looked at)."""
        page = self.fetch(after)
        if self.check is None or page.origin != self.state or not page.records:
            return page, None
        return page, self.check(page.records)

    def run(self, stop: threading.Event) -> None:
        """Pull, wait (the poll interval, or the back-off after a failure), until ``stop``."""
        while not stop.is_set():
            started = time.monotonic()
            outcome = self.pull_once(stop)
            failures = self.status().failures
            wait = self.backoff.delay(failures, self.rng) if outcome.error else self.poll_seconds
            # a long poll that brought records, or that the peer held, is followed by the next
            # at once; one answered at once with nothing (no wait there) by the poll interval
            held = time.monotonic() - started >= self.wait_seconds / 2
            if not outcome.error and self.wait_seconds and (outcome.stored or held):
                wait = 0.0
            with self._lock:
                self._status = replace(self._status, next_attempt_at=self.clock() + _seconds(wait))
            stop.wait(wait)

    def _succeeded(self, result: IngestResult, page: RecordsPage) -> None:
        with self._lock:
            failed = self._status.failures
            stored = self._status.stored + result.stored
            self._status = replace(self._status, last_seq=result.head_seq,
                                   remote_last_seq=page.last_seq, last_success_at=self.clock(),
                                   failures=0, stored=stored)  # fmt: skip
        if failed:  # at the level of the line that said it failed, so that both are seen
            log.warning("pulling %s's records succeeds again, after %d failures", self.state,
                        failed)  # fmt: skip

    def _failed(
        self, outcome: PullOutcome, error: str, rejection: Rejection | None = None
    ) -> PullOutcome:
        """Count the failure; the first of a run is logged (not each retry: the status has
        them). ``error`` may quote the peer: its control characters are escaped here."""
        error = printable(error)
        with self._lock:
            status = self._status
            rejections = status.rejections + (rejection is not None)
            self._status = replace(status, last_error=error, last_error_at=self.clock(),
                                   failures=status.failures + 1, rejections=rejections)  # fmt: skip
        if status.failures == 0:
            log.warning("pulling %s's records fails (retried with back-off): %s", self.state,
                        error)  # fmt: skip
        if rejection is not None and self.on_rejection is not None:
            self.on_rejection(rejection)
        return replace(outcome, error=error, rejection=rejection)


_Fetched = tuple[RecordsPage, Checked | None]
AHEAD = 2  # pages fetched (and checked) ahead of the one being ingested, at most


class _Ahead:
    """Pages fetched (and checked: ``Peer._fetch_checked``) one after the other in a thread
    of its own, each after the last record of the one before, while the caller ingests:
    at most ``AHEAD`` of them wait (one handed over, one being fetched), so that the peer's
    answer and the signatures of the page after next are on their way while a slow page is
    applied. The thread stops at a page that is the last (nothing more to come), at an
    error (handed to the caller in ``take``), or when dropped."""

    def __init__(self, fetch: Callable[[int], _Fetched], after: int) -> None:
        self._ready: list[tuple[int, _Fetched | BaseException]] = []  # (asked after, page)
        self._changed = threading.Condition()
        self._dropped = False
        self._thread = threading.Thread(target=self._run, args=(fetch, after), daemon=True,
                                        name=f"cta-ahead-{after}")  # fmt: skip
        self._thread.start()

    def _run(self, fetch: Callable[[int], _Fetched], after: int) -> None:
        while True:
            try:
                fetched: _Fetched | BaseException = fetch(after)
            except BaseException as exc:  # handed to the caller in ``take``
                fetched = exc
            with self._changed:
                while len(self._ready) >= AHEAD - 1 and not self._dropped:
                    self._changed.wait()  # one waits already: fetch the next when it is taken
                if self._dropped:
                    return
                self._ready.append((after, fetched))
                self._changed.notify_all()
            if isinstance(fetched, BaseException):
                return
            page = fetched[0]
            if not page.records or page.last_seq <= page.records[-1].seq:
                return  # the last page for now (the caller long-polls for more)
            after = page.records[-1].seq

    def take(self, after: int) -> _Fetched | None:
        """The next page ahead if it was asked for after ``after`` (our head now), or the
        error its fetch met raised here; None if the pages ahead were asked from elsewhere,
        or none is coming."""
        with self._changed:
            while not self._ready and self._thread.is_alive():
                self._changed.wait(0.5)
            if not self._ready:
                return None
            asked, fetched = self._ready[0]
            if asked != after:
                return None
            self._ready.pop(0)
            self._changed.notify_all()
        if isinstance(fetched, BaseException):
            raise fetched
        return fetched

    def drop(self) -> None:
        """Not wanted: stop after the page being fetched, and wait for that (the client is not
        shared by two requests at once)."""
        with self._changed:
            self._dropped = True
            self._ready.clear()
            self._changed.notify_all()
        self._thread.join()


def _seconds(value: float) -> timedelta:
    return timedelta(seconds=value)


class SyncLoop:
    """Every peer's ``Peer.run`` in a daemon thread; ``stop()`` ends them all."""

    def __init__(self, peers: Sequence[Peer]) -> None:
        self.peers = tuple(peers)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for peer in self.peers:
            thread = threading.Thread(target=peer.run, args=(self._stop,),
                                      name=f"cta-sync-{peer.state}", daemon=True)  # fmt: skip
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    def statuses(self) -> list[PeerStatus]:
        return [peer.status() for peer in self.peers]
