"""How ``cta serve`` runs uvicorn: a C HTTP parser, uvloop, and Nagle's algorithm switched off.

With more than one worker, uvicorn binds the listening socket itself and asyncio does not know
it is TCP, so accepted connections keep Nagle's algorithm on: a response's body then waits for
the client's delayed acknowledgement of its headers, about 40 ms on Linux, and a node answers
~300 requests a second instead of ~2,000 (docs/benchmarks.md, the node). Setting TCP_NODELAY
on each connection, as asyncio does for sockets it creates, removes the wait (uvloop sets it
too).

The protocol is uvicorn's httptools one (llhttp, in C; httptools is a dependency) and the loop
uvloop (libuv) when it is installed (it is a dependency; asyncio's loop otherwise). On this
project's 2-core machine the C pair roughly halves the HTTP stack's cost per request
(docs/benchmarks.md). uvicorn's pure-Python h11 protocol is not used: it had none of the
bounds below, and nothing installs the node without httptools.

**Bounds on connections.** uvicorn bounds nothing but the idle time between two requests of a
connection (keep-alive: ``CTA_KEEP_ALIVE_TIMEOUT``, 65 s here, not uvicorn's 5 s, so that a
client or proxy gives an idle connection up before the node does; with both at 5 s a request
sent as the node closed the connection was lost unanswered, "Server disconnected without
sending a response", which no client may mend by sending a POST again): a client that connects
and sends nothing, or half a request's headers, or a body a byte a minute, holds its connection
(and a file descriptor) for good, and 20,000 of them left the node without descriptors to
accept ``/v1/health`` with. Here
(``configure_connections`` takes them from the settings):

* a connection is first held by a cheap ``Gate`` (``connections``) until its first request
  is in whole: its head within ``CTA_HEADER_TIMEOUT`` seconds (10) of the connection, its
  body within ``CTA_BODY_TIMEOUT`` seconds (30) of its head; otherwise 408 and the
  connection is closed (a slowloris client, a half-open one, a slow body); a head over
  64 KiB is answered 431. A burst of half-sent requests thus costs the node about a third of
  the CPU it cost with the httptools protocol for each, and a connection queued behind the
  burst is reached sooner (``connections`` says why that matters);
* the httptools protocol then bounds what the gate does not see, with the same settings: a
  streamed body, and a kept-alive connection's next requests (their heads and bodies; after
  the body deadline the connection is closed and the application sees the client gone);
* a ceiling of ``CTA_MAX_CONNECTIONS`` (4096) open connections per worker, gates included,
  lowered to what the process may open (its soft file limit, raised at start as far as the
  hard limit allows, less 256 for the database and logs). A connection past the ceiling is not
  refused: the oldest connection that has no request being answered (idle, or still sending
  its head or body) is closed instead, so a flood of half-open connections pushes out its own
  oldest members and a new client (a border post's check, a health probe) is read and
  answered;
* the listen backlog, ``CTA_LISTEN_BACKLOG`` (65535), which the kernel lowers to its
  ``net.core.somaxconn``: connections that arrive faster than the worker accepts them wait
  there. A full queue drops a new connection's SYN, and the client sends it again only a
  second later, so the node's host raises ``somaxconn`` (README, "The national node").

A reverse proxy (nginx's ``client_header_timeout``, ``client_body_timeout``,
``worker_connections``) would do the same in front of the node, but would be one more program
to ship, start and watch on every crossing point's machine; the bounds sit where the
connections are, in the server the node already runs, and a test holds them against a real
``cta serve`` (tests/integration/test_http_edge.py). A request line or headers the parser
cannot read are answered 400 in JSON, as every other error.
"""

from __future__ import annotations

import asyncio
import copy
import importlib.util
import logging
import resource
import socket
from asyncio import BaseTransport
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from cta.entrypoints.api.connections import (
    BOUNDS,
    HEAD_TOO_LARGE,
    MAX_HEAD_BYTES,
    OPEN,
    ConnectionBounds,
    Gate,
    admit,
    json_answer,
)
from cta.settings import Settings

__all__ = [
    "GatedHttpToolsProtocol",
    "NoDelayHttpToolsProtocol",
    "configure_connections",
    "http_protocol",
    "log_config",
    "loop_name",
]

FILES_KEPT = 256  # file descriptors a worker keeps for its database, logs and peers
log = logging.getLogger("cta.api")


def configure_connections(settings: Settings) -> ConnectionBounds:
    """This worker's bounds from the settings; its file limit raised to the hard limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = settings.max_connections + FILES_KEPT
    if soft != resource.RLIM_INFINITY and soft < wanted:
        raised = wanted if hard == resource.RLIM_INFINITY else min(hard, wanted)
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (raised, hard))
            soft = raised
        except (ValueError, OSError):
            pass
    ceiling = settings.max_connections
    if soft != resource.RLIM_INFINITY and soft - FILES_KEPT < ceiling:
        ceiling = max(16, soft - FILES_KEPT)
        log.warning("at most %d connections per worker (CTA_MAX_CONNECTIONS %d): the file "
                    "limit is %d", ceiling, settings.max_connections, soft)  # fmt: skip
    BOUNDS.header_timeout = settings.header_timeout
    BOUNDS.body_timeout = settings.body_timeout
    BOUNDS.max_connections = ceiling
    BOUNDS.max_body_bytes = settings.max_body_bytes
    return BOUNDS


def _no_delay(transport: BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with TCP_NODELAY set on every connection, deadlines
    for a request's body and a kept-alive connection's next headers, and the connection
    ceiling (above); a ``Gate`` hands it connections whose first request's head is in."""

    _deadline: asyncio.TimerHandle | None = None
    _answering = False  # a whole request is in: the application answers it
    _head_bytes = 0  # of a kept-alive connection's request (the gate bounds the first one's)
    _head_too_large = False

    def connection_made(self, transport: BaseTransport) -> None:  # type: ignore[override]
        _no_delay(transport)
        super().connection_made(transport)  # type: ignore[arg-type]
        self._arm(BOUNDS.header_timeout, headers=True)
        admit(self)

    def connection_lost(self, exc: Exception | None) -> None:
        OPEN.pop(self, None)
        self._disarm()
        super().connection_lost(exc)

    def drop(self) -> None:
        """Close the connection at once (the ceiling's choice)."""
        self._disarm()
        self.transport.abort()

    def _arm(self, seconds: float, *, headers: bool) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired, headers)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self, headers: bool) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if headers:  # nothing of an answer is out yet: say why the connection ends
            self.transport.write(json_answer("408 Request Timeout", "the request's "
                                 "headers did not arrive in time (CTA_HEADER_TIMEOUT)"))
        self.transport.close()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        if self._deadline is None:  # a kept-alive connection's next request
            self._arm(BOUNDS.header_timeout, headers=True)

    def on_url(self, url: bytes) -> None:
        self._count_head(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._count_head(len(name) + len(value) + 4)
        super().on_header(name, value)

    def _count_head(self, size: int) -> None:
        """A head over MAX_HEAD_BYTES is 431, as the gate answers a first request's: raising
        here stops the parser, and uvicorn then calls ``send_400_response``."""
        self._head_bytes += size
        if self._head_bytes > MAX_HEAD_BYTES:
            self._head_too_large = True
            raise ValueError("the request's head is over MAX_HEAD_BYTES")

    def on_headers_complete(self) -> None:
        super().on_headers_complete()
        self._arm(BOUNDS.body_timeout, headers=False)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        if self.cycle is not None and self.cycle.response_complete:
            # answered before its body was in (a 413): idle until the next request
            self._arm(BOUNDS.header_timeout, headers=True)
            return
        self._disarm()
        self._answering = True

    def on_response_complete(self) -> None:
        self._answering = False
        if self in OPEN:  # answered: the newest, the last to be shed
            OPEN.move_to_end(self)
        super().on_response_complete()

    def send_400_response(self, msg: str) -> None:
        self.transport.write(HEAD_TOO_LARGE if self._head_too_large else json_answer(
            "400 Bad Request", "the request is not valid HTTP/1.1 (the parser could not "
            "read it)"))  # fmt: skip
        self.transport.close()


class GatedHttpToolsProtocol(Gate):
    """What uvicorn makes for each connection: a gate, then the httptools protocol."""

    __slots__ = ()
    inner = NoDelayHttpToolsProtocol


def http_protocol() -> type[Gate]:
    """The protocol class ``cta serve`` gives uvicorn."""
    return GatedHttpToolsProtocol


def loop_name() -> str:
    return "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with the node's own lines (``cta.*``: errors with their ids and
    tracebacks) on standard error too, each with its time."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["formatters"]["cta"] = {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}
    config["handlers"]["cta"] = {"formatter": "cta", "class": "logging.StreamHandler",
                                 "stream": "ext://sys.stderr"}  # fmt: skip
    config["loggers"]["cta"] = {"handlers": ["cta"], "level": "INFO", "propagate": False}
    return config
