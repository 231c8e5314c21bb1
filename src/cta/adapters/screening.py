"""The link to the node's screening process: one JSON line asked, one JSON line answered.

With several workers, `cta serve` runs one screening process that holds the node's one
screening index (``cta.entrypoints.screening``), so the index's memory is paid once per node,
not once per worker. Each worker screens through a ``ScreeningClient``: one connection to the
process's Unix socket per worker thread, kept open between requests.

**Protocol.** A request is one line of JSON: ``{"v": 2, "at": N, "on": "2026-12-06", "limit":
10, "min_score": 0.85, "queries": [[surname, given_names, year, month, day, nationality, sex,
document_number], ...]}`` (a query is ``ScreeningQuery``'s fields in order), or ``{"v": 2,
"op": "ping"}``. ``at`` is the latest alert change the worker's own transaction read: the
process applies the changes up to it before screening, so an alert created on this node or
received from a peer is screened against by the next check, as in one process. The answer is
one line: ``{"v": 2, "hits": [[[alert_id, score, reasons, kind, category], ...], ...]}`` (one
list per query, in order) or ``{"v": 2, "error": ..., "kind": "invalid" | "unavailable" |
"version"}``. Each reason is its short code and values (``["by", 1980, 1981]``,
``cta.domain.screening.reasons.to_wire``): the worker makes the English sentence again from
them (``from_wire``), the same ``HitReason`` the process made, so a page can word it in its
language and the API still says the sentence.

**Versions.** Every request and every answer carries ``"v": PROTOCOL``, the version of these
lines (2, since session 18; 1, lines with no ``v``: those of session 17 and before, whose
reasons were sentences until session 17 and a code and its values in it). A worker and a
screening process of different installs meet during an upgrade in place of a running node
(the process started again from the new files, or a worker from them, beside the other of
the old): each side refuses the other's line at once, naming both
versions (``ScreeningVersionError``, a 503 with that reason; the process answers an error of
kind ``version``, which a worker of protocol 1 reads as its 503 too), rather than misread it.
Restarting ``cta serve`` puts both on one install.

**Never a wait.** A process that is not running, not ready yet, ended while answering, or
does not answer within ``TIMEOUT`` seconds (more for a batch) is a ``ScreeningUnavailableError``
at once (503 with the reason); the next request connects anew.
"""

from __future__ import annotations

import concurrent.futures
import json
import operator
import socket
import threading
import time
from collections.abc import Sequence
from dataclasses import fields
from datetime import date
from pathlib import Path
from typing import Any

from cta.domain.alerts import AlertCategory
from cta.domain.errors import InvalidInputError
from cta.domain.screening import THRESHOLD, Hit, ScreeningQuery
from cta.domain.screening.reasons import from_wire, to_wire
from cta.services.alerts import ScreeningUnavailableError
from cta.services.ports import Store, Transaction

__all__ = [
    "PROTOCOL",
    "TIMEOUT",
    "ScreeningClient",
    "ScreeningVersionError",
    "decode_hits",
    "decode_queries",
    "encode_hits",
]

PROTOCOL = 2  # the version of the lines asked and answered (the module's docstring)
TIMEOUT = 0.8  # seconds for one screening: a check answers 503 within a second, never hangs
PER_QUERY = 0.02  # more seconds for each further query of a batch (a carrier's manifest)
PING_TIMEOUT = 0.5  # seconds for the health probe's ping
# a query's fields in order, as a tuple (``dataclasses.astuple`` copies each value deeply:
# a third of a worker's CPU for a screening's round trip)
_query_row = operator.attrgetter(*(f.name for f in fields(ScreeningQuery)))
_QUERY_FIELDS = len(fields(ScreeningQuery))


class ScreeningVersionError(ScreeningUnavailableError):
    """The worker and the screening process speak different versions of the protocol."""


def version_mismatch(here: str, there: str, theirs: object) -> str:
    """Why ``here`` (of protocol ``PROTOCOL``) cannot read ``there`` (of ``theirs``)."""
    return (f"{here} speaks screening protocol {PROTOCOL} and {there} protocol "
            f"{_version_name(theirs)}: they are of different installs (an upgrade in place?); "
            "restart cta serve so that both are of one")


def _version_name(version: object) -> str:
    return "1 (no version written)" if version is None else repr(version)[:20]


def encode_hits(hits: Sequence[Hit]) -> list[list[Any]]:
    return [[h.alert_id, h.score, [to_wire(why) for why in h.reasons], h.kind,
             h.category.value] for h in hits]  # fmt: skip


def decode_hits(rows: Sequence[Sequence[Any]]) -> list[Hit]:
    return [Hit(r[0], float(r[1]), tuple(map(from_wire, r[2])), r[3], AlertCategory(r[4]))
            for r in rows]  # fmt: skip


def decode_queries(rows: object) -> list[ScreeningQuery]:
    """The queries of a request; anything else is an InvalidInputError naming what is wrong."""
    if not isinstance(rows, list):
        raise InvalidInputError("queries: a list of queries is needed")
    out = []
    for n, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != _QUERY_FIELDS:
            raise InvalidInputError(f"query {n + 1}: {_QUERY_FIELDS} fields are needed")
        out.append(ScreeningQuery(*row))
    return out


class ScreeningClient:
    """A worker's side of the screening process (a ``Screener``; see the module's docstring)."""

    opened_from = "screening process"

    def __init__(self, path: Path, timeout: float = TIMEOUT) -> None:
        self.path = path
        self.timeout = timeout
        self._local = threading.local()  # this thread's connection and last change number
        self._probe: concurrent.futures.Future[str | None] | None = None
        self._probed_at = 0.0
        self._probe_lock = threading.Lock()

    def open(self, store: Store) -> None:
        """Nothing to open here: the screening process holds the index."""

    def save_if_changed(self) -> None:
        """Nothing to save here: the screening process writes the snapshot."""

    def current(self, tx: Transaction) -> None:
        """Remember the latest alert change ``tx`` reads: the next screening in this thread
        asks the process to have applied it first."""
        self._local.at = tx.alert_watermark()

    def screen(self, query: ScreeningQuery, on: date | None, *, limit: int = 10,
               min_score: float = THRESHOLD) -> list[Hit]:  # fmt: skip
        return self.screen_all([query], on, limit=limit, min_score=min_score)[0]

    def screen_all(self, queries: Sequence[ScreeningQuery], on: date | None, *,
                   limit: int = 10, min_score: float = THRESHOLD) -> list[list[Hit]]:  # fmt: skip
        """The hits of each query, in order, in one round trip."""
        if not queries:
            return []
        request = {"at": getattr(self._local, "at", 0), "on": on.isoformat() if on else None,
                   "limit": limit, "min_score": min_score,
                   "queries": [_query_row(q) for q in queries]}  # fmt: skip
        answer = self._ask(request, self.timeout + PER_QUERY * (len(queries) - 1))
        hits = answer.get("hits")
        if not isinstance(hits, list) or len(hits) != len(queries):
            raise ScreeningUnavailableError("the screening process answered out of turn")
        try:
            return [decode_hits(rows) for rows in hits]
        except (TypeError, ValueError, KeyError, IndexError) as exc:  # another version's
            raise ScreeningUnavailableError(f"the screening process answered hits this "
                                            f"worker cannot read ({exc})") from None

    def ping(self, timeout: float = PING_TIMEOUT) -> dict[str, Any]:
        """The process's alert count, change number and pid (raises when it cannot answer)."""
        return self._ask({"op": "ping"}, timeout)

    def probe(self) -> concurrent.futures.Future[str | None]:
        """Why screening cannot be done now (for ``/v1/health``), None when it can: the last
        second's answer, or a new ping in a thread of its own (a process that does not answer
        must not hold a server thread)."""
        with self._probe_lock:
            now = time.monotonic()
            if self._probe is None or (self._probe.done() and now - self._probed_at >= 1.0):
                self._probed_at = now
                self._probe = concurrent.futures.Future()
                threading.Thread(target=self._run_probe, args=(self._probe,),
                                 name="cta-screening-health", daemon=True).start()  # fmt: skip
            return self._probe

    def _run_probe(self, future: concurrent.futures.Future[str | None]) -> None:
        try:
            self.ping()
            future.set_result(None)
        except ScreeningUnavailableError as exc:
            future.set_result(str(exc))
        finally:
            self._drop()  # the probe's thread ends: so does its connection

    def close(self) -> None:
        """Close this thread's connection (the others close with their threads' process)."""
        self._drop()

    # -- the connection --------------------------------------------------------------------

    def _ask(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """The process's answer to ``request``, both of this protocol (the version added here)."""
        line = json.dumps({"v": PROTOCOL, **request}, separators=(",", ":")).encode() + b"\n"
        deadline = time.monotonic() + timeout
        reused = getattr(self._local, "connection", None) is not None
        try:
            answer = self._round_trip(line, deadline)
        except (BrokenPipeError, ConnectionResetError, EOFError):
            self._drop()
            if not reused:
                raise self._unavailable("ended while answering") from None
            # a connection to a process that has since been restarted: once more, anew
            try:
                answer = self._round_trip(line, deadline)
            except (OSError, EOFError, ValueError) as exc:
                self._drop()
                raise self._unavailable(_why(exc)) from None
        except (OSError, ValueError) as exc:
            self._drop()
            raise self._unavailable(_why(exc)) from None
        theirs = answer.get("v") if isinstance(answer, dict) else None
        if theirs != PROTOCOL:  # another install's process: nothing else it says is read
            self._drop()  # the next request connects anew, to its successor perhaps
            why = version_mismatch("this worker", "the node's screening process", theirs)
            raise ScreeningVersionError(f"{why}; nothing can be screened, so no check is "
                                        "decided now")  # fmt: skip
        if "error" in answer:
            if answer.get("kind") == "invalid":
                raise InvalidInputError(str(answer["error"]))
            raise ScreeningUnavailableError(f"the node's screening process cannot screen now: "
                                            f"{answer['error']}")  # fmt: skip
        return answer

    def _round_trip(self, line: bytes, deadline: float) -> dict[str, Any]:
        connection, reader = self._connection(deadline)
        connection.settimeout(max(0.001, deadline - time.monotonic()))
        connection.sendall(line)
        reply = reader.readline()
        if not reply.endswith(b"\n"):
            raise EOFError("the connection closed")
        answer: dict[str, Any] = json.loads(reply)
        return answer

    def _connection(self, deadline: float) -> tuple[socket.socket, Any]:
        found = getattr(self._local, "connection", None)
        if found is not None:
            return found  # type: ignore[no-any-return]
        connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            while True:
                connection.settimeout(max(0.001, deadline - time.monotonic()))
                try:
                    connection.connect(str(self.path))
                    break
                except BlockingIOError:  # the process's queue of connections is full: it
                    if time.monotonic() >= deadline:  # is accepting, so wait for it
                        raise
                    time.sleep(0.002)
        except OSError:
            connection.close()
            raise
        self._local.connection = (connection, connection.makefile("rb"))
        return self._local.connection  # type: ignore[no-any-return]

    def _drop(self) -> None:
        found = getattr(self._local, "connection", None)
        self._local.connection = None
        if found is not None:
            for part in reversed(found):
                part.close()

    def _unavailable(self, why: str) -> ScreeningUnavailableError:
        return ScreeningUnavailableError(
            f"the node's screening process {why} ({self.path}); nothing can be screened, so "
            "no check is decided now: try again in a few seconds")


def _why(exc: BaseException) -> str:
    if isinstance(exc, FileNotFoundError):
        return "is not running (starting, or ended: cta serve restarts it)"
    if isinstance(exc, ConnectionRefusedError):
        return "is not running (ended: cta serve restarts it)"
    if isinstance(exc, TimeoutError):
        return "did not answer in time"
    if isinstance(exc, EOFError):
        return "ended while answering"
    if isinstance(exc, ValueError):
        return "answered something that is not JSON"
    return f"cannot be reached ({exc.__class__.__name__}: {exc})"
