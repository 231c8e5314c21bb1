"""The serving side of the exchange, free of any web framework: authenticate, read, answer.

An API route is then a few lines (FastAPI shown; ``store.records_page`` is the node's)::

    @router.get("/v1/federation/records")
    def records(request: Request) -> JSONResponse:
        target = request_target(request.scope["raw_path"], request.scope["query_string"])
        answer = answer_records_request(federation, "GET", target, request.headers,
                                        clock(), store.records_page, nonces)
        return JSONResponse(answer.body, status_code=answer.status)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qs, urlsplit

from cta.federation.auth import NonceCache, verify_request
from cta.federation.errors import RecordFormatError, RequestAuthError
from cta.federation.members import Federation
from cta.federation.protocol import parse_page_query, parse_wait

__all__ = ["Answer", "answer_records_request"]

class ServablePage(Protocol):
    """A page to answer with: a ``RecordsPage``, or its body as the node stored it."""

    def to_json(self) -> dict[str, Any]: ...


ReadPage = Callable[[int, int], ServablePage]  # (after, limit) -> this node's page
# (after, seconds): return once this node has a record after ``after``, or the seconds passed
WaitForRecords = Callable[[int, float], None]


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP status and a JSON body; ``peer`` is the authenticated caller (for the audit)."""

    status: int
    body: dict[str, Any]
    peer: str | None = None


def answer_records_request(
    federation: Federation,
    method: str,
    target: str,
    headers: Mapping[str, str],
    now: datetime,
    read_page: ReadPage,
    nonces: NonceCache | None = None,
    wait_for: WaitForRecords | None = None,
) -> Answer:
    """401 without a member's credentials, 422 for a bad query, else 200 and the page; a
    long poll (``wait``) is held by ``wait_for`` first (without it, answered at once)."""
    try:
        peer = verify_request(federation, method, target, headers, now, nonces=nonces)
    except RequestAuthError as exc:
        return Answer(401, {"detail": str(exc)})
    try:
        after, limit, wait = _query(target)
    except RecordFormatError as exc:
        return Answer(422, {"detail": str(exc)}, peer)
    if wait and wait_for is not None:
        wait_for(after, wait)
    return Answer(200, read_page(after, limit).to_json(), peer)


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
