"""Hostile HTTP clients for the edge tests: slow bodies and half-sent requests, on loopback.

``python -m tests.integration.hostile_clients slow|half-open --port P --count N --seconds S``
opens N connections to 127.0.0.1:P (from 127.0.SOURCE.2, .3, ...) and holds them for S seconds
at most (the loop ends by itself). It prints a JSON line ``{"connected": N}`` once its
connections are made and its first bytes sent, and at the end one more: how many it opened and
how many the server closed.

* ``slow``: each sends the headers of ``POST /v1/checks`` with ``Content-Length: 100000`` and
  then one byte of its body a second (a slow body, as a client on a bad link or an attacker);
* ``half-open``: each sends half of a request line and then nothing (a half-sent request),
  connecting as fast as it can (a burst).

It raises its own file limit to the hard limit; a process holds at most that many sockets, so
the tests split a burst over several processes.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import resource
import selectors
import socket
import sys
import time

HOST = "127.0.0.1"
SLOW_HEAD = (b"POST /v1/checks HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\n"
             b"Content-Length: 100000\r\n\r\n{")  # fmt: skip
HALF = b"GET /v1/health HT"
IP_BIND_ADDRESS_NO_PORT = getattr(socket, "IP_BIND_ADDRESS_NO_PORT", 24)  # Linux


def _raise_file_limit() -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def _closed_by_server(sock: socket.socket) -> bool:
    try:
        data = sock.recv(4096)
    except BlockingIOError:
        return False
    except OSError:
        return True
    return data == b"" or data.startswith(b"HTTP/1.1 4")  # an answer (408, 400) then the end


def _open(
    port: int, count: int, first: bytes, deadline: float, refused: dict[str, int], source: int
) -> list[socket.socket]:
    held: list[socket.socket] = []
    while len(held) < count and time.monotonic() < deadline:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setblocking(False)
        # from 127.0.0.2, .3, ...: 2,000 a source address, whose ports the kernel then finds
        # at once (one address's connections to one port slow down as its ports fill up)
        sock.setsockopt(socket.IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, 1)
        sock.bind((f"127.0.{source}.{2 + len(held) // 2000}", 0))
        code = sock.connect_ex((HOST, port))
        if code not in (0, errno.EINPROGRESS):
            sock.close()
            name = errno.errorcode.get(code, str(code))
            refused[name] = refused.get(name, 0) + 1
            time.sleep(0.001)
            continue
        held.append(sock)
    # what each sends first, once its connection is up (a burst's connects are still pending)
    pending = list(held)
    while pending and time.monotonic() < deadline:
        left = []
        for sock in pending:
            try:
                sock.send(first)
            except (BlockingIOError, InterruptedError):
                left.append(sock)
            except OSError:
                pass  # refused or reset: counted as closed below
        pending = left
        if pending:
            time.sleep(0.01)
    return held


def run(mode: str, port: int, count: int, seconds: float, source: int) -> dict[str, object]:
    limit = _raise_file_limit()
    started = time.monotonic()
    deadline = started + seconds
    first = SLOW_HEAD if mode == "slow" else HALF
    refused: dict[str, int] = {}
    held = _open(port, min(count, limit - 32), first, deadline, refused, source)
    opened_in = time.monotonic() - started
    print(json.dumps({"connected": len(held)}), flush=True)  # the test waits for this line
    open_ = set(held)
    closed_at: list[float] = []
    # the kernel says which connections have something to read (an answer, the end): epoll,
    # not a recv on each of 10,000 sockets, so that this process leaves the CPU to the node
    watch = selectors.DefaultSelector()
    for sock in held:
        watch.register(sock, selectors.EVENT_READ)
    next_byte = time.monotonic() + 1.0
    while open_ and time.monotonic() < deadline:
        for key, _ in watch.select(timeout=0.2):
            sock = key.fileobj  # type: ignore[assignment]
            if _closed_by_server(sock):  # type: ignore[arg-type]
                watch.unregister(sock)
                open_.discard(sock)  # type: ignore[arg-type]
                closed_at.append(time.monotonic() - started)
        if mode == "slow" and time.monotonic() >= next_byte:
            next_byte += 1.0
            for sock in open_:
                with contextlib.suppress(OSError):  # a reset one is counted when read
                    sock.send(b" ")
    watch.close()
    for sock in held:
        sock.close()
    return {
        "opened": len(held),
        "opened_in": round(opened_in, 2),
        "closed_by_server": len(closed_at),
        "last_closed_at": round(max(closed_at, default=0.0), 2),
        "still_open": len(open_),
        "connect_errors": refused,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["slow", "half-open"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--source", type=int, default=0, help="from 127.0.SOURCE.2 on")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.mode, args.port, args.count, args.seconds, args.source)),
          flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
