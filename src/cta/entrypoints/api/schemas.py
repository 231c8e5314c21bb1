"""Request bodies of the API: strict, unknown keys refused, every field bounded."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from cta.domain.days import FIRST_DAY, LAST_DAY

__all__ = ["CheckBody", "CrossingBody", "RefusalBody", "UserBody"]

_BODY = ConfigDict(extra="forbid", frozen=True)
# No control characters: PostgreSQL text cannot hold NUL, and no scanner sends them.
MRZLine = Annotated[str, Field(min_length=1, max_length=60, pattern=r"^[^\x00-\x1f\x7f]*$")]
MRZ = Annotated[list[MRZLine], Field(min_length=2, max_length=3)]
PointCode = Annotated[str, Field(min_length=3, max_length=40, pattern=r"^[A-Z0-9-]+$")]
PersonId = Annotated[int, Field(ge=1, le=2**62)]


def _within_calendar(value: datetime) -> datetime:
    # Bounded here so that converting to UTC or to the crossing point's zone cannot overflow.
    if not FIRST_DAY.year <= value.year <= LAST_DAY.year:
        raise ValueError(f"must fall between {FIRST_DAY} and {LAST_DAY}")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_within_calendar)]
FreeText = Annotated[str, Field(max_length=2000, pattern=r"^[^\x00]*$")]  # no NUL (PostgreSQL)


class CheckBody(BaseModel):
    """POST /v1/checks: what the officer's scanner read, and where."""

    model_config = _BODY
    mrz: MRZ
    crossing_point: PointCode
    direction: Literal["entry", "exit"]
    planned_exit: date | None = None
    person_id: PersonId | None = Field(
        default=None, description="a person the officer confirmed this document belongs to"
    )


class CrossingBody(CheckBody):
    """POST /v1/crossings: the officer confirms an entry or an exit."""

    occurred_at: Instant | None = Field(
        default=None, description="when the crossing happened (default: now), with its offset"
    )
    override_reason: FreeText | None = Field(
        default=None, description="required to record an entry the check refused"
    )


class RefusalBody(BaseModel):
    """POST /v1/refusals: the officer confirms a refusal of entry."""

    model_config = _BODY
    mrz: MRZ
    crossing_point: PointCode
    occurred_at: Instant | None = None
    person_id: PersonId | None = None


class UserBody(BaseModel):
    model_config = _BODY
    name: Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[\w.@-]+$")]
    role: Literal["border_officer", "consular_officer", "analyst", "auditor", "admin"]


