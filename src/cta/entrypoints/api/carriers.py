"""``POST /v1/carrier-checks``: a carrier asks OK or NOT OK for each traveller of a manifest.

The contract (README, "Carriers"): ``{"travellers": [{"document_number", "issuing_state",
"nationality"}, ...], "on"?: "YYYY-MM-DD"}``, 1 to 1,000 travellers, answered
``{"results": [{"document_number", "issuing_state", "nationality", "answer"}]}`` in the same
order and nothing else; ``answer`` is ``OK`` or ``NOT OK``. Only the ``carrier`` role may ask.
"""

# No ``from __future__ import annotations`` here: FastAPI reads the endpoint's annotations
# at run time, and ``User`` below is local to ``carriers_router`` (postponed, it would not be
# found and ``who`` would become a query field).
import contextlib
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from cta.domain.carriers import MAX_MANIFEST, Answer
from cta.domain.days import FIRST_DAY, LAST_DAY
from cta.domain.errors import InvalidInputError
from cta.domain.personal_data import read_purpose
from cta.entrypoints.api.once import OnceRoute
from cta.entrypoints.api.schemas import day_text
from cta.services.carriers import CarrierCheck, Traveller, check_manifest
from cta.services.node import Actor, Node

__all__ = ["CARRIER_PURPOSE", "CarrierCheckBody", "carriers_router"]

# The one purpose the law gives a carrier's query (ETIAS Art. 45(1)): audited when the
# carrier's system sends no X-Purpose of its own.
CARRIER_PURPOSE = "verification before boarding"

_BODY = ConfigDict(extra="forbid", frozen=True)
Code = Annotated[str, Field(min_length=1, max_length=3, pattern=r"^[A-Z]{1,3}$",
                            description="ICAO 9303 code, as the document prints it")]
DocumentNumber = Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[A-Z0-9]+$",
                                      description="as the MRZ prints it, without '<' fillers")]


def _in_span(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"date must be from {FIRST_DAY} to {LAST_DAY}")
    return day


class TravellerBody(BaseModel):
    """One traveller of the manifest, as the carrier read the travel document."""

    model_config = _BODY
    document_number: DocumentNumber
    issuing_state: Code
    nationality: Code


class CarrierCheckBody(BaseModel):
    """POST /v1/carrier-checks: a manifest, and the day of arrival (default: today here)."""

    model_config = _BODY
    travellers: Annotated[list[TravellerBody], Field(min_length=1, max_length=MAX_MANIFEST)]
    on: Annotated[date, BeforeValidator(day_text), AfterValidator(_in_span)] | None = None


def _purpose(raw: str | None) -> str:
    if raw is None:
        return CARRIER_PURPOSE
    with contextlib.suppress(UnicodeError):  # HTTP gives Latin-1; clients send UTF-8
        raw = raw.encode("latin-1").decode("utf-8")
    try:
        return read_purpose(raw)
    except InvalidInputError as error:
        raise ValueError(str(error)) from None


Purpose = Annotated[
    str | None,
    Header(alias="X-Purpose", description=f"optional; audited as given (default: "
                                          f"{CARRIER_PURPOSE!r})"),
    AfterValidator(_purpose),
]  # fmt: skip


def carriers_router(user: Callable[..., Awaitable[Actor]]) -> APIRouter:
    """The carriers' endpoint; ``user`` is the app's bearer-token dependency."""
    router = APIRouter(route_class=OnceRoute)
    User = Annotated[Actor, Depends(user)]

    @router.post("/v1/carrier-checks")
    async def carrier_checks(
        request: Request, body: CarrierCheckBody, who: User, purpose: Purpose = None
    ) -> JSONResponse:
        """OK or NOT OK for each traveller of a manifest, in its order, and nothing else
        (carrier role); every query is audited."""
        node: Node = request.app.state.node
        actor = Actor(who.name, who.role, purpose or CARRIER_PURPOSE)
        answer = await run_in_threadpool(_answer, node, actor, body)
        return JSONResponse(answer)

    return router


def _answer(node: Node, actor: Actor, body: CarrierCheckBody) -> dict[str, Any]:
    travellers = [Traveller(t.document_number, t.issuing_state, t.nationality)
                  for t in body.travellers]  # fmt: skip
    answers = check_manifest(node, actor, CarrierCheck(travellers, body.on))
    return {"results": [_result(t, a) for t, a in zip(body.travellers, answers, strict=True)]}


def _result(traveller: TravellerBody, answer: Answer) -> dict[str, str]:
    return {"document_number": traveller.document_number,
            "issuing_state": traveller.issuing_state, "nationality": traveller.nationality,
            "answer": answer.value}  # fmt: skip
