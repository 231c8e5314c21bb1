"""The API's edge: request bodies bounded before they are read, and every error JSON with an id.

``BodyLimit`` answers 413 ``{"detail": ...}`` to a request whose ``Content-Length`` is over
the limit without reading a byte of its body, and counts the bytes of a body that comes
without one (chunked) as the application reads it: past the limit the application gets a
disconnect and the client the same 413, and the connection is closed (what is left of the
body is not read). An unauthenticated client thus cannot make the node read and parse 100 MB
before its 401: the limit (``CTA_MAX_BODY_BYTES``, 1 MiB) is far above any API request;
bulk data goes through the CLI's imports. It answers 400 to a request that gives one of the
headers CTA reads for who asks and what (``ONCE_HEADERS``: the token, the purpose, the
idempotency key, the access code, the body's type and length, the host) more than once: which
one counts would be a guess, and a proxy and the node could guess apart; and 400 to an HTTP/1.1
request without a ``Host`` header, as RFC 9112 (section 3.2) has a server answer one.

``ErrorIds`` turns any exception the application did not answer into JSON
``{"detail": ..., "error_id": ...}`` (500, or 503 when the database cannot be written or
reached, ``DatabaseUnavailableError`` or a driver's operational error, or when the node's
screening process cannot answer, ``ScreeningUnavailableError``), and writes the same
id with the traceback in the node's log (logger ``cta.api``), where an operator finds it from
the id a user quotes. Starlette's own handler would answer plain text and log without an id.
"""

from __future__ import annotations

import contextlib
import json
import logging
import uuid
from typing import Any

from sqlalchemy.exc import InterfaceError, InternalError, OperationalError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cta.services.alerts import ScreeningUnavailableError
from cta.services.ports import DatabaseUnavailableError

__all__ = ["DATABASE_FAILURES", "DEFAULT_MAX_BODY_BYTES", "UNAVAILABLE", "BodyLimit", "ErrorIds",
           "error_answer", "json_error"]

DEFAULT_MAX_BODY_BYTES = 1024 * 1024
log = logging.getLogger("cta.api")

# what a database that cannot be reached or written raises: 503, never 500
DATABASE_FAILURES = (DatabaseUnavailableError, OperationalError, InterfaceError, InternalError)
# and what else leaves the node unable to decide a check now (the screening process away)
UNAVAILABLE = (*DATABASE_FAILURES, ScreeningUnavailableError)


class _TooLarge(Exception):
    pass


async def json_error(send: Send, status: int, body: dict[str, Any], *, close: bool = False) -> None:
    """Send a whole JSON answer (``close``: the connection is closed after it)."""
    data = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(data)).encode())]
    if close:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": data})


# the headers a request may give once only, by their names as ASGI gives them (lower case)
ONCE_HEADERS = {name.lower().encode(): name for name in (
    "Authorization", "X-Purpose", "Idempotency-Key", "X-Access-Code", "Content-Type",
    "Content-Length", "Host",
)}  # fmt: skip


class BodyLimit:
    """Requests with bodies over ``max_bytes`` are answered 413 before they are read whole, and
    those giving a header of ``ONCE_HEADERS`` twice 400 (the module's docstring)."""

    def __init__(self, app: ASGIApp, max_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _detail(self) -> dict[str, Any]:
        return {"detail": f"the request body is over the limit of {self.max_bytes:,} bytes "
                          "(CTA_MAX_BODY_BYTES); bulk data goes through the CLI's imports"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given: set[bytes] = set()
        for name, value in scope["headers"]:
            if name in ONCE_HEADERS:
                if name in given:
                    await json_error(send, 400, {"detail": (
                        f"the header {ONCE_HEADERS[name]} is given twice: send it once "
                        "(which one counts would be a guess)")}, close=True)  # fmt: skip
                    return
                given.add(name)
            if name == b"content-length" and (not value.isdigit() or int(value) > self.max_bytes):
                await json_error(send, 413, self._detail(), close=True)
                return
        if b"host" not in given and scope.get("http_version") == "1.1":
            await json_error(send, 400, {"detail": "the request has no Host header: an HTTP/1.1 "
                                         "request names its host (RFC 9112, 3.2)"}, close=True)
            return
        seen = 0
        over = False
        started = False

        async def counted() -> Message:
            nonlocal seen, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    over = True
                    raise _TooLarge
            return message

        async def guarded(message: Message) -> None:
            nonlocal started
            if over:  # what the application answers to the cut body is replaced by the 413
                return
            started = True
            await send(message)

        with contextlib.suppress(_TooLarge):  # FastAPI may also answer it: ``guarded``
            await self.app(scope, counted, guarded)
        if over and not started:
            await json_error(send, 413, self._detail(), close=True)


class ErrorIds:
    """Any exception left unanswered: JSON with an error id, and that id in the log."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watched)
        except Exception as exc:
            if started:  # half an answer is out: the server closes the connection
                raise
            status, body = error_answer(exc)
            log.error("error %s: %s %s answered %d: %s", body["error_id"], scope.get("method"),
                      scope.get("path"), status, body["detail"], exc_info=exc)  # fmt: skip
            await json_error(send, status, body)


def error_answer(exc: Exception) -> tuple[int, dict[str, Any]]:
    """The status and JSON body for an unexpected exception, with a new error id."""
    error_id = uuid.uuid4().hex[:16]
    if isinstance(exc, (DatabaseUnavailableError, ScreeningUnavailableError)):
        return 503, {"detail": str(exc), "error_id": error_id}
    if isinstance(exc, DATABASE_FAILURES):
        cause = str(getattr(exc, "orig", None) or exc).splitlines()[0][:300]
        return 503, {"detail": f"the database failed to answer or to write ({cause}); "
                               f"quote error id {error_id} to the node's operator",
                     "error_id": error_id}  # fmt: skip
    return 500, {"detail": f"internal error; quote error id {error_id} to the node's operator",
                 "error_id": error_id}
