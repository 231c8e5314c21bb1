"""TCP_NODELAY on every TCP socket asyncio serves: what `cta serve` should do (bench only).

``cta serve`` with more than one worker gives uvicorn a socket it made itself, of protocol 0,
and asyncio sets TCP_NODELAY only on sockets of protocol IPPROTO_TCP; without it, a response
written in two parts (headers, then body) waits for the client's delayed ACK, about 40 ms.
Put on PYTHONPATH, this module lifts the protocol test for the server's processes.
"""

import asyncio.base_events
import socket


def _set_nodelay(sock: socket.socket) -> None:
    if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


asyncio.base_events._set_nodelay = _set_nodelay  # type: ignore[attr-defined]
