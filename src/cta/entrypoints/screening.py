"""The node's screening process: one screening index for all the workers of a node.

Each worker used to hold its own index (1.4 GiB at 2 M alerts, so 2.8 GiB with two workers);
with more than one worker, `cta serve` now starts this process beside them, and the workers
screen through its Unix socket (``cta.adapters.screening`` has the protocol). It opens the
``AlertBook`` as a worker did (the snapshot, else a build from the database), and only then
listens, so a worker that asks earlier is told at once that it is not ready.

**Fresh.** A request carries the alert change number the worker's transaction read; changes
up to it are applied before screening (one read transaction here). A thread also applies new
changes every ``REFRESH_SECONDS``, so a check rarely waits for them.

**Supervised.** ``ScreeningSupervisor`` (in the `cta serve` process) starts it, waits until it
answers, and starts it again when it ends while the node runs; the process ends when `cta
serve` does (SIGTERM from the kernel, PR_SET_PDEATHSIG, even when `cta serve` is killed), and
writes its snapshot then, so the next start is warm. Run alone: ``python -m
cta.entrypoints.screening SOCKET`` (the node's settings from the environment).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import resource
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from cta.adapters.screening import (
    PROTOCOL,
    ScreeningClient,
    ScreeningVersionError,
    decode_queries,
    encode_hits,
    version_mismatch,
)
from cta.domain.errors import CTAError
from cta.services.alerts import AlertBook, ScreeningUnavailableError
from cta.services.ports import Store

__all__ = ["ScreeningServer", "ScreeningSupervisor", "main"]

REFRESH_SECONDS = 0.5  # how often the process applies new alert changes unasked
RESTART_SECONDS = 0.5  # the pause before a process that ended is started again
log = logging.getLogger("cta.screening")


class ScreeningServer(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    """Answers the workers' requests from one ``AlertBook`` (a thread per connection)."""

    daemon_threads = True
    # connections waiting to be accepted: every thread of every worker connects once, and at
    # the start of a burst they all connect at once (socketserver's default of 5 made a
    # node's first checks under load 503s: a full queue refuses a Unix socket's connect)
    request_queue_size = 256

    def __init__(self, path: Path, book: AlertBook, store: Store) -> None:
        self.book = book
        self.store = store
        self.connections: set[socket.socket] = set()  # the workers' threads' open connections
        path.unlink(missing_ok=True)  # a socket left by a process that was killed
        super().__init__(str(path), _Connection)
        os.chmod(path, 0o600)

    def answer(self, line: bytes) -> dict[str, Any]:
        """The answer to one request line (see ``cta.adapters.screening``), with the
        protocol's version."""
        return {"v": PROTOCOL, **self._answer(line)}

    def _answer(self, line: bytes) -> dict[str, Any]:
        try:
            request = json.loads(line)
            if not isinstance(request, dict):
                raise CTAError("a request is a JSON object")
            if request.get("v") != PROTOCOL:  # a worker of another install: read nothing more
                return {"error": version_mismatch("the node's screening process", "this worker",
                                                  request.get("v")),
                        "kind": "version"}  # fmt: skip
            if request.get("op") == "ping":
                return {"alerts": len(self.book), "seen": self.book.seen, "pid": os.getpid()}
            queries = decode_queries(request.get("queries"))
            on = date.fromisoformat(request["on"]) if request.get("on") else None
            limit, min_score = int(request.get("limit", 10)), float(request["min_score"])
            if int(request.get("at", 0)) > self.book.seen:
                self.refresh()
            hits = self.book.screen_all(queries, on, limit=limit, min_score=min_score)
        except (CTAError, ValueError, KeyError, TypeError) as exc:
            return {"error": str(exc) or exc.__class__.__name__, "kind": "invalid"}
        except Exception as exc:  # the database, above all: the worker says 503 with why
            log.exception("screening request failed")
            return {"error": f"{exc.__class__.__name__}: {exc}"[:300], "kind": "unavailable"}
        return {"hits": [encode_hits(h) for h in hits]}

    def server_close(self) -> None:
        """Stop listening and end the open connections (their workers hear it at once)."""
        super().server_close()
        for connection in list(self.connections):
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def refresh(self) -> None:
        """Apply the alert changes the database holds and the index has not seen."""
        with self.store.transaction(read_only=True) as tx:
            self.book.current(tx)


class _Connection(socketserver.StreamRequestHandler):
    server: ScreeningServer

    def handle(self) -> None:
        self.server.connections.add(self.connection)
        try:
            for line in self.rfile:
                self.wfile.write(json.dumps(self.server.answer(line),
                                            separators=(",", ":")).encode() + b"\n")  # fmt: skip
        except OSError:
            pass  # the worker went away, or the server is closing
        finally:
            self.server.connections.discard(self.connection)


def _children_cpu() -> float:
    """CPU seconds of this process's ended children (the worker that reads a build's alerts)."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main(path: Path) -> None:
    """Open the node's index, listen on ``path`` until SIGTERM, then save the snapshot."""
    from cta.bootstrap import build_node
    from cta.settings import Settings

    logging.basicConfig(level=logging.INFO, format="cta screening: %(message)s")
    settings = Settings().model_copy(update={"screening_socket": ""})  # the index is here
    node = build_node(settings, migrate_schema=False, create=False)
    book = node.alerts
    assert isinstance(book, AlertBook)
    started, cpu, helped = time.monotonic(), time.process_time(), _children_cpu()
    book.open(node.store)
    log.info("%d alerts from the %s in %.1f s (%.1f s of CPU) (%.1f s of CPU in a reading "
             "worker), listening on %s", len(book), book.opened_from, time.monotonic() - started,
             time.process_time() - cpu, _children_cpu() - helped, path)  # fmt: skip
    stop = threading.Event()  # a signal during the opening ends the process at once
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    server = ScreeningServer(path, book, node.store)
    threading.Thread(target=server.serve_forever, name="screening", daemon=True).start()
    while not stop.wait(REFRESH_SECONDS):
        try:
            server.refresh()
        except Exception as exc:  # the database away for a while: requests will say so
            log.warning("could not apply new alert changes: %s", exc)
    server.shutdown()
    server.server_close()
    path.unlink(missing_ok=True)
    book.save_if_changed()  # the next start is warm


class ScreeningSupervisor:
    """In `cta serve`: the screening process started, awaited, and started again if it ends."""

    def __init__(self, path: Path, environment: dict[str, str] | None = None) -> None:
        self.path = path
        self.environment = environment
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.ready = False  # it answered once: from then on, it is started again if it ends
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the process and wait until it answers (an index of millions of alerts takes
        minutes to build the first time); a process that ends before it answers is an error."""
        self._thread = threading.Thread(target=self._run, name="screening-supervisor",
                                        daemon=True)  # fmt: skip
        self._thread.start()
        client = ScreeningClient(self.path)
        while True:
            try:
                client.ping()
                self.ready = True
                return
            except ScreeningVersionError as exc:  # files changed under cta serve: never ready
                self.stop()
                raise CTAError(str(exc)) from None
            except ScreeningUnavailableError:
                pass
            if not self._thread.is_alive():
                code = self.process.returncode if self.process is not None else None
                raise CTAError(f"the screening process ended at its start (exit {code}); "
                               "see the lines above")  # fmt: skip
            time.sleep(0.1)

    def stop(self) -> None:
        """End the process (SIGTERM: it writes its snapshot; SIGKILL after 60 s)."""
        self._stopping.set()
        process = self.process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self) -> None:
        # the process is started from this thread alone: PR_SET_PDEATHSIG follows the thread
        # that started it, and this one lives as long as `cta serve`
        while not self._stopping.is_set():
            self.starts += 1
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cta.entrypoints.screening", str(self.path)],
                env=self.environment, stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C reaches `cta serve`, which stops it
                preexec_fn=_end_with_parent,
            )  # fmt: skip
            code = self.process.wait()
            if self._stopping.is_set() or not self.ready:
                return  # stopped, or it could not start: `start` says so
            print(f"cta: the screening process ended (exit {code}); starting it again",
                  file=sys.stderr, flush=True)  # fmt: skip
            self._stopping.wait(RESTART_SECONDS)


def _end_with_parent() -> None:
    """In the screening process before it runs: on Linux, SIGTERM it when `cta serve` ends,
    even by SIGKILL, so that no index outlives its node."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: python -m cta.entrypoints.screening SOCKET")
    with contextlib.suppress(KeyboardInterrupt):
        main(Path(sys.argv[1]))
