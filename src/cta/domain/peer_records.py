"""What a peer's signed record may say for this node to apply it: as strict as this node's own
API is with an officer (docs/federation.md, "The kinds a node emits").

A record that is signed and chained but says something no honest node records (a time in year
1, a crossing point of another state, a nationality ``=1+2``, a surname holding NUL) is kept,
since it is part of its origin's chain, and not applied: the reading raises
``PeerRecordError`` naming the field, which the node keeps as the record's ``not_applied``.

- Instants are RFC 3339 with their offset, days ``YYYY-MM-DD``, both within 1900-2999
  (``cta.domain.days``); a crossing is no later than its record's own time and the clock
  tolerance (``cta.domain.recording``), and its ``local_date`` is the day of ``occurred_at`` at
  its crossing point.
- A crossing or refusal is at one of its origin's external crossing points: a node records at
  its own (``crossing_point_problem``; internal checks are never sent to the peers).
- Text has no control or invisible characters and is bounded as the API bounds it; a
  document's issuing state and nationality are codes of the country table. An MRZ is made of
  MRZ characters, as every node files documents (``filing_problem``).
- A permit is valid within 1900-2999 for ten years at most, and never for a national of a
  member state (``cta.domain.permit_issuing``).
- A ``RetentionDeletion`` erases its origin's records only: a record is erased on its origin's
  word (``deletion_refs``).
- Consultations, applications' decisions, hit decisions and internal checks:
  ``cta.domain.peer_filings``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from cta.domain.checks import Direction, Outcome
from cta.domain.crossing_points import CrossingPoint, local_date
from cta.domain.days import FIRST_DAY, LAST_DAY, is_day_text
from cta.domain.errors import InvalidInputError
from cta.domain.recording import CLOCK_TOLERANCE, REFUSAL_LETTERS, filing_problem
from cta.domain.travel_permits import permit_problem
from cta.domain.typed_text import INVISIBLE

__all__ = [
    "CrossingFacts",
    "PeerRecordError",
    "corrected_place",
    "crossing_facts",
    "day",
    "deletion_refs",
    "document_days",
    "document_fields",
    "instant",
    "member_national_problem",
    "mrz_lines",
    "one_of",
    "permit_validity",
    "plain",
    "refusal_reasons",
    "text",
]

_INSTANT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
                      r"(Z|[+-][0-9]{2}:[0-9]{2})")
_SHOWN = 40  # characters of a bad value quoted in a message


class PeerRecordError(InvalidInputError):
    """A peer's record this node does not apply: the message names the field and why."""


def _shown(value: Any) -> str:
    """A bad value as a message quotes it: its repr (control characters escaped), cut."""
    quoted = repr(value)
    return quoted if len(quoted) <= _SHOWN else f"{quoted[:_SHOWN]}…"


def instant(value: Any, field: str) -> datetime:
    """An instant as RFC 3339 text with its offset, within 1900-2999; in UTC."""
    if not isinstance(value, str) or not _INSTANT.fullmatch(value):
        raise PeerRecordError(f"{field}: {_shown(value)} is not a time as "
                              "YYYY-MM-DDTHH:MM:SS with its UTC offset")  # fmt: skip
    try:
        given = datetime.fromisoformat(value)
    except ValueError:
        raise PeerRecordError(f"{field}: {value!r} is not a calendar time") from None
    # the wall time first: converting year 1 at +14:00 to UTC overflows
    if not FIRST_DAY.year <= given.year <= LAST_DAY.year or not (
            FIRST_DAY <= given.astimezone(UTC).date() <= LAST_DAY):
        raise PeerRecordError(f"{field}: {value} is outside {FIRST_DAY.year}–{LAST_DAY.year}")
    return given.astimezone(UTC)


def day(value: Any, field: str) -> date:
    """A day as ``YYYY-MM-DD`` text, a calendar date within 1900-2999."""
    if not is_day_text(value):
        raise PeerRecordError(f"{field}: {_shown(value)} is not a date as YYYY-MM-DD")
    try:
        found = date.fromisoformat(value)
    except ValueError:
        raise PeerRecordError(f"{field}: {value!r} is not a calendar date") from None
    if not FIRST_DAY <= found <= LAST_DAY:
        raise PeerRecordError(f"{field}: {value} is outside {FIRST_DAY.year}–{LAST_DAY.year}")
    return found


def text(value: Any, field: str, *, most: int, least: int = 0) -> str:
    """Text of ``least`` to ``most`` characters, none of them a control or invisible one."""
    if not isinstance(value, str):
        raise PeerRecordError(f"{field}: {_shown(value)} is not text")
    if not least <= len(value) <= most:
        raise PeerRecordError(f"{field}: {len(value)} characters, not {least} to {most}")
    if value.isascii() and value.isprintable():  # the common case, at a fraction of the cost
        return value
    for position, char in enumerate(value, start=1):
        if unicodedata.category(char) in INVISIBLE:
            raise PeerRecordError(f"{field}: {char!r} at position {position} is a control or "
                                  "invisible character")  # fmt: skip
    return value


def one_of(value: Any, field: str, allowed: Collection[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise PeerRecordError(f"{field}: {_shown(value)} is not one of "
                              f"{', '.join(sorted(allowed))}")  # fmt: skip
    return value


def plain(value: Any, field: str, *, most: int = 2000) -> None:
    """Every text in a JSON value (an alert) without control or invisible characters."""
    if isinstance(value, str):
        text(value, field, most=most)
    elif isinstance(value, dict):
        for key, item in value.items():
            plain(item, f"{field}.{key}", most=most)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            plain(item, f"{field}[{n}]", most=most)


def refusal_reasons(value: Any) -> list[dict[str, str]]:
    """A refusal's reasons: a list of {code, message}, each code a letter of the form."""
    if not isinstance(value, list) or not 1 <= len(value) <= 50 or not all(
            isinstance(r, dict) and set(r) == {"code", "message"} for r in value):
        raise PeerRecordError("reasons: a list of {code, message} (1 to 50) is expected")
    return [{"code": one_of(r["code"], f"reasons[{n}].code", REFUSAL_LETTERS),
             "message": text(r["message"], f"reasons[{n}].message", most=2000)}
            for n, r in enumerate(value)]  # fmt: skip


def mrz_lines(value: Any) -> list[str]:
    """An MRZ as a node files one: 2 or 3 lines of at most 60 MRZ characters (a line's
    surrounding spaces aside, as the reading strips them)."""
    lines = value.splitlines() if isinstance(value, str) else value
    if not isinstance(lines, list) or not 2 <= len(lines) <= 3:
        raise PeerRecordError("mrz: 2 or 3 lines are expected")
    for n, line in enumerate(lines, start=1):
        text(line, f"mrz: line {n}", most=60, least=1)
    problem = filing_problem([line.strip() for line in lines])
    if problem is not None:
        raise PeerRecordError(problem)
    return list(lines)


def document_fields(value: Any, codes: Collection[str], field: str = "document") -> dict[str, Any]:
    """A document's fields as a record gives them (``{document_code, issuing_state,
    document_number, surname, given_names, nationality, birth_date, birth_date_raw, sex,
    expiry_date}``), their text checked; its days are read when it is filed
    (``document_days``): a document known here already needs none of them."""
    if not isinstance(value, dict):
        raise PeerRecordError(f"{field}: an object of the document's fields is expected")
    for key in ("issuing_state", "nationality"):
        if value.get(key) not in codes:
            raise PeerRecordError(f"{field}.{key}: {_shown(value.get(key))} is not a country "
                                  "code of ICAO Doc 9303")  # fmt: skip
    text(value.get("document_number"), f"{field}.document_number", most=30, least=1)
    for key, most in (("surname", 200), ("given_names", 200), ("birth_date_raw", 6)):
        text(value.get(key), f"{field}.{key}", most=most)
    if value.get("document_code") is not None:
        text(value["document_code"], f"{field}.document_code", most=2, least=1)
    if value.get("sex") not in (None, "M", "F", "X", "<"):
        raise PeerRecordError(f"{field}.sex: {_shown(value.get('sex'))} is not M, F, X or <")
    return dict(value)


def document_days(fields: Mapping[str, Any], field: str = "document") -> tuple[date | None, ...]:
    """A document's birth and expiry dates (None: not given), within 1900-2999."""
    return tuple(None if fields.get(key) is None else day(fields[key], f"{field}.{key}")
                 for key in ("birth_date", "expiry_date"))  # fmt: skip


@dataclass(frozen=True, slots=True)
class CrossingFacts:
    """A peer's crossing or refusal, every field checked."""

    point: CrossingPoint
    occurred: datetime  # in UTC
    local_date: date
    refused: bool
    direction: str
    decision: str
    reasons: list[dict[str, str]] | None  # a refusal's
    mrz: list[str] | None  # the document as its MRZ, or as its fields
    document: dict[str, Any] | None


def crossing_facts(
    payload: Mapping[str, Any], *, kind: str, origin: str, sealed_at: datetime,
    point: CrossingPoint | None, codes: Collection[str],
) -> CrossingFacts:  # fmt: skip
    """A ``CrossingRecorded`` or ``RefusalRecorded`` of ``origin`` sealed at ``sealed_at``,
    at ``point`` (its ``crossing_point`` looked up); raises ``PeerRecordError``."""
    found, occurred, on = _placed(payload, origin, sealed_at, point)
    refused = payload.get("refused")
    if not isinstance(refused, bool):
        raise PeerRecordError(f"refused: {_shown(refused)} is not true or false")
    if refused != (kind == "RefusalRecorded"):
        raise PeerRecordError(f"refused: {str(refused).lower()} in a {kind}")
    direction = one_of(payload.get("direction"), "direction", [d.value for d in Direction])
    decision = one_of(payload.get("decision"), "decision", [o.value for o in Outcome])
    reasons = refusal_reasons(payload.get("reasons")) if refused else None
    has_mrz, has_document = "mrz" in payload, "document" in payload
    if has_mrz == has_document:
        raise PeerRecordError("mrz, document: " + (
            "both given; one is expected" if has_mrz else "neither mrz nor document given"))
    mrz = mrz_lines(payload["mrz"]) if has_mrz else None
    document = None if has_mrz else document_fields(payload["document"], codes)
    return CrossingFacts(found, occurred, on, refused, direction, decision, reasons, mrz,
                         document)  # fmt: skip


def _placed(
    payload: Mapping[str, Any], origin: str, sealed_at: datetime, point: CrossingPoint | None
) -> tuple[CrossingPoint, datetime, date]:
    """A crossing's point, time (UTC) and day as its origin records them (``crossing_facts``;
    a correction's new values too): at one of its own external points, as every node records."""
    code = payload.get("crossing_point")
    if point is None or point.code != code:
        raise PeerRecordError(f"crossing_point: {_shown(code)} is not a known crossing point")
    if point.state != origin:
        raise PeerRecordError(f"crossing_point: {point.code} is run by {point.state}, not by "
                              f"{origin}, the record's origin")  # fmt: skip
    if not point.is_external:
        raise PeerRecordError(f"crossing_point: {point.code} is on an internal border of the "
                              "area: no crossing is recorded there")  # fmt: skip
    occurred = instant(payload.get("occurred_at"), "occurred_at")
    if occurred > sealed_at + CLOCK_TOLERANCE:
        raise PeerRecordError(f"occurred_at: {payload['occurred_at']} is after its record was "
                              f"sealed ({sealed_at.isoformat()})")  # fmt: skip
    on = day(payload.get("local_date"), "local_date")
    if on != local_date(point, occurred):
        raise PeerRecordError(f"local_date: {on} is not the day of occurred_at at {point.code} "
                              f"({local_date(point, occurred)})")  # fmt: skip
    return point, occurred, on


def corrected_place(
    payload: Mapping[str, Any], *, origin: str, sealed_at: datetime, point: CrossingPoint | None
) -> tuple[CrossingPoint, datetime, date]:
    """A ``CrossingCorrected``'s or ``RefusalCorrected``'s new point, time (UTC) and day."""
    return _placed(payload, origin, sealed_at, point)


def permit_validity(
    payload: Mapping[str, Any], *, visa: bool
) -> tuple[date, date, int | None, int | None]:
    """A permit's ``valid_from``, ``valid_to`` and, for a visa, ``duration_days`` and
    ``entries`` (None: multiple), on the terms an issuing node accepts (but their being past:
    a record may arrive late)."""
    valid_from = day(payload.get("valid_from"), "valid_from")
    valid_to = day(payload.get("valid_to"), "valid_to")
    days = payload.get("duration_days") if visa else None
    entries = payload.get("entries") if visa else None
    for name, number in (("duration_days", days), ("entries", entries)):
        if number is not None and (isinstance(number, bool) or not isinstance(number, int)):
            raise PeerRecordError(f"{name}: {_shown(number)} is not a whole number")
    if visa and days is None:
        raise PeerRecordError("duration_days: a visa's duration of stay is missing")
    problem = permit_problem(valid_from, valid_to, today=valid_from, document_expiry=None,
                             duration_days=days, entries=entries)  # fmt: skip
    if problem is not None:
        raise PeerRecordError(problem)
    return valid_from, valid_to, days, entries


def member_national_problem(document: Mapping[str, Any], members: Collection[str]) -> str | None:
    """Why a permit for this document is not applied (a member state's national moves freely:
    ``issue_problem``), or None."""
    nationality = document.get("nationality")
    if nationality in members:
        return (f"document.nationality: a national of {nationality}, a member state, moves "
                "freely: no visa or travel authorisation is issued to them")
    return None


def deletion_refs(payload: Mapping[str, Any], origin: str) -> tuple[list[int], list[str]]:
    """The seqs of ``origin``'s own records a ``RetentionDeletion`` of ``origin`` names, and
    the other references it names (``ARM/12``), which it may not erase: a record is erased on
    its origin's word only."""
    named = payload.get("records")
    if not isinstance(named, list) or len(named) > 1_000_000:
        raise PeerRecordError("records: a list of [origin, seq] is expected")
    own: list[int] = []
    others: list[str] = []
    for n, ref in enumerate(named):
        if not (isinstance(ref, list) and len(ref) == 2 and isinstance(ref[0], str)
                and isinstance(ref[1], int) and not isinstance(ref[1], bool)):
            raise PeerRecordError(f"records[{n}]: {_shown(ref)} is not [origin, seq]")
        if ref[0] == origin:
            own.append(ref[1])
        else:
            others.append(f"{_shown(ref[0])[1:-1]}/{ref[1]}")
    if not own:
        raise PeerRecordError(f"records: none is {origin}'s own (" + ", ".join(others[:5])
                              + "): a record is erased only on its origin's word")
    return own, others


# -- typed text, own ids, territories (session 15) ---------------------------------------------
