"""Request bodies of the API: strict, unknown keys refused, every field bounded."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cta.domain.days import FIRST_DAY, LAST_DAY, is_day_text

__all__ = ["AlertBody", "AlertHitBody", "AuthorizationBody", "CheckBody", "CorrectionBody",
           "CrossingBody", "Day", "Flag", "Instant", "RefusalBody", "RefusalCorrectionBody",
           "RevocationBody", "ScreeningBody", "UserBody", "VisaBody", "Whole", "day_text"]

# Unknown keys refused. Values are taken as JSON gives them, not converted: pydantic's lax
# mode read 0 or "0" as a time (1970-01-01, a Unix timestamp), "yes" and "on" as true (a
# withdrawal sent as {"withdraw": "yes"} withdrew the crossing) and "1" as a number. Its strict
# mode cannot serve here (FastAPI hands the models Python values, and a date is text in JSON),
# so the types below are strict one by one: ``Flag``, ``Whole``, ``Day`` and ``Instant``.
_BODY = ConfigDict(extra="forbid", frozen=True)
Flag = StrictBool  # true or false, nothing else
Whole = StrictInt  # a JSON number without a fraction; not "1", not 1.0
_INSTANT_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}[Tt ]")  # the rest is pydantic's to read


def day_text(value: object) -> object:
    """A day only as its text YYYY-MM-DD (a time after it, or a number, is refused)."""
    if isinstance(value, date) and not isinstance(value, datetime):  # given by Python code
        return value
    if not is_day_text(value):
        raise PydanticCustomError("day_text", "expected a date as YYYY-MM-DD")
    return value


def _instant_text(value: object) -> object:
    """A time only as its text (RFC 3339 with its offset); a number, or a number in a string,
    is refused, not taken as seconds since 1970."""
    if isinstance(value, datetime) or (isinstance(value, str) and _INSTANT_TEXT.match(value)):
        return value
    raise PydanticCustomError(
        "instant_text", "expected a date and time as YYYY-MM-DDTHH:MM:SS with its UTC offset")

# No control characters: PostgreSQL text cannot hold NUL, and no scanner sends them.
MRZLine = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]*$")]
MRZ = Annotated[list[MRZLine], Field(min_length=2, max_length=3)]
PointCode = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[A-Z0-9-]+$")]
PersonId = Annotated[Whole, Field(ge=1, le=2**62)]
Day = Annotated[date, BeforeValidator(day_text), Field(ge=FIRST_DAY, le=LAST_DAY)]


def _within_calendar(value: datetime) -> datetime:
    # Bounded here so that converting to UTC or to the crossing point's zone cannot overflow.
    if not FIRST_DAY.year <= value.year <= LAST_DAY.year:
        raise ValueError(f"must fall between {FIRST_DAY} and {LAST_DAY}")
    return value


Instant = Annotated[AwareDatetime, BeforeValidator(_instant_text),
                    AfterValidator(_within_calendar)]  # fmt: skip
FreeText = Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")]  # no NUL (PostgreSQL)


class CheckBody(BaseModel):
    """POST /v1/checks: what the officer's scanner read, and where."""

    model_config = _BODY
    mrz: MRZ
    crossing_point: PointCode
    direction: Literal["entry", "exit"]
    planned_exit: Day | None = None
    person_id: PersonId | None = Field(
        default=None, description="a person the officer confirmed this document belongs to"
    )
    visa_mrz: MRZ | None = Field(
        default=None, description="the MRZ of the visa in the passport, scanned beside it"
    )

    @model_validator(mode="before")
    @classmethod
    def _passport_beside_the_visa(cls, data: object) -> object:
        # a visa is not a travel document: the check needs the passport it is affixed to
        if isinstance(data, dict) and "mrz" not in data and "visa_mrz" in data:
            raise PydanticCustomError("passport_missing", (
                "mrz: scan the passport too: a visa is not a travel document, and its MRZ "
                "(visa_mrz) is checked beside the passport's (mrz)"))
        return data


class CrossingBody(CheckBody):
    """POST /v1/crossings: the officer confirms an entry or an exit."""

    occurred_at: Instant | None = Field(
        default=None, description="when the crossing happened (default: now), with its offset"
    )
    override_reason: FreeText | None = Field(
        default=None, description="required to record an entry the check refused"
    )


RefusalLetters = Annotated[list[Literal["A", "B", "C", "D", "E", "F", "G", "H", "I"]],
                           Field(min_length=1, max_length=9)]  # fmt: skip


class RefusalBody(BaseModel):
    """POST /v1/refusals: the officer confirms a refusal of entry, on the grounds of the
    standard form's letters the officer gives (``reasons``), or else the check's."""

    model_config = _BODY
    mrz: MRZ
    crossing_point: PointCode
    occurred_at: Instant | None = None
    person_id: PersonId | None = None
    reasons: RefusalLetters | None = Field(
        default=None, description="the refusal form's letters (Annex V, part B); default: "
        "the letters of the check's own reasons")  # fmt: skip


NoControl = r"^[^\x00-\x1f\x7f]*$"
# an alert's id as the screening's model takes one (printable ASCII, no space)
AlertIdText = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\x21-\x7e]+$")]
AlertName = Annotated[str, Field(min_length=1, max_length=200, pattern=NoControl)]
Code3 = Annotated[str, Field(min_length=1, max_length=3, pattern=r"^[A-Z<]{1,3}$")]
DocNumber = Annotated[str, Field(min_length=1, max_length=30, pattern=NoControl)]
BirthText = Annotated[str, Field(max_length=10, pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")]
Sex = Literal["M", "F", "X", "<"]


class AlertBody(BaseModel):
    """PUT /v1/alerts/{id}: an alert, with the keys of an alert line of ``cta screen``."""

    model_config = _BODY
    id: AlertIdText | None = None
    category: Literal["refuse_entry", "arrest", "missing_person", "judicial_procedure",
                      "discreet_check", "specific_check", "invalidated_document"]
    names: Annotated[list[AlertName], Field(max_length=50)] = []
    issuing_state: Code3 | None = None
    action: Annotated[str, Field(max_length=500, pattern=NoControl)] | None = None
    birth_date: BirthText | None = None
    nationalities: Annotated[list[Code3], Field(max_length=50)] = []
    sex: Sex | None = None
    document_numbers: Annotated[list[DocNumber], Field(max_length=50)] = []
    valid_from: Day | None = None
    valid_to: Day | None = None


class ScreeningBody(BaseModel):
    """POST /v1/screenings: a traveller as a document gives them; every key may be missing."""

    model_config = _BODY
    surname: AlertName | None = None
    given_names: AlertName | None = None
    birth_date: BirthText | None = None
    nationality: Code3 | None = None
    sex: Sex | None = None
    document_number: DocNumber | None = None


class AlertHitBody(BaseModel):
    """POST /v1/alert-hits: an officer confirms or dismisses a hit of a traveller."""

    model_config = _BODY
    mrz: MRZ
    alert_id: AlertIdText
    decision: Literal["confirmed", "dismissed"]
    reason: Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")]


Reason = Annotated[str, Field(min_length=1, max_length=2000, pattern=r"^[^\x00]*$")]


class CorrectionBody(BaseModel):
    """POST /v1/crossings/{id}/correction: what was recorded wrong, and why; or ``withdraw``
    (recorded in error). A field left out keeps its recorded value."""

    model_config = _BODY
    reason: Reason
    occurred_at: Instant | None = None
    crossing_point: PointCode | None = None
    direction: Literal["entry", "exit"] | None = None
    withdraw: Flag = False


class RefusalCorrectionBody(BaseModel):
    """POST /v1/refusals/{id}/correction: what was recorded wrong in a refusal, and why; or
    ``withdraw`` (recorded in error). A field left out keeps its recorded value."""

    model_config = _BODY
    reason: Reason
    occurred_at: Instant | None = None
    crossing_point: PointCode | None = None
    reasons: RefusalLetters | None = Field(
        default=None, description="the refusal form's letters, all of them, as they should be")
    withdraw: Flag = False


class AuthorizationBody(BaseModel):
    """POST /v1/authorizations: a travel authorisation for the document of this MRZ."""

    model_config = _BODY
    mrz: MRZ
    valid_from: Day
    valid_to: Day
    person_id: PersonId | None = Field(
        default=None, description="a person the officer confirmed this document belongs to"
    )


class VisaBody(AuthorizationBody):
    """POST /v1/visas: a common visa, with its duration of stay and entries."""

    duration_days: Annotated[Whole, Field(ge=1, le=3660)]
    entries: Annotated[Whole, Field(ge=1, le=1000)] | None = Field(
        default=None, description="entries allowed; null: multiple"
    )
    format: Literal["MRV-A", "MRV-B"] = Field(
        default="MRV-A", description="the visa's MRZ: MRV-A (2 x 44) or MRV-B (2 x 36)"
    )


class RevocationBody(BaseModel):
    model_config = _BODY
    reason: Reason


class UserBody(BaseModel):
    model_config = _BODY
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.@-]+$")]
    role: Literal["border_officer", "consular_officer", "analyst", "auditor", "admin"]


