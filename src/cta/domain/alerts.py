"""Alerts as the border check sees them, and exact matching of a traveller against them.

This is the exact screening of the core issue: an alert matches when the traveller's names, as
the document prints them, equal the alert's names brought into the MRZ alphabet (ICAO Doc 9303
Part 3 transliteration, ``cta.domain.names.to_mrz``), and the birth dates agree. Fuzzy screening
across scripts and spellings is a separate index (the alerts issue).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from cta.domain.days import FIRST_DAY, LAST_DAY
from cta.domain.documents import TravelDocument
from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.names import to_mrz

__all__ = [
    "Alert",
    "AlertCategory",
    "AlertMatch",
    "alert_id_owner",
    "check_alert_birth_date",
    "matching_alerts",
    "parse_alert_birth_date",
]


class AlertCategory(StrEnum):
    """Alert categories after the Schengen Information System (Regulation (EU) 2018/1861, 1862)."""

    REFUSE_ENTRY = "refuse_entry"
    ARREST = "arrest"
    MISSING_PERSON = "missing_person"
    JUDICIAL_PROCEDURE = "judicial_procedure"
    DISCREET_CHECK = "discreet_check"
    SPECIFIC_CHECK = "specific_check"
    INVALIDATED_DOCUMENT = "invalidated_document"


@dataclass(frozen=True, slots=True)
class Alert:
    id: str
    category: AlertCategory
    surname: str
    given_names: str = ""
    birth_year: int | None = None
    birth_month: int | None = None
    birth_day: int | None = None
    nationality: str | None = None
    # the names in MRZ words, worked out once: a check compares them with every document
    surname_words: tuple[str, ...] = field(init=False, repr=False, compare=False)
    given_words: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "surname_words", _mrz_words(self.surname))
        object.__setattr__(self, "given_words", _mrz_words(self.given_names))


@dataclass(frozen=True, slots=True)
class AlertMatch:
    alert: Alert
    why: str


_BIRTH = re.compile(r"([0-9]{4})(?:-([0-9]{2})(?:-([0-9]{2}))?)?")


def parse_alert_birth_date(text: str | None) -> tuple[int | None, int | None, int | None]:
    """Read ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY`` (or nothing) into year, month and day."""
    if text is None or text == "":
        return None, None, None
    found = _BIRTH.fullmatch(text)
    if found is None:
        raise InvalidInputError(f"{text!r} is not YYYY-MM-DD, YYYY-MM or YYYY")
    year, month, day = (int(g) if g else None for g in found.groups())
    try:
        date(year or 2000, month or 1, day or 1)
    except ValueError:
        raise InvalidInputError(f"{text!r} is not a calendar date") from None
    return year, month, day


def check_alert_birth_date(text: str) -> None:
    """Refuse, as an alert is entered, a birth date ``parse_alert_birth_date`` lets pass for
    the alerts stored before this rule (they are still read and screened): a year, month or
    day 00, or a year outside CTA's calendar (``cta.domain.days``)."""
    year, month, day = parse_alert_birth_date(text)
    if 0 in (year, month, day):
        raise InvalidInputError(f"{text!r} is not a calendar date")
    if year is not None and not FIRST_DAY.year <= year <= LAST_DAY.year:
        raise InvalidInputError(f"{text!r} is outside the years "
                                f"{FIRST_DAY.year} to {LAST_DAY.year}")  # fmt: skip


def alert_id_owner(alert_id: str, members: Iterable[str]) -> str | None:
    """The member state an alert id reads as issued by (``ARM-17``: ARM), or None.

    Alert ids are one namespace in the area: peers apply alert records by id, and the first
    issuer of an id keeps it. A node gives ids of its own prefix or of none, never another
    member's, which would read as that member's alert and take its id.
    """
    head = alert_id.split("-", 1)[0].upper()
    return head if "-" in alert_id and head in set(members) else None


def _mrz_words(name: str) -> tuple[str, ...]:
    try:
        mrz = to_mrz(name)
    except CTAError:
        mrz = name.upper()
    return tuple(w for w in re.split(r"[^A-Z0-9]+", mrz) if w)


def _names_agree(document: TravelDocument, alert: Alert) -> bool:
    if alert.surname_words != tuple(document.surname.split()):
        return False
    return alert.given_words == tuple(document.given_names.split())


def _document_birth(document: TravelDocument) -> tuple[int | None, int | None, int | None]:
    raw = document.birth_date_raw
    if document.birth_date is not None:
        b = document.birth_date
        return b.year, b.month, b.day
    month = int(raw[2:4]) if raw[2:4].isdigit() else None
    day = int(raw[4:6]) if raw[4:6].isdigit() else None
    return document.birth_year, month, day


def _births_agree(document: TravelDocument, alert: Alert) -> bool:
    """Each part known on both sides must be equal; an unknown part agrees with anything."""
    mine = _document_birth(document)
    theirs = (alert.birth_year, alert.birth_month, alert.birth_day)
    if mine[0] is None and theirs[0] is not None and len(document.birth_date_raw) == 6:
        yy = document.birth_date_raw[:2]
        if yy.isdigit() and int(yy) != theirs[0] % 100:
            return False
    return all(a is None or b is None or a == b for a, b in zip(mine, theirs, strict=True))


def matching_alerts(document: TravelDocument, alerts: Iterable[Alert]) -> list[AlertMatch]:
    """The alerts whose names and birth date match the document's holder."""
    matches: list[AlertMatch] = []
    for alert in alerts:
        if not (_names_agree(document, alert) and _births_agree(document, alert)):
            continue
        parts = ["names equal"]
        if alert.birth_year is None:
            parts.append("the alert gives no birth date")
        else:
            parts.append("birth dates agree")
        if alert.nationality and alert.nationality == document.nationality:
            parts.append("nationality agrees")
        elif alert.nationality:
            parts.append(f"nationality differs ({alert.nationality})")
        matches.append(AlertMatch(alert, ", ".join(parts)))
    return matches
