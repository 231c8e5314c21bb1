"""What the node's endpoints depend on: the caller's token and role, the purpose of a call
with personal data, the per-user read limit, and the shared header and path types. Used by
``app`` and by the routers of single capabilities (``consultations``, ...)."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Depends, Header, HTTPException, Path, Query, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import AfterValidator, BeforeValidator
from starlette.concurrency import run_in_threadpool

from cta.domain.days import FIRST_DAY, LAST_DAY
from cta.domain.errors import InvalidInputError
from cta.domain.personal_data import read_purpose
from cta.entrypoints.api.schemas import day_text
from cta.services.node import UNKNOWN, Actor, Node
from cta.services.read_limits import ReadLimiter, TooManyReadsError

_bearer = HTTPBearer(auto_error=False)


def purpose_of(raw: str) -> str:
    """The purpose as audited (``cta.domain.personal_data.read_purpose``): a bad one is
    named with the request's other invalid fields (422); ``lean`` reads it the same way."""
    try:
        return read_purpose(_header_text(raw))
    except InvalidInputError as error:
        raise ValueError(str(error)) from None


def _header_text(raw: str) -> str:
    """A header as its sender wrote it: HTTP gives bytes, read as Latin-1; clients send UTF-8
    (``визовая проверка``), which is what is audited. Bytes that are not UTF-8 (``caf\xe9``
    in Latin-1, ``\xff\xfe``) are refused, not audited as the Latin-1 letters they would
    read as (``cafÃ©``, ``ÿþ``)."""
    try:
        return raw.encode("latin-1").decode("utf-8")
    except UnicodeError:
        raise InvalidInputError("X-Purpose is not UTF-8: send the purpose's words in "
                                "UTF-8") from None


Purpose = Annotated[
    str,
    Header(alias="X-Purpose",
           description="why personal data is read or written, in words (required; audited as "
                       "given, trimmed; at most 200 characters, no control characters)"),
    AfterValidator(purpose_of),
]  # fmt: skip
IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=1, max_length=200,
           description="a retried request with the same key is answered, not recorded, again"),
]  # fmt: skip
PersonPath = Annotated[int, Path(ge=1, le=2**62)]
RowPath = Annotated[int, Path(ge=1, le=2**62)]
AlertId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$")]
Day = Annotated[date, BeforeValidator(day_text), Query(ge=FIRST_DAY, le=LAST_DAY)]
FromDay = Annotated[date, BeforeValidator(day_text), Query(alias="from", ge=FIRST_DAY, le=LAST_DAY)]
ToDay = Annotated[date, BeforeValidator(day_text), Query(alias="to", ge=FIRST_DAY, le=LAST_DAY)]


async def _user(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    """The user of the bearer token (401 without one), for calls with no personal data."""
    # At module level, not in create_app: with postponed annotations FastAPI resolves
    # ``Who`` in the module's globals, and a local alias made ``who`` a required query field.
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(401, "a bearer token is needed", {"WWW-Authenticate": "Bearer"})
    node: Node = request.app.state.node
    token = credentials.credentials[:500]
    who = node.cached_actor(token)  # in the event loop: no thread for a cached answer
    if who is UNKNOWN:
        who = await run_in_threadpool(node.authenticate, token)
    if who is None:
        raise HTTPException(401, "unknown or inactive token", {"WWW-Authenticate": "Bearer"})
    return who


async def _actor(user: Annotated[Actor, Depends(_user)], purpose: Purpose) -> Actor:
    """The user and the purpose of a call that reads or writes personal data (422 without a
    valid purpose: the header is required)."""
    # the token is checked first: a sub-dependency runs before this one's headers are read
    return Actor(user.name, user.role, purpose)


Who = Annotated[Actor, Depends(_actor)]  # personal data: a purpose is required
User = Annotated[Actor, Depends(_user)]  # no personal data: no purpose


async def _reader(request: Request, who: Who) -> Actor:
    """``Who``, for a read of stored personal data: counted against the user's allowance
    (``cta.services.read_limits``), 429 with ``Retry-After`` when over it."""
    reads: ReadLimiter | None = request.app.state.reads
    if reads is not None:
        route = request.scope.get("route")
        call = f"{request.method} {getattr(route, 'path', request.url.path)}"
        try:
            await run_in_threadpool(reads.admit, who, call)
        except TooManyReadsError as error:
            raise HTTPException(429, str(error), {"Retry-After": str(error.retry_after)}) from None
    return who


Reader = Annotated[Actor, Depends(_reader)]  # personal data read by id or in bulk: rate-limited
