"""Consultation between members on an application (``services.consultations``): a consular
officer of the deciding state asks another member; that member's consular officers see what
they are asked, earliest due first, and answer with a reasoned opinion."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from cta.domain.typed_text import RECORD_TEXT_BYTES, text_bytes
from cta.entrypoints.api.deps import Reader, Who
from cta.entrypoints.api.once import OnceRoute
from cta.services.consultations import Consultations

__all__ = ["router"]

router = APIRouter(tags=["consultations"], route_class=OnceRoute)

Text = Annotated[str, Field(min_length=1, max_length=2000)]
Ref = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Z]{3}-C-[0-9]{1,18}$")]
Number = Annotated[str, Path(min_length=1, max_length=40)]


class Ground(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Annotated[str, Field(min_length=1, max_length=60)]
    message: Text


class AskBody(BaseModel):
    """Whom to consult and what about."""

    model_config = ConfigDict(extra="forbid")
    state: Annotated[str, Field(pattern=r"^[A-Z]{3}$", description="the member consulted")]
    question: Text
    grounds: Annotated[list[Ground], Field(max_length=20)] = []

    @model_validator(mode="after")
    def _one_record(self) -> AskBody:
        _fits("the question and grounds", [self.question, *(t for g in self.grounds
                                                            for t in (g.code, g.message))])
        return self


class AnswerBody(BaseModel):
    """A reasoned opinion: a negative one gives its reasons."""

    model_config = ConfigDict(extra="forbid")
    opinion: Literal["positive", "negative"]
    reasons: Annotated[list[Text], Field(max_length=20)] = []

    @model_validator(mode="after")
    def _one_record(self) -> AnswerBody:
        _fits("the reasons", self.reasons)
        return self


def _fits(what: str, texts: list[str]) -> None:
    """The texts fit the one record that carries them to the other member (64 KiB: the
    node's sealer cannot seal a longer one; the sweep of session 17)."""
    if (size := text_bytes(texts)) > RECORD_TEXT_BYTES:
        raise ValueError(f"{what} take {size} bytes together (UTF-8); at most "
                         f"{RECORD_TEXT_BYTES}: shorten them")


def _service(request: Request) -> Consultations:
    service: Consultations = request.app.state.consultations
    return service


@router.post("/v1/applications/{number}/consultations", status_code=201)
def ask(number: Number, body: AskBody, who: Who, request: Request) -> dict[str, Any]:
    """Consult another member on an application this node decides (consular officer); its
    answer is due in 60 hours (authorisation) or 7 days (visa)."""
    grounds = [g.model_dump() for g in body.grounds]
    return _service(request).ask(who, number, body.state, body.question, grounds)


@router.get("/v1/consultations")
def asked_of_us(
    who: Reader,
    request: Request,
    open_only: bool = True,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> dict[str, Any]:
    """What other members asked this one (consular officer): the earliest due first;
    ``open_only=false`` adds the answered ones; ``next_after`` pages on."""
    return _service(request).asked_of_us(who, open_only=open_only, after=after, limit=limit)


@router.get("/v1/consultations/{ref}")
def consultation(ref: Ref, who: Reader, request: Request) -> dict[str, Any]:
    """One consultation this node asked or was asked, with its answer when there is one."""
    return _service(request).one(who, ref)


@router.post("/v1/consultations/{ref}/answer")
def answer(ref: Ref, body: AnswerBody, who: Who, request: Request) -> dict[str, Any]:
    """The consulted member's reasoned opinion (its consular officer), given once; it goes
    back to the asking member as a record."""
    return _service(request).answer(who, ref, body.opinion, list(body.reasons))
