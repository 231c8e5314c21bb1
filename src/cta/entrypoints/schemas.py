"""The shapes of data that cross CTA's boundaries (CLI JSON Lines now, the API later).

Every model forbids unknown keys and reads dates strictly as ISO ``YYYY-MM-DD`` strings, so a
typo or a number where a date belongs is named, never guessed at.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

from cta.domain.alerts import AlertCategory
from cta.domain.days import FIRST_DAY, LAST_DAY
from cta.domain.errors import InvalidInputError

__all__ = [
    "AlertIn",
    "AuthorizationIn",
    "CheckIn",
    "StayIn",
    "VisaIn",
    "describe_validation_error",
    "object_once",
    "problem_message",
]

_STRICT = ConfigDict(extra="forbid", strict=True, frozen=True)
Code = Annotated[str, Field(min_length=1, max_length=3, pattern=r"^[A-Z]{1,3}$")]
DocumentNumber = Annotated[str, Field(min_length=1, max_length=30, pattern=r"^[A-Z0-9<]+$")]
Name = Annotated[str, Field(max_length=200)]


def _in_span(day: date) -> date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ValueError(f"date must be from {FIRST_DAY} to {LAST_DAY}")
    return day


Day = Annotated[date, AfterValidator(_in_span)]
Span = tuple[Day, Day]


class VisaIn(BaseModel):
    model_config = _STRICT
    document_number: DocumentNumber
    valid_from: Day
    valid_to: Day
    entries: Literal[1, 2, "multiple"] = "multiple"
    entries_used: Annotated[int, Field(ge=0, le=1000)] = 0
    duration_days: Annotated[int, Field(ge=1, le=3660)]

    @model_validator(mode="after")
    def _ordered(self) -> VisaIn:
        if self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self


class AuthorizationIn(BaseModel):
    model_config = _STRICT
    document_number: DocumentNumber
    valid_from: Day
    valid_to: Day

    @model_validator(mode="after")
    def _ordered(self) -> AuthorizationIn:
        if self.valid_to < self.valid_from:
            raise ValueError(f"valid_to {self.valid_to} is before valid_from {self.valid_from}")
        return self


class AlertIn(BaseModel):
    model_config = _STRICT
    id: Annotated[str, Field(min_length=1, max_length=100)]
    category: AlertCategory
    surname: Annotated[str, Field(min_length=1, max_length=200)]
    given_names: Name = ""
    birth_date: Annotated[str, Field(max_length=10)] | None = None
    nationality: Code | None = None


class CheckIn(BaseModel):
    """One line of ``cta check --json``."""

    model_config = _STRICT
    on: Day
    direction: Literal["entry", "exit"]
    mrz: Annotated[list[Annotated[str, Field(max_length=200)]], Field(min_length=1, max_length=3)]
    planned_exit: Day | None = None
    history: Annotated[list[Span], Field(max_length=10_000)] = []
    visas: Annotated[list[VisaIn], Field(max_length=100)] = []
    authorizations: Annotated[list[AuthorizationIn], Field(max_length=100)] = []
    alerts: Annotated[list[AlertIn], Field(max_length=10_000)] = []
    regime: Annotated[str, Field(max_length=100)] = "union-draft"


class StayIn(BaseModel):
    """One line of ``cta stay --json`` read from standard input."""

    model_config = _STRICT
    on: Day
    stays: Annotated[list[Span], Field(max_length=100_000)] = []
    limit: Annotated[int, Field(ge=1, le=100_000)] | None = None
    window: Annotated[int, Field(ge=2, le=100_000)] | None = None


def describe_validation_error(error: ValidationError) -> str:
    """One line naming every field that is wrong and why."""
    parts = []
    for item in error.errors(include_url=False):
        where = ".".join(str(p) for p in item["loc"]) or "input"
        message = item["msg"]
        if item["type"] == "json_invalid":
            message = f"not valid JSON ({item.get('ctx', {}).get('error', 'unreadable')})"
        else:
            message = problem_message(item)
        parts.append(f"{where}: {message}")
    return "; ".join(parts)


_DATE_PROBLEMS = frozenset({"date_parsing", "date_from_datetime_parsing",
                            "date_from_datetime_inexact", "date_type", "day_text"})  # fmt: skip
_TIME_PROBLEMS = frozenset({"datetime_parsing", "datetime_from_date_parsing", "datetime_type",
                            "timezone_aware", "instant_text"})  # fmt: skip


def problem_message(item: Any) -> str:
    """Pydantic's message for one problem, said as a new user needs it for dates and times
    (``expected a date as YYYY-MM-DD``, not ``invalid character in year``)."""
    got = item.get("input")
    shown = (f", got {got!r}" if (isinstance(got, str) and len(got) <= 100)
             or isinstance(got, int | float) else "")  # fmt: skip
    ctx = item.get("ctx")
    why = ctx.get("error") if isinstance(ctx, dict) else None
    detail = f" ({why})" if isinstance(why, str) and why and item["type"] != "date_type" else ""
    if item["type"] in _DATE_PROBLEMS:
        return f"expected a date as YYYY-MM-DD{shown}{detail}"
    bound = _date_bound(ctx) if item["type"] in ("greater_than_equal", "less_than_equal") else None
    if bound is not None:  # a day outside cta.domain.days' span, said as a day, not as Python
        side = "before" if "ge" in ctx else "after"
        given = f" {got}" if isinstance(got, str) and len(got) <= 100 else ""
        return f"the date{given} is {side} {bound}: days run from {FIRST_DAY} to {LAST_DAY}"
    if item["type"] in _TIME_PROBLEMS:
        return (f"expected a date and time as YYYY-MM-DDTHH:MM:SS with its UTC offset, e.g. "
                f"2026-12-06T08:15:00+04:00{shown}{detail}")
    return str(item["msg"])


def _date_bound(ctx: Any) -> date | None:
    """The date a ``ge``/``le`` problem names: pydantic gives it as a date, or, in
    ``errors()``' JSON-ready context, as its repr (``datetime.date(1900, 1, 1)``)."""
    bound = ctx.get("ge", ctx.get("le")) if isinstance(ctx, dict) else None
    if isinstance(bound, date):
        return bound
    found = _DATE_REPR.fullmatch(bound) if isinstance(bound, str) else None
    return date(*(int(g) for g in found.groups())) if found else None


_DATE_REPR = re.compile(r"datetime\.date\(([0-9]+), ([0-9]+), ([0-9]+)\)")


def object_once(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """``json.loads``'s ``object_pairs_hook``: a JSON object whose keys are each given once,
    or InvalidInputError naming the key given twice. JSON leaves an object of a repeated key
    to the reader (RFC 8259 §4: most keep the last value, some the first); CTA takes neither
    guess, so that a tool and the node never read one body two ways."""
    found = dict(pairs)
    if len(found) < len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise InvalidInputError(f"key {key!r} appears twice in one object")
            seen.add(key)
    return found
