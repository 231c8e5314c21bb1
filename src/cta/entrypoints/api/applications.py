"""The API of applications (docs/applications.md): the applicant's side (no token; the
access code opens an application) and the consular queue (``consular_officer``, with
``X-Purpose`` as every personal-data call)."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Header, Path, Query, Request
from fastapi.responses import JSONResponse
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from cta.adapters.storage.store import DuplicateError
from cta.domain.applications import ApplicationKind
from cta.domain.typed_text import RECORD_TEXT_BYTES, text_bytes
from cta.entrypoints.api.clients import admitted_client
from cta.entrypoints.api.deps import Reader, Who
from cta.entrypoints.api.once import OnceRoute
from cta.entrypoints.api.schemas import MRZ, Day, Flag, FreeText, Instant, Whole
from cta.services.applications import NOT_FOUND, Applications, Decision, Submission
from cta.services.node import Idempotency, NotFoundError

__all__ = ["router"]

router = APIRouter(route_class=OnceRoute)

def _worded(value: str) -> str:
    """An answer of the form says something: a letter or a digit (``"\u200b"`` alone, an
    invisible space, passed the length and control-character rules)."""
    if not any(char.isalnum() for char in value):
        raise ValueError("needs a letter or a digit")
    return value


Text = Annotated[str, Field(min_length=1, max_length=500, pattern=r"^[^\x00-\x1f\x7f]*$"),
                 AfterValidator(_worded)]  # fmt: skip
Number = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Z0-9-]+$")]
AccessCode = Annotated[str, Header(alias="X-Access-Code", min_length=1, max_length=100)]
Key = Annotated[str, Header(alias="Idempotency-Key", min_length=1, max_length=200)]
State = Literal["AZE", "ARM", "GEO"]
Nationality = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
_BODY = ConfigDict(extra="forbid", frozen=True)


class Answers(BaseModel):
    model_config = _BODY
    convictions: Flag
    conflict_zones: Flag
    removal_orders: Flag


class ApplicationBody(BaseModel):
    """POST /v1/applications: the ETIAS form's fields; a visa adds the harmonised form's."""

    model_config = _BODY
    kind: Literal["authorization", "visa"]
    mrz: MRZ
    email: Annotated[str, Field(max_length=320, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]
    phone: Annotated[str, Field(min_length=5, max_length=30, pattern=r"^\+?[0-9 ()-]+$")]
    address: Text
    birth_place: Text
    occupation: Text
    first_state: State
    language: Literal["en", "az", "hy", "ka", "ru"]
    answers: Answers
    other_names: list[Text] = Field(default_factory=list, max_length=10)
    parents_first_names: list[Text] = Field(default_factory=list, max_length=2)
    other_nationalities: list[Nationality] = Field(default_factory=list, max_length=5)
    residence_country: Nationality | None = None
    residence_city: Text | None = None
    education: Text | None = None
    # the visa form (Visa Code Annex I)
    purpose: Text | None = None
    arrival: Day | None = None
    departure: Day | None = None
    entries: Literal["1", "2", "multiple"] | None = None
    duration_days: Annotated[Whole, Field(ge=1, le=90)] | None = None
    accommodation: Text | None = None
    means_of_subsistence: Text | None = None
    travel_medical_insurance: Flag | None = None
    previous_visas: list[Text] = Field(default_factory=list, max_length=20)

    def form_problems(self) -> list[dict[str, str]]:
        """The visa form's fields a visa application lacks, or an authorisation gives:
        ``{field, message}`` as the API's other 422 answers name them."""
        problems = []
        for name in _VISA_FORM:
            given = getattr(self, name) is not None
            if self.kind == "visa" and not given:
                problems.append({"field": f"body.{name}",
                                 "message": "a visa application gives this field"})
            elif self.kind != "visa" and given:
                problems.append({"field": f"body.{name}",
                                 "message": "only a visa application gives this field"})
        if self.arrival and self.departure and self.departure < self.arrival:
            problems.append({"field": "body.departure", "message": "is before arrival"})
        return problems


_VISA_FORM = ("purpose", "arrival", "departure", "entries", "duration_days", "accommodation",
              "means_of_subsistence", "travel_medical_insurance")


class InformationBody(BaseModel):
    model_config = _BODY
    answer: FreeText = Field(min_length=1)


class DecisionBody(BaseModel):
    model_config = _BODY
    outcome: Literal["granted", "refused"]
    reasons: list[Annotated[str, Field(max_length=40)]] = Field(default_factory=list,
                                                                max_length=20)
    valid_from: Day | None = None
    valid_to: Day | None = None
    territorial_validity: list[State] | None = None


class QuestionsBody(BaseModel):
    model_config = _BODY
    questions: FreeText = Field(min_length=1)


class InterviewBody(BaseModel):
    model_config = _BODY
    at: Instant
    place: Text


def _one_record(reasons: list[str]) -> list[str]:
    """An annulment's or a revocation's reasons fit the records that carry them to the
    peers: 20 reasons of 2,000 Georgian letters made a record of 120 KB, over the 64 KiB a
    record holds, and the node's sealer stopped at it for good (the sweep of session 17)."""
    if (size := text_bytes(reasons)) > RECORD_TEXT_BYTES:
        raise ValueError(f"the reasons take {size} bytes together (UTF-8); at most "
                         f"{RECORD_TEXT_BYTES}: shorten them")
    return reasons


class ReasonsBody(BaseModel):
    model_config = _BODY
    reasons: Annotated[list[FreeText], Field(min_length=1, max_length=20),
                       AfterValidator(_one_record)]


class AppealBody(BaseModel):
    model_config = _BODY
    grounds: FreeText = Field(min_length=1)


class AppealOutcomeBody(BaseModel):
    model_config = _BODY
    outcome: Literal["allowed", "dismissed"]
    reasons: list[FreeText] = Field(default_factory=list, max_length=20)


def _applications(request: Request) -> Applications:
    found: Applications = request.app.state.applications  # made by create_app
    return found


Apps = Annotated[Applications, Depends(_applications)]


async def _client(request: Request) -> str:
    """The client's address (``clients.ClientPolicy``), one call of its allowance of reads."""
    return await admitted_client(request, submission=False)


async def _submitter(request: Request) -> str:
    """The client's address, one call of its allowance of submissions."""
    return await admitted_client(request, submission=True)


Client = Annotated[str, Depends(_client)]
Submitter = Annotated[str, Depends(_submitter)]


@router.post("/v1/applications", status_code=201, tags=["applications"])
def submit(body: ApplicationBody, apps: Apps, key: Key, client: Submitter) -> JSONResponse:
    """Apply for a travel authorisation or a common visa (no token); the answer's access
    code is shown once."""
    problems = body.form_problems()
    if problems:
        return JSONResponse({"detail": problems}, status_code=422)
    form = body.model_dump(mode="json")
    digest = hashlib.sha256(json.dumps(form, sort_keys=True).encode()).hexdigest()
    submission = Submission(
        kind=ApplicationKind(body.kind), mrz=body.mrz, first_state=body.first_state,
        language=body.language, email=body.email, answers=body.answers.model_dump(), form=form)
    try:
        status, answer = apps.submit(submission, client, Idempotency(key, digest))
    except DuplicateError:  # the same key at the same time: the first one's answer
        status, answer = apps.submit(submission, client, Idempotency(key, digest))
    return JSONResponse(answer, status_code=status)


@router.post("/v1/applications/purge", tags=["applications"])
def purge(apps: Apps, who: Who) -> dict[str, Any]:
    """Delete application files past retention (admin; docs/applications.md)."""
    return apps.purge(who)


@router.get("/v1/applications/queue", tags=["applications"])
def queue(apps: Apps, who: Reader,
          limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict[str, Any]:  # fmt: skip
    """This state's open applications, the oldest deadline first (consular officer)."""
    return apps.queue(who, limit)


@router.get("/v1/applications/queue/figures", tags=["applications"])
def figures(apps: Apps, who: Who) -> dict[str, Any]:
    """Waiting, overdue, and the median time to a decision in hours."""
    return apps.figures(who)


@router.get("/v1/applications/{number}", tags=["applications"],
            responses={404: {"description": NOT_FOUND}})  # fmt: skip
def status(number: Number, code: AccessCode, apps: Apps, _client: Client) -> JSONResponse:
    """An application's status and decision, for its applicant (the access code)."""
    try:
        return JSONResponse(apps.status(number, code))
    except NotFoundError:
        return JSONResponse({"detail": NOT_FOUND}, status_code=404)


@router.post("/v1/applications/{number}/information", tags=["applications"])
def information(number: Number, code: AccessCode, body: InformationBody, apps: Apps,
                _client: Client) -> JSONResponse:  # fmt: skip
    """The applicant answers a request for information."""
    try:
        return JSONResponse(apps.answer_information(number, code, body.answer))
    except NotFoundError:
        return JSONResponse({"detail": NOT_FOUND}, status_code=404)


@router.post("/v1/applications/{number}/claim", tags=["applications"])
def claim(number: Number, apps: Apps, who: Who) -> dict[str, Any]:
    return apps.claim(who, number)


@router.get("/v1/applications/{number}/file", tags=["applications"])
def application_file(number: Number, apps: Apps, who: Reader) -> dict[str, Any]:
    """The whole application: the form, why it needs an officer, its history."""
    return apps.file(who, number)


@router.post("/v1/applications/{number}/decision", tags=["applications"])
def decide(number: Number, body: DecisionBody, apps: Apps, who: Who) -> dict[str, Any]:
    """Grant or refuse (standard grounds: docs/applications.md); claim it first."""
    return apps.decide(who, number, Decision(
        body.outcome, body.reasons, body.valid_from, body.valid_to,
        tuple(body.territorial_validity or ())))  # fmt: skip


@router.post("/v1/applications/{number}/information-request", tags=["applications"])
def request_information(number: Number, body: QuestionsBody, apps: Apps,
                        who: Who) -> dict[str, Any]:  # fmt: skip
    return apps.request_information(who, number, body.questions)


@router.post("/v1/applications/{number}/interview", tags=["applications"])
def interview(number: Number, body: InterviewBody, apps: Apps, who: Who) -> dict[str, Any]:
    return apps.invite(who, number, body.at, body.place)


@router.post("/v1/applications/{number}/annulment", tags=["applications"])
def annul(number: Number, body: ReasonsBody, apps: Apps, who: Who) -> dict[str, Any]:
    return apps.end(who, number, "annulled", body.reasons)


@router.post("/v1/applications/{number}/revocation", tags=["applications"])
def revoke(number: Number, body: ReasonsBody, apps: Apps, who: Who) -> dict[str, Any]:
    return apps.end(who, number, "revoked", body.reasons)


@router.post("/v1/applications/{number}/appeal", tags=["applications"])
def appeal(number: Number, body: AppealBody, apps: Apps, who: Who) -> dict[str, Any]:
    return apps.appeal(who, number, body.grounds)


@router.post("/v1/applications/{number}/appeal-outcome", tags=["applications"])
def appeal_outcome(number: Number, body: AppealOutcomeBody, apps: Apps,
                   who: Who) -> dict[str, Any]:  # fmt: skip
    return apps.appeal_outcome(who, number, body.outcome, body.reasons)
