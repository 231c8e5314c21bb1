"""The HTTP edge: CPU a worker spends per half-open connection, with the gate and without it.

``python -m bench.bench_edge`` (root for a network namespace of its own, as the edge test;
otherwise on the host's loopback) serves a one-route ASGI application with uvicorn, on uvloop,
once with the node's ``GatedHttpToolsProtocol`` and once with the plain
``NoDelayHttpToolsProtocol`` it hands connections to (the baseline: the node before the gate),
alternating, each time against a burst of 20,000 half-sent requests from two hostile processes
(``tests.integration.hostile_clients``). It reads the server's CPU time (user + system, from
``/proc``) while the burst connects and is accepted, and again once every connection has ended
(their header deadline, 4 s here), and prints the medians per connection. It is not in
``python -m bench``'s default set; it takes about two minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.integration.*

from tests.integration.netns import NamespaceUnavailable, own_network_namespace  # noqa: E402
from tests.integration.node_server import free_port  # noqa: E402

from bench.common import console, table  # noqa: E402

BURST = 20_000
HEADER_TIMEOUT = 4.0
PROTOCOLS = {"gate": "GatedHttpToolsProtocol", "plain": "NoDelayHttpToolsProtocol"}


async def _app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})


def serve(protocol: str, port: int) -> None:
    """The server of one measurement (a subprocess): uvicorn with one of the two protocols."""
    import uvicorn

    from cta.entrypoints.api import server
    from cta.settings import Settings

    server.configure_connections(Settings(header_timeout=HEADER_TIMEOUT))
    uvicorn.run(_app, host="127.0.0.1", port=port, http=getattr(server, PROTOCOLS[protocol]),
                loop="uvloop", log_level="warning", backlog=65535)  # fmt: skip


def _cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_for(port: int) -> None:
    import socket

    for _ in range(200):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
            return
        time.sleep(0.05)
    raise RuntimeError("the server did not start")


def _burst(port: int, source: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "tests.integration.hostile_clients",
                             "half-open", "--port", str(port), "--count", str(BURST // 2),
                             "--seconds", str(HEADER_TIMEOUT + 10), "--source", str(source)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)  # fmt: skip


def measure(protocol: str) -> tuple[float, float]:
    """µs of server CPU per connection: while the burst is accepted, and in all."""
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "bench.bench_edge", "--serve", protocol,
                               "--port", str(port)], cwd=ROOT)  # fmt: skip
    try:
        _wait_for(port)
        time.sleep(0.5)
        before = _cpu(server.pid)
        bursts = [_burst(port, source=2 + n) for n in range(2)]
        for burst in bursts:
            assert burst.stdout is not None
            json.loads(burst.stdout.readline())  # connected
        time.sleep(1.5)  # the queue is emptied
        accepted = _cpu(server.pid)
        for burst in bursts:
            burst.communicate(timeout=60)
        ended = _cpu(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=15)
    return 1e6 * (accepted - before) / BURST, 1e6 * (ended - before) / BURST


def run(rounds: int = 3) -> dict[str, Any]:
    """Alternate the two protocols ``rounds`` times; the medians."""
    with _namespace() as where:
        seen: dict[str, list[tuple[float, float]]] = {name: [] for name in PROTOCOLS}
        for _ in range(rounds):
            for name in PROTOCOLS:
                seen[name].append(measure(name))
    results = {name: {"accepting_us": statistics.median(a for a, _ in runs),
                      "whole_us": statistics.median(w for _, w in runs),
                      "runs": runs} for name, runs in seen.items()}  # fmt: skip
    shown = table(f"Server CPU per half-open connection, burst of {BURST:,} ({where})",
                  "protocol", "while accepting", "in all")  # fmt: skip
    for name, figures in results.items():
        shown.add_row(name, f"{figures['accepting_us']:.1f} µs", f"{figures['whole_us']:.1f} µs")
    console.print(shown)
    return {"where": where, **results}


@contextlib.contextmanager
def _namespace() -> Iterator[str]:
    try:
        with own_network_namespace():
            yield "own network namespace, somaxconn 65535"
    except NamespaceUnavailable as why:
        console.print(f"[yellow]on the host's loopback: {why}[/]")
        yield "host loopback"


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.bench_edge")
    parser.add_argument("--serve", choices=PROTOCOLS)
    parser.add_argument("--port", type=int)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port)
    else:
        run(args.rounds)


if __name__ == "__main__":
    main(sys.argv[1:])
