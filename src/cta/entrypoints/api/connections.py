"""A worker's open connections: a cheap gate until a request is in, and one ceiling.

A burst of 20,000 half-open connections reaches the node faster than it accepts them: the
kernel queues them (up to ``CTA_LISTEN_BACKLOG``, lowered to ``net.core.somaxconn``) and the
node takes them in order, so a border post's connection behind the burst waits for all that
came before it. What it waits for is the node's work per connection, and with uvicorn's
httptools protocol that was 55-60 µs of CPU for each (a parser, two logger lookups, flow
control, two address lookups, a deadline timer; the kernel's accept and close are about
15 µs of it): 15,000 queued connections were over a second on a busy machine. With the gate
it is about 20 µs (docs/benchmarks.md, the HTTP edge). And 1,000 slow bodies, each an
application task waiting for its body, kept the node from its queue for another half second.

So a connection first meets a ``Gate``: a small object that keeps the bytes of the first
request until it is whole (its head up to the blank line, then as many bytes of body as its
``Content-Length`` says, up to ``CTA_MAX_BODY_BYTES``, what the application would have read
into memory anyway), and only then hands the connection (and those bytes) to the real HTTP
protocol, as a buffering proxy would. A half-sent request or a slow body never costs more
than the gate. A body that is streamed (chunked), over the limit (answered 413 unread), or
that its client sends only after ``100 Continue``, goes to the protocol at once. The gate
holds the bounds that do not need the protocol:

* the header deadline (``CTA_HEADER_TIMEOUT``) and the body deadline (``CTA_BODY_TIMEOUT``,
  from the end of the head): a gate still waiting then is answered 408 and closed. Each
  kind's deadlines come in the order they were set, so one sweep a quarter of a second ends
  those due, with no timer per connection;
* a head over ``MAX_HEAD_BYTES`` (64 KiB) is answered 431 and closed;
* the ceiling (``CTA_MAX_CONNECTIONS``): every open connection, gate or protocol, is in
  ``OPEN`` oldest first (a protocol moves to the end when it has answered); past the ceiling
  the oldest one that has no request being answered is closed, so a flood pushes out its own
  oldest members and a newcomer (a health probe, a border check) is read and answered.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Any, ClassVar, cast

__all__ = [
    "BOUNDS",
    "HEAD_TOO_LARGE",
    "MAX_HEAD_BYTES",
    "OPEN",
    "ConnectionBounds",
    "Gate",
    "admit",
    "body_to_wait_for",
    "json_answer",
]

MAX_HEAD_BYTES = 64 * 1024  # a request line and headers; ours are well under 8 KiB
SWEEP_SECONDS = 0.25  # how often due gates are ended: a deadline holds to this much


@dataclass
class ConnectionBounds:
    """A worker's bounds on its connections (``server.configure_connections`` sets them)."""

    header_timeout: float = 10.0
    body_timeout: float = 30.0
    max_connections: int = 4096
    max_body_bytes: int = 1024 * 1024


BOUNDS = ConnectionBounds()
# a worker's open connections, oldest first (a gate, or a protocol with ``_answering`` and
# ``drop``); OrderedDict: its oldest is found in O(1) however many were removed before it
OPEN: OrderedDict[Any, None] = OrderedDict()


def json_answer(status: str, detail: str) -> bytes:
    """A whole HTTP/1.1 answer with a JSON ``detail``, closing the connection."""
    body = json.dumps({"detail": detail}).encode()
    return (f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body)}\r\nconnection: close\r\n\r\n").encode() + body


def admit(connection: Any) -> None:
    """Count a new connection; past the ceiling, close the oldest with nothing being answered
    (the newcomer itself only when every other one is being answered)."""
    OPEN[connection] = None
    if len(OPEN) <= BOUNDS.max_connections:
        return
    for oldest in OPEN:
        if not oldest._answering and oldest is not connection:
            break
    else:
        oldest = connection
    del OPEN[oldest]
    oldest.drop()


_HEAD_TOO_LATE = json_answer("408 Request Timeout", "the request's headers did not arrive in "
                             "time (CTA_HEADER_TIMEOUT)")  # fmt: skip
_BODY_TOO_LATE = json_answer("408 Request Timeout", "the request's body did not arrive in time "
                             "(CTA_BODY_TIMEOUT)")  # fmt: skip
HEAD_TOO_LARGE = json_answer("431 Request Header Fields Too Large", "the request's line and "
                         f"headers are over {MAX_HEAD_BYTES:,} bytes")  # fmt: skip
_CONTENT_LENGTH = re.compile(rb"\r\ncontent-length:[ \t]*([0-9]{1,12})[ \t]*(?=\r\n)")


def body_to_wait_for(head: bytes) -> int | None:
    """How many bytes of body the gate waits for after this head (its line and headers, each
    ending in CRLF); None when the connection goes to the HTTP protocol at once: a streamed
    body, a client waiting for ``100 Continue``, a body over the limit (answered 413 unread),
    or a length the parser is to judge."""
    lowered = head.lower()
    if b"\r\ntransfer-encoding:" in lowered or b"\r\nexpect:" in lowered:
        return None
    lengths = _CONTENT_LENGTH.findall(lowered)
    if len(lengths) != 1:
        return 0 if not lengths and b"\r\ncontent-length:" not in lowered else None
    length = int(lengths[0])
    return length if length <= BOUNDS.max_body_bytes else None  # else 413 at once


class Gate(asyncio.Protocol):
    """A connection until its first request is in; then the ``inner`` protocol's (module doc).

    uvicorn makes one per connection with the keyword arguments of its protocols, kept for the
    inner protocol made when the request is in. A subclass names ``inner`` (at module level: a
    worker process gets the class by its name)."""

    __slots__ = ("_made_with", "request", "transport", "wanted")
    inner: ClassVar[type[Any]]
    _answering: ClassVar[bool] = False  # a gate never has a request being answered
    # gates by deadline, soonest first: for their heads, and for their bodies
    _heads_due: ClassVar[deque[tuple[float, Gate]]] = deque()
    _bodies_due: ClassVar[deque[tuple[float, Gate]]] = deque()
    _sweeping: ClassVar[asyncio.AbstractEventLoop | None] = None  # the loop that sweeps

    def __init__(self, **made_with: Any) -> None:
        self._made_with = made_with
        self.request = bytearray()  # grows in place: bytes sent one at a time are not copied
        self.wanted = -1  # the request's whole length once its head is in
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.Transport", transport)  # uvloop's is not a subclass
        self._due(Gate._heads_due, BOUNDS.header_timeout)
        admit(self)

    def _due(self, queue: deque[tuple[float, Gate]], seconds: float) -> None:
        loop = asyncio.get_running_loop()
        queue.append((loop.time() + seconds, self))
        if Gate._sweeping is not loop:
            Gate._sweeping = loop
            loop.call_later(SWEEP_SECONDS, _sweep, loop)

    def data_received(self, data: bytes) -> None:
        if self.transport is None:
            return
        seen = len(self.request)
        self.request += data
        if self.wanted < 0:  # still reading the head
            end = self.request.find(b"\r\n\r\n", max(0, seen - 3))
            if end < 0 or end + 4 > MAX_HEAD_BYTES:  # arrived whole in one read, or not yet
                if len(self.request) > MAX_HEAD_BYTES:
                    self._end(HEAD_TOO_LARGE)
                elif self.request.find(b"\n\n", max(0, seen - 1)) >= 0:
                    self._hand_over()  # bare LF line ends: the parser answers 400, not 408
                return
            body = body_to_wait_for(bytes(self.request[: end + 2]))
            if body is None:
                self._hand_over()
                return
            self.wanted = end + 4 + body
            if len(self.request) < self.wanted:
                self._due(Gate._bodies_due, BOUNDS.body_timeout)
        if len(self.request) >= self.wanted:
            self._hand_over()

    def eof_received(self) -> bool:
        return False  # the client stopped sending before its request was in: close

    def connection_lost(self, exc: Exception | None) -> None:
        OPEN.pop(self, None)
        self.transport = None

    def drop(self) -> None:
        """Close the connection at once (the ceiling's choice)."""
        if self.transport is not None:
            self.transport.abort()
            self.transport = None

    def _end(self, answer: bytes) -> None:
        assert self.transport is not None
        OPEN.pop(self, None)
        self.transport.write(answer)
        self.transport.close()
        self.transport = None

    def _hand_over(self) -> None:
        transport, request = self.transport, self.request
        assert transport is not None
        OPEN.pop(self, None)
        self.transport = None
        protocol = self.inner(**self._made_with)
        transport.set_protocol(protocol)
        protocol.connection_made(transport)  # it counts itself in OPEN, as the newest
        protocol.data_received(bytes(request))


def _end_due(queue: deque[tuple[float, Gate]], now: float, *, heads: bool) -> None:
    while queue and queue[0][0] <= now:
        gate = queue.popleft()[1]
        if gate.transport is None or gate.transport.is_closing():
            continue  # handed over or closed already
        if heads and gate.wanted < 0:
            gate._end(_HEAD_TOO_LATE)
        elif not heads:
            gate._end(_BODY_TOO_LATE)


def _sweep(loop: asyncio.AbstractEventLoop) -> None:
    """End the gates whose deadline has passed (408); again in a moment while any wait."""
    now = loop.time()
    _end_due(Gate._heads_due, now, heads=True)
    _end_due(Gate._bodies_due, now, heads=False)
    if Gate._heads_due or Gate._bodies_due:
        loop.call_later(SWEEP_SECONDS, _sweep, loop)
    else:
        Gate._sweeping = None
