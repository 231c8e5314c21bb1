"""Request bodies whose JSON objects give each key once.

JSON leaves an object with a key given twice to the reader (RFC 8259 §4): Python's ``json``
keeps the last value, other readers the first, so a body ``{"names": ["A"], "names": ["B"]}``
could mean one thing to the tool that checked it and another to the node. The API refuses
it, 422 naming the key and its place, as the CLI's JSON Lines readers do
(``cta.entrypoints.schemas.object_once``).

Every route of the API is a ``OnceRoute`` (``create_app`` sets the app's route class, and each
of the API's routers is made with it), whose requests read JSON through ``OnceRequest.json``;
the lean routes (``lean.py``) read with the same hook and hand such a body to FastAPI's route.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from cta.domain.errors import InvalidInputError
from cta.entrypoints.schemas import object_once

__all__ = ["OnceRequest", "OnceRoute", "loads_once"]


def loads_once(body: bytes | str) -> Any:
    """``json.loads`` of a body whose objects give each key once (InvalidInputError else)."""
    return json.loads(body, object_pairs_hook=object_once)


class OnceRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = loads_once(body)
            except InvalidInputError as exc:
                # FastAPI answers a JSONDecodeError as a body that is not JSON: 422 with the
                # message and the place (the key's second appearance, where it can be found)
                text = body.decode("utf-8", "replace")
                raise json.JSONDecodeError(str(exc), text, _second(text, str(exc))) from None
        return self._json


def _second(text: str, message: str) -> int:
    """Where the key named in ``message`` appears a second time in ``text`` (0: not found as
    written, e.g. with escapes)."""
    key = message.split("'", 2)[1] if message.count("'") >= 2 else ""
    quoted = json.dumps(key, ensure_ascii=False)
    first = text.find(quoted)
    second = text.find(quoted, first + 1) if first >= 0 else -1
    return max(second, 0)


class OnceRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def once(request: Request) -> Response:
            return await handler(OnceRequest(request.scope, request.receive))

        return once
