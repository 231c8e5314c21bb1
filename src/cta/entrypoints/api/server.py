"""How ``cta serve`` runs uvicorn: a C HTTP parser, uvloop, and Nagle's algorithm switched off.

With more than one worker, uvicorn binds the listening socket itself and asyncio does not know
it is TCP, so accepted connections keep Nagle's algorithm on: a response's body then waits for
the client's delayed acknowledgement of its headers, about 40 ms on Linux, and a node answers
~300 requests a second instead of ~2,000 (docs/benchmarks.md, the node). Setting TCP_NODELAY
on each connection, as asyncio does for sockets it creates, removes the wait.

The protocol is uvicorn's httptools one (llhttp, in C) and the loop uvloop (libuv) when they
are installed (they are dependencies); the pure-Python h11 protocol and asyncio's loop
otherwise. On this project's 2-core machine the C pair roughly halves the HTTP stack's cost
per request (docs/benchmarks.md).
"""

from __future__ import annotations

import importlib.util
import socket
from asyncio import BaseTransport
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["NoDelayH11Protocol", "http_protocol", "loop_name"]


def _no_delay(transport: BaseTransport) -> None:
    sock = transport.get_extra_info("socket")
    if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with TCP_NODELAY set on every connection it serves."""

    def connection_made(self, transport: BaseTransport) -> None:  # type: ignore[override]
        _no_delay(transport)
        super().connection_made(transport)  # type: ignore[arg-type]


if importlib.util.find_spec("httptools") is not None:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class NoDelayHttpToolsProtocol(HttpToolsProtocol):
        """uvicorn's httptools protocol, with TCP_NODELAY set on every connection."""

        def connection_made(self, transport: BaseTransport) -> None:  # type: ignore[override]
            _no_delay(transport)
            super().connection_made(transport)  # type: ignore[arg-type]


def http_protocol() -> type[Any]:
    """httptools with TCP_NODELAY when installed, else h11 with TCP_NODELAY."""
    if importlib.util.find_spec("httptools") is None:
        return NoDelayH11Protocol
    return NoDelayHttpToolsProtocol


def loop_name() -> str:
    return "uvloop" if importlib.util.find_spec("uvloop") is not None else "asyncio"
