"""The serving side of the exchange, free of any web framework: authenticate, read, answer.

An API route is then a few lines (FastAPI shown; ``store.records_page`` is the node's)::

    @router.get("/v1/federation/records")
    def records(request: Request) -> JSONResponse:
        target = request_target(request.scope["raw_path"], request.scope["query_string"])
        answer = answer_records_request(federation, "GET", target, request.headers,
                                        clock(), store.records_page, nonces)
        return JSONResponse(answer.body, status_code=answer.status)

A node that serves long polls answers them with ``answer_records_request_async``, so that a
waiting poll holds no thread (docs/federation.md, "The exchange").
"""

from __future__ import annotations

import asyncio
import functools
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

from cta.federation.auth import NonceCache, verify_request
from cta.federation.errors import RecordFormatError, RequestAuthError
from cta.federation.members import Federation
from cta.federation.protocol import parse_page_query, parse_wait

__all__ = [
    "MAX_WAITING_POLLS",
    "Answer",
    "RecordsPull",
    "WaitingPolls",
    "answer_records_request",
    "answer_records_request_async",
    "check_records_request",
]

# a peer's long polls waiting at once in one worker process; one more is answered at once with
# what there is (its puller polls again). An honest puller has at most two pulls out at once
# (a page, and the next fetched while it is ingested), and a puller that restarted may leave a
# held poll behind for up to its wait: 4 never turns an honest one away, and keeps what one
# member's key can hold to 4 event-loop waits and one look at the chain head per process
MAX_WAITING_POLLS = 4

_T = TypeVar("_T")


class ServablePage(Protocol):
    """A page to answer with: a ``RecordsPage``, or its body as the node stored it."""

    def to_json(self) -> dict[str, Any]: ...


ReadPage = Callable[[int, int], ServablePage]  # (after, limit) -> this node's page
# (after, seconds): return once this node has a record after ``after``, or the seconds passed
AwaitRecords = Callable[[int, float], Awaitable[None]]  # the same, awaited on an event loop


class InThread(Protocol):
    """Runs a short blocking call in the server's thread pool (``run_in_threadpool``)."""

    def __call__(self, func: Callable[[], _T], /) -> Awaitable[_T]: ...


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP status and a JSON body; ``peer`` is the authenticated caller (for the audit)."""

    status: int
    body: dict[str, Any]
    peer: str | None = None


@dataclass(frozen=True, slots=True)
class RecordsPull:
    """A member's pull that passed the checks: who asked, and its query."""

    peer: str
    after: int
    limit: int
    wait: int


class WaitingPolls:
    """The long polls each peer has waiting in this process, at most ``limit`` at once."""

    def __init__(self, limit: int = MAX_WAITING_POLLS) -> None:
        self.limit = limit
        self._waiting: dict[str, int] = {}
        self._lock = threading.Lock()  # a test may drive one app from several event loops

    def take(self, peer: str) -> bool:
        """A place for one more of ``peer``'s polls to wait; False when it has ``limit``."""
        with self._lock:
            if self._waiting.get(peer, 0) >= self.limit:
                return False
            self._waiting[peer] = self._waiting.get(peer, 0) + 1
            return True

    def give_back(self, peer: str) -> None:
        with self._lock:
            self._waiting[peer] -= 1
            if not self._waiting[peer]:
                del self._waiting[peer]


def check_records_request(
    federation: Federation,
    method: str,
    target: str,
    headers: Mapping[str, str],
    now: datetime,
    nonces: NonceCache | None = None,
) -> Answer | RecordsPull:
    """401 without a member's credentials, 422 for a bad query, else the pull to answer."""
    try:
        peer = verify_request(federation, method, target, headers, now, nonces=nonces)
    except RequestAuthError as exc:
        return Answer(401, {"detail": str(exc)})
    try:
        after, limit, wait = _query(target)
    except RecordFormatError as exc:
        return Answer(422, {"detail": str(exc)}, peer)
    return RecordsPull(peer, after, limit, wait)


def answer_records_request(
    federation: Federation,
    method: str,
    target: str,
    headers: Mapping[str, str],
    now: datetime,
    read_page: ReadPage,
    nonces: NonceCache | None = None,
) -> Answer:
    """401 without a member's credentials, 422 for a bad query, else 200 and the page, at
    once (a long poll's ``wait`` is ``answer_records_request_async``'s to hold)."""
    pull = check_records_request(federation, method, target, headers, now, nonces)
    if isinstance(pull, Answer):
        return pull
    return _page_answer(pull, read_page)


async def answer_records_request_async(
    federation: Federation,
    method: str,
    target: str,
    headers: Mapping[str, str],
    now: datetime,
    read_page: ReadPage,
    nonces: NonceCache | None,
    wait_for: AwaitRecords,
    polls: WaitingPolls,
    in_thread: InThread,
    gone: Callable[[], Awaitable[None]] | None = None,
) -> Answer:
    """``answer_records_request`` on an event loop: the checks and each read of the page run
    ``in_thread`` (moments each), and a long poll waits in ``wait_for`` holding no thread, so
    that held polls never take the threads a border check needs. A page with records after
    ``after`` is answered at once; so is a poll of a peer that has ``polls.limit`` waiting.
    ``gone`` returns when the poller hangs up: its wait ends then and its place comes back at
    once, not when the wait is over (a peer that dropped its polls would else hold its places
    for up to ``MAX_WAIT`` seconds and have its next polls answered at once, as beyond the
    bound, until then)."""
    pull = await in_thread(functools.partial(check_records_request, federation, method, target,
                                             headers, now, nonces))  # fmt: skip
    if isinstance(pull, Answer):
        return pull
    answer = await in_thread(functools.partial(_page_answer, pull, read_page))
    if not pull.wait or answer.body["last_seq"] > pull.after or not polls.take(pull.peer):
        return answer
    try:
        if not await _waited(wait_for(pull.after, pull.wait), gone):
            return answer  # nobody reads it
    finally:
        polls.give_back(pull.peer)
    return await in_thread(functools.partial(_page_answer, pull, read_page))


async def _waited(wait: Awaitable[None], gone: Callable[[], Awaitable[None]] | None) -> bool:
    """Await ``wait``, unless ``gone()`` returns first; whether the wait was over."""
    if gone is None:
        await wait
        return True
    waiting, leaving = asyncio.ensure_future(wait), asyncio.ensure_future(gone())
    try:
        await asyncio.wait({waiting, leaving}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        waiting.cancel()
        leaving.cancel()
        await asyncio.gather(waiting, leaving, return_exceptions=True)
    if waiting.cancelled():
        return False
    waiting.result()  # its error, if it failed
    return True


def _page_answer(pull: RecordsPull, read_page: ReadPage) -> Answer:
    return Answer(200, read_page(pull.after, pull.limit).to_json(), pull.peer)


def _query(target: str) -> tuple[int, int, int]:
    params = parse_qs(urlsplit(target).query, keep_blank_values=True, strict_parsing=False)
    for name, values in params.items():
        if name not in {"after", "limit", "wait"}:
            raise RecordFormatError(name, "unknown query parameter (after, limit, wait)")
        if len(values) > 1:
            raise RecordFormatError(name, "given more than once")
    after, limit = parse_page_query(_one(params, "after"), _one(params, "limit"))
    return after, limit, parse_wait(_one(params, "wait"))


def _one(params: Mapping[str, list[str]], name: str) -> str | None:
    values = params.get(name)
    return values[0] if values else None
