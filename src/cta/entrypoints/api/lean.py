"""``POST /v1/checks`` and ``POST /v1/crossings`` without FastAPI's machinery when the request
is in order.

A border check and the entry or exit the officer then confirms are the calls every officer's
desk makes all day, and FastAPI's handling of them (the bearer scheme, the purpose and
idempotency headers and the body as dependencies solved one by one, the endpoint's exit stack)
cost a worker 0.1–0.5 ms of CPU a check, of about 2 (docs/benchmarks.md, "The busiest calls
without FastAPI's machinery"). ``LeanRoute`` answers a request whose token is known, whose
headers are valid and whose body is valid for the route's model itself, with the same node call
and the same answer; **any other request is handed, unchanged, to FastAPI's route**, so every
error (401, 422 with its field list, 400, 413) is FastAPI's own, word for word, and the OpenAPI
document still describes the route (tests/unit/test_lean_routes.py compares the two on good and
bad requests).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route
from starlette.types import Message, Receive, Scope, Send

from cta.domain.errors import InvalidInputError
from cta.entrypoints.api.deps import purpose_of
from cta.entrypoints.api.once import loads_once
from cta.services.node import Actor, Node

__all__ = ["LeanRoute", "lean_route"]

# what the route does with a request in order: the caller, the body, the idempotency key
Answer = Callable[[Actor, Any, str | None], Awaitable[Response]]
_TOKEN_CHARACTERS = 500  # as deps._user reads a token
_KEY_CHARACTERS = range(1, 201)  # as deps.IdempotencyKey allows


class LeanRoute:
    """The ASGI app of a lean route: ``answer`` for a request in order, else ``fallback``
    (FastAPI's route for the same path) with the body read so far given back to it."""

    def __init__(self, node: Node, model: type[BaseModel], answer: Answer,
                 fallback: BaseRoute) -> None:  # fmt: skip
        self.node = node
        self.model = model
        self.answer = answer
        self.fallback = fallback
        self.answered = 0  # requests answered here, not by FastAPI's route (tests, benchmarks)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        body = await request.body()
        who = self._actor(request)
        parsed = self._body(request, body) if who is not None else None
        key = request.headers.get("idempotency-key")
        if who is None or parsed is None or (key is not None and len(key) not in _KEY_CHARACTERS):
            await self.fallback.handle(scope, _given_back(body, receive), send)
            return
        self.answered += 1
        response = await self.answer(who, parsed, key)
        await response(scope, receive, send)

    def _actor(self, request: Request) -> Actor | None:
        """The officer and the purpose, if the token is one the node has cached as active and
        the purpose is valid; None for anything else (FastAPI's route then says what)."""
        header = request.headers.get("authorization")
        if not header:
            return None
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        user = self.node.cached_actor(token[:_TOKEN_CHARACTERS])
        raw = request.headers.get("x-purpose")
        if not isinstance(user, Actor) or raw is None:  # UNKNOWN: not cached; None: inactive
            return None
        try:
            purpose = purpose_of(raw)
        except ValueError:
            return None
        return Actor(user.name, user.role, purpose)

    def _body(self, request: Request, body: bytes) -> BaseModel | None:
        """The body as FastAPI's route would validate it (``json.loads``, then the model), if
        it is JSON, said to be, and valid; None otherwise."""
        kind = request.headers.get("content-type", "")
        if not body or kind.partition(";")[0].strip().lower() != "application/json":
            return None
        try:
            return self.model.model_validate(loads_once(body))
        except (ValueError, ValidationError, RecursionError, InvalidInputError):
            # JSONDecodeError, a bad encoding, a number of over 4,300 digits: ValueErrors;
            # arrays nested thousands deep: RecursionError; a key given twice (once.py):
            # InvalidInputError. FastAPI's route says what.
            return None


def _given_back(body: bytes, receive: Receive) -> Receive:
    """``receive`` for the fallback: the body already read, then the connection's own
    messages (a disconnect)."""
    given = False

    async def again() -> Message:
        nonlocal given
        if not given:
            given = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


def lean_route(routes: list[BaseRoute], path: str, node: Node, model: type[BaseModel],
               answer: Answer) -> None:  # fmt: skip
    """Put a lean route for ``POST path`` just before FastAPI's in ``routes`` (which keeps
    FastAPI's, for the requests the lean one hands over and for the OpenAPI document)."""
    fallback = next(r for r in routes if getattr(r, "path", None) == path)
    lean = Route(path, LeanRoute(node, model, answer, fallback), methods=["POST"],
                 include_in_schema=False)  # fmt: skip
    routes.insert(routes.index(fallback), lean)

