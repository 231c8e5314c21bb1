"""What screening reads and answers: alerts, travellers (queries) and hits.

Both readers take the dict of one JSON line (the ``cta screen`` contract, README) and raise
``InvalidInputError`` naming the bad field; unknown keys are errors, as everywhere in CTA.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from cta.domain.alerts import AlertCategory, check_alert_birth_date, parse_alert_birth_date
from cta.domain.days import check_day, is_day_text
from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.screening.normalise import (
    MAX_NAME_LENGTH,
    alert_name_tokens,
    document_number,
    query_name_tokens,
)

__all__ = [
    "AlertRecord",
    "Hit",
    "HitKind",
    "ScreeningQuery",
    "alert_from_json",
    "query_from_json",
]

HitKind = Literal["name", "document", "document_near_miss"]
_CODE = re.compile(r"[A-Z<]{1,3}")
_ID = re.compile(r"[\x21-\x7e]{1,100}")
_SEXES = {"M": "M", "F": "F", "X": None, "<": None}
MAX_LIST = 50


@dataclass(frozen=True, slots=True)
class AlertRecord:
    """One alert on a person or a document, as the issuing state entered it."""

    id: str
    category: AlertCategory
    names: tuple[str, ...] = ()
    issuing_state: str | None = None
    action: str | None = None
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    nationalities: tuple[str, ...] = ()
    sex: str | None = None
    document_numbers: tuple[str, ...] = ()
    valid_from: date | None = None
    valid_to: date | None = None

    def in_force(self, on: date) -> bool:
        """Whether the alert applies on a day: from ``valid_from`` to ``valid_to``, both in."""
        return (self.valid_from is None or self.valid_from <= on) and (
            self.valid_to is None or on <= self.valid_to
        )


@dataclass(frozen=True, slots=True)
class ScreeningQuery:
    """A traveller as a document gives them; every part may be missing."""

    surname: str = ""
    given_names: str = ""
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    nationality: str | None = None
    sex: str | None = None
    document_number: str | None = None


@dataclass(frozen=True, slots=True)
class Hit:
    """A possible match of a traveller and an alert; ``score`` is 0..1, 1 the surest."""

    alert_id: str
    score: float
    reasons: tuple[str, ...]
    kind: HitKind
    category: AlertCategory


_ALERT_KEYS = frozenset({
    "id", "category", "names", "issuing_state", "action", "birth_date", "nationalities",
    "sex", "document_numbers", "valid_from", "valid_to",
})  # fmt: skip
_QUERY_KEYS = frozenset(
    {"surname", "given_names", "birth_date", "nationality", "sex", "document_number"}
)


def alert_from_json(data: Mapping[str, Any], *, entering: bool = False) -> AlertRecord:
    """An alert from one JSON line of an alerts file (see the README for the keys).

    ``entering``: the alert is being entered (put, imported), not read back from storage, and
    is held to the rules added since alerts were first stored, which a stored alert is not (it
    would stop being screened): an id that is one URL path segment (``/v1/alerts/{id}`` names
    it), and dates within CTA's calendar (``cta.domain.days``).
    """
    _only(data, _ALERT_KEYS, "alert")
    alert_id = data.get("id")
    if not isinstance(alert_id, str) or not _ID.fullmatch(alert_id):
        raise InvalidInputError("id: an alert needs an id of 1-100 printable ASCII characters")
    if entering and ("/" in alert_id or alert_id in (".", "..")):
        raise InvalidInputError(f"id: {alert_id!r} is not an alert id: no '/', and not "
                                "'.' or '..' (an id is one segment of a URL path)")
    category = _text(data, "category")
    try:
        kind = AlertCategory(category)
    except ValueError:
        known = ", ".join(c.value for c in AlertCategory)
        raise InvalidInputError(f"category: {category!r} is not one of {known}") from None
    names: list[str] = []
    readable = False  # some name has a token (read once: millions of alerts at a start)
    for i, each in enumerate(_list(data, "names")):
        name, tokens = _alert_name(each, f"names[{i}]")
        names.append(name)
        readable = readable or bool(tokens)
    numbers = tuple(
        document_number(_must_str(each, f"document_numbers[{i}]"), f"document_numbers[{i}]")
        for i, each in enumerate(_list(data, "document_numbers"))
    )
    if not readable and not numbers:
        raise InvalidInputError("names: an alert needs a readable name or a document number")
    year, month, day = _birth(data)
    valid_from, valid_to = _day(data, "valid_from"), _day(data, "valid_to")
    if entering:
        if data.get("birth_date"):
            try:
                check_alert_birth_date(data["birth_date"])
            except InvalidInputError as exc:
                raise InvalidInputError(f"birth_date: {exc}") from None
        for key, bound in (("valid_from", valid_from), ("valid_to", valid_to)):
            if bound is not None:
                if not is_day_text(data[key]):
                    raise InvalidInputError(f"{key}: {data[key]!r} is not a date YYYY-MM-DD")
                check_day(bound, f"{key}:")
    if valid_from and valid_to and valid_to < valid_from:
        raise InvalidInputError(f"valid_to: {valid_to} is before valid_from {valid_from}")
    return AlertRecord(
        id=alert_id, category=kind, names=tuple(names),
        issuing_state=_code(data, "issuing_state"), action=_optional_text(data, "action"),
        birth_year=year, birth_month=month, birth_day=day,
        nationalities=tuple(
            _code_value(each, f"nationalities[{i}]")
            for i, each in enumerate(_list(data, "nationalities"))
        ),
        sex=_sex(data), document_numbers=numbers, valid_from=valid_from, valid_to=valid_to,
    )  # fmt: skip


def query_from_json(data: Mapping[str, Any]) -> ScreeningQuery:
    """A traveller from one JSON line of ``cta screen``'s input; all keys are optional."""
    _only(data, _QUERY_KEYS, "traveller")
    surname = _optional_text(data, "surname") or ""
    given = _optional_text(data, "given_names") or ""
    tokens = query_name_tokens(surname, "surname") + query_name_tokens(given, "given_names")
    number = _optional_text(data, "document_number")
    number = document_number(number) if number else None
    if not tokens and not number:
        raise InvalidInputError("nothing to screen: no readable name and no document number")
    year, month, day = _birth(data)
    return ScreeningQuery(
        surname=surname, given_names=given, birth_year=year, birth_month=month, birth_day=day,
        nationality=_code(data, "nationality"), sex=_sex(data), document_number=number,
    )  # fmt: skip


def _only(data: Mapping[str, Any], allowed: frozenset[str], what: str) -> None:
    if not isinstance(data, Mapping):
        raise InvalidInputError(f"a {what} is a JSON object")
    if data.keys() <= allowed:
        return
    unknown = sorted(set(data) - allowed)
    known = ", ".join(sorted(allowed))
    raise InvalidInputError(f"{unknown[0]}: unknown key; a {what} has {known}")


def _must_str(value: object, field: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(f"{field}: expected a string, got {type(value).__name__}")
    return value


def _text(data: Mapping[str, Any], key: str) -> str:
    return _must_str(data.get(key), key)


def _optional_text(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    text = _must_str(value, key)
    if len(text) > MAX_NAME_LENGTH:
        raise InvalidInputError(f"{key} is {len(text)} characters long; at most {MAX_NAME_LENGTH}")
    return text


def _list(data: Mapping[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInputError(f"{key}: expected a list, got {type(value).__name__}")
    if len(value) > MAX_LIST:
        raise InvalidInputError(f"{key}: {len(value)} entries; at most {MAX_LIST}")
    return value


def _alert_name(value: object, field: str) -> tuple[str, list[str]]:
    """A name string, or {surname, given_names}, checked readable in every script; and its
    tokens."""
    if isinstance(value, Mapping):
        _only(value, frozenset({"surname", "given_names"}), "name")
        parts = [_optional_text(value, "given_names") or "", _optional_text(value, "surname") or ""]
        value = " ".join(part for part in parts if part)
    name = _must_str(value, field)
    try:
        return name, alert_name_tokens(name)
    except CTAError as exc:
        raise InvalidInputError(f"{field}: {exc}") from None


def _code_value(value: object, field: str) -> str:
    code = _must_str(value, field).upper()
    if not _CODE.fullmatch(code):
        raise InvalidInputError(f"{field}: {value!r} is not an ICAO code like 'AZE'")
    return code


def _code(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    return None if value is None or value == "" else _code_value(value, key)


def _sex(data: Mapping[str, Any]) -> str | None:
    value = data.get("sex")
    if value is None or value == "":
        return None
    text = _must_str(value, "sex").upper()
    if text not in _SEXES:
        raise InvalidInputError(f"sex: {value!r} is not M, F or X")
    return _SEXES[text]


def _birth(data: Mapping[str, Any]) -> tuple[int | None, int | None, int | None]:
    value = data.get("birth_date")
    if value is None:
        return None, None, None
    try:
        return parse_alert_birth_date(_must_str(value, "birth_date"))
    except InvalidInputError as exc:
        raise InvalidInputError(f"birth_date: {exc}") from None


def _day(data: Mapping[str, Any], key: str) -> date | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        return date.fromisoformat(_must_str(value, key))
    except ValueError:
        raise InvalidInputError(f"{key}: {value!r} is not a date YYYY-MM-DD") from None
