"""A network namespace of the test's own, with the listen queues a node's host is told to allow.

``with own_network_namespace(): ...`` moves the calling thread into a new network namespace
(Linux, root: ``unshare(CLONE_NEWNET)``), brings its loopback up and sets its
``net.core.somaxconn`` and ``net.ipv4.tcp_max_syn_backlog`` to ``HOST_LISTEN_QUEUE``, as the
README tells an operator to set them on a node's host. Threads and processes started inside
the block (a ``cta serve``, hostile clients, a prober) are in that namespace and talk over its
loopback; the host's settings and the other tests' connections are not touched (these sysctls
belong to a network namespace). On leaving, the thread goes back to the namespace it came from.

Where the namespace cannot be made (not Linux, not root, a container that forbids it)
``NamespaceUnavailable`` says why, and the caller skips.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import os
import socket
import struct
import sys
from collections.abc import Iterator
from pathlib import Path

__all__ = ["HOST_LISTEN_QUEUE", "NamespaceUnavailable", "own_network_namespace", "somaxconn"]

HOST_LISTEN_QUEUE = 65535  # what the README asks of a node's host (net.core.somaxconn)
CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1
SYSCTL = Path("/proc/sys/net")


class NamespaceUnavailable(Exception):
    """A network namespace of our own cannot be made here (the message says why)."""


def somaxconn() -> int:
    """``net.core.somaxconn`` of the calling thread's network namespace."""
    return int((SYSCTL / "core/somaxconn").read_text())


def _loopback_up() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sh22x", b"lo", 0)
        flags = struct.unpack("16sh22x", fcntl.ioctl(sock, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(sock, SIOCSIFFLAGS, struct.pack("16sh22x", b"lo", flags | IFF_UP))


@contextlib.contextmanager
def own_network_namespace(listen_queue: int = HOST_LISTEN_QUEUE) -> Iterator[None]:
    """The calling thread, and what it starts, in a new network namespace (module doc)."""
    if sys.platform != "linux":
        raise NamespaceUnavailable("network namespaces are Linux's")
    if os.geteuid() != 0:
        raise NamespaceUnavailable("a network namespace and its sysctls need root")
    libc = ctypes.CDLL(None, use_errno=True)
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    try:
        if libc.unshare(CLONE_NEWNET) != 0:
            raise NamespaceUnavailable(f"unshare(CLONE_NEWNET): {os.strerror(ctypes.get_errno())}")
        try:
            try:
                _loopback_up()
                (SYSCTL / "core/somaxconn").write_text(str(listen_queue))
                (SYSCTL / "ipv4/tcp_max_syn_backlog").write_text(str(listen_queue))
            except OSError as error:  # e.g. a container's read-only /proc/sys
                raise NamespaceUnavailable(f"setting up its loopback: {error}") from error
            yield
        finally:
            if libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back to the test's own network namespace")
    finally:
        os.close(home)
