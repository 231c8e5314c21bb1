"""How ``cta serve`` runs uvicorn: the HTTP protocol with Nagle's algorithm switched off.

With more than one worker, uvicorn binds the listening socket itself and asyncio does not know
it is TCP, so accepted connections keep Nagle's algorithm on: a response's body then waits for
the client's delayed acknowledgement of its headers, about 40 ms on Linux, and a node answers
~300 requests a second instead of ~2,000 (docs/benchmarks.md, the node). Setting TCP_NODELAY
on each connection, as asyncio does for sockets it creates, removes the wait.
"""

from __future__ import annotations

import socket
from asyncio import BaseTransport

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["NoDelayH11Protocol"]


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, with TCP_NODELAY set on every connection it serves."""

    def connection_made(self, transport: BaseTransport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)  # type: ignore[arg-type]
