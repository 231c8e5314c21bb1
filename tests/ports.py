"""Listening ports for the servers the tests start, chosen where nothing else will take them.

Asking the kernel for port 0 gives a port from its ephemeral range (Linux: 32768–60999), the
same range every outgoing connection draws its local port from. A test that must know a port
before its server starts (a federation member named in the others' settings, a restart on the
same port) released the port, and in the moment before the server bound it a connection to
PostgreSQL or a browser took it: "address already in use" (a fresh-clone run, 2026-12-06).

So ports come from below the ephemeral range, a slice of ``_SPAN`` ports for each test process
(pytest-xdist's ``PYTEST_XDIST_WORKER``), and a process does not hand out a port twice until its
slice is spent. A port is only handed out when binding it succeeds right now.
"""

from __future__ import annotations

import os
import random
import socket
from pathlib import Path

__all__ = ["free_port"]

_FIRST = 20_000  # the lowest port handed out
_SPAN = 1_500  # ports a test process draws from
_SLICES = 8  # test processes with a slice of their own; more share them
_handed_out: set[int] = set()


def _ephemeral_floor() -> int:
    """The lowest port of the kernel's ephemeral range (32768 when it cannot be read)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32_768


def _slice() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    index = int(worker) % _SLICES if worker.isdigit() else 0
    first = _FIRST + index * _SPAN
    return range(first, first + _SPAN)


def _binds(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on ``host`` that nothing listens on now and no outgoing connection will take."""
    ports = _slice()
    if ports.stop > _ephemeral_floor():  # an unusual kernel setting: let the kernel choose
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind((host, 0))
            return int(sock.getsockname()[1])
    if len(_handed_out) >= len(ports) // 2:
        _handed_out.clear()  # a long run: ports handed out long ago are free again
    for _ in range(4 * len(ports)):
        port = random.choice(ports)
        if port not in _handed_out and _binds(host, port):
            _handed_out.add(port)
            return port
    raise RuntimeError(f"no free port in {ports.start}-{ports.stop - 1} on {host}")
