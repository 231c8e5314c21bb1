"""What a peer's signed record may say of what it files beside crossings and permits:
consultations, applications' decisions, hit decisions and internal checks (the sweep of session
15, S15-A1, A5, A6, B1-B3), read as ``cta.domain.peer_records`` reads the rest.

They are held to the API's rules for the same data and to the store's column lengths, so that
no value reaches the database for it to refuse (a refusal there used to stop the origin's
chain): a member names only its own consultations, applications and reintroductions
(``ARM-C-1``, ``ARM-…``, ``ARM-IC-1``), typed text may hold lines but no other control
character (``words``), and a reintroduction is at its origin's own internal points.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cta.domain.applications import ApplicationKind, ApplicationStatus
from cta.domain.consultations import (
    ANSWER_WITHIN,
    GROUND_CODE_MOST,
    GROUNDS_MOST,
    MAX_TEXT,
    Opinion,
    answer_due,
    check_answer,
)
from cta.domain.crossing_points import CrossingPoint
from cta.domain.internal_checks import (
    DEFAULT_KIND,
    GROUND_MAX,
    KIND_PATTERN,
    Prolongation,
    Reintroduction,
)
from cta.domain.peer_records import PeerRecordError, _shown, day, instant, one_of, plain, text

__all__ = [
    "ApplicationDecision",
    "ConsultationAnswer",
    "ConsultationRequest",
    "HitDecision",
    "application_decision",
    "consultation_answer",
    "consultation_request",
    "hit_decision",
    "reintroduction",
    "territories",
    "words",
]

_LINES = str.maketrans("\t\n\r", "   ")  # what a text area sends besides the words


def words(value: Any, field: str, *, most: int, least: int = 1) -> str:
    """Text an officer typed (a question, a ground, a reason): lines and tabs allowed, as the
    API allows them, but no other control or invisible character; not blank when required."""
    if not isinstance(value, str):
        raise PeerRecordError(f"{field}: {_shown(value)} is not text")
    text(value.translate(_LINES), field, most=most, least=least)
    if least and not value.strip():
        raise PeerRecordError(f"{field}: blank: say it in words")
    return value


def _own(value: Any, field: str, origin: str, pattern: str, what: str, *, most: int) -> str:
    """An id or number the origin gave (``ARM-C-12``): its own prefix, and what its own API
    gives, so that no member files or takes another's (as ``alert_id_owner`` keeps alert ids
    apart)."""
    text(value, field, most=most, least=1)
    if not re.fullmatch(f"{re.escape(origin)}-{pattern}", value):
        raise PeerRecordError(f"{field}: {_shown(value)} is not one of {origin}'s {what}: a "
                              f"member names its own only ({origin}-…)")  # fmt: skip
    return str(value)


def _items(value: Any, field: str, most: int, keys: Collection[str], what: str,
           least: int = 0) -> list[dict[str, Any]]:  # fmt: skip
    """A list of ``least`` to ``most`` objects of exactly ``keys``."""
    if not isinstance(value, list) or not least <= len(value) <= most or not all(
            isinstance(item, dict) and set(item) == set(keys) for item in value):
        raise PeerRecordError(f"{field}: a list of {what} ({least} to {most}) is expected")
    return value


def territories(value: Any, members: Collection[str]) -> list[str] | None:
    """A permit's limited territorial validity (absent or null: the whole area): member
    states, as the issuing node's API requires (Visa Code Art. 25, ETIAS Art. 44)."""
    if value is None:
        return None
    if not isinstance(value, list) or not 1 <= len(value) <= len(members):
        raise PeerRecordError("territorial_validity: a list of member states is expected")
    for n, state in enumerate(value):
        if state not in members:
            raise PeerRecordError(f"territorial_validity[{n}]: {_shown(state)} is not a member "
                                  f"state ({', '.join(sorted(members))})")  # fmt: skip
    return [str(state) for state in value]


# -- consultations ------------------------------------------------------------------------------

ANSWER_REASONS_MOST = 20  # the API's


@dataclass(frozen=True, slots=True)
class ConsultationRequest:
    """A peer's ``ConsultationRequested``, every field checked."""

    ref: str
    application: str
    kind: str
    consulted_state: str
    question: str
    grounds: list[dict[str, str]]
    applicant: dict[str, Any]
    asked_at: datetime  # in UTC
    due_at: datetime


def consultation_request(
    payload: Mapping[str, Any], *, origin: str, members: Collection[str]
) -> ConsultationRequest:
    """A consultation as the asking node's API makes one (``check_request``, ``answer_due``):
    its own ref and application, another member consulted, due within the answer's time."""
    ref = _own(payload.get("ref"), "ref", origin, "C-[0-9]{1,18}", "consultations", most=40)
    if payload.get("asking_state") != origin:
        raise PeerRecordError(f"asking_state: {_shown(payload.get('asking_state'))} is not "
                              f"{origin}, the record's origin")  # fmt: skip
    consulted = payload.get("consulted_state")
    if consulted not in members or consulted == origin:
        others = ", ".join(sorted(set(members) - {origin}))
        raise PeerRecordError(f"consulted_state: {_shown(consulted)} is not a member state "
                              f"{origin} may consult ({others})")  # fmt: skip
    kind = one_of(payload.get("kind"), "kind", ANSWER_WITHIN)
    application = _own(payload.get("application"), "application", origin, "[A-Za-z0-9-]{1,36}",
                       "applications", most=40)  # fmt: skip
    question = words(payload.get("question"), "question", most=MAX_TEXT)
    grounds = [{"code": text(g["code"], f"grounds[{n}].code", most=GROUND_CODE_MOST, least=1),
                "message": words(g["message"], f"grounds[{n}].message", most=MAX_TEXT, least=0)}
               for n, g in enumerate(_items(payload.get("grounds"), "grounds", GROUNDS_MOST,
                                            ("code", "message"), "{code, message}"))]  # fmt: skip
    applicant = payload.get("applicant")
    if not isinstance(applicant, dict) or len(applicant) > 20 or not isinstance(
            applicant.get("document", {}), dict):
        raise PeerRecordError("applicant: an object of the applicant's names, nationality and "
                              "document is expected")  # fmt: skip
    plain(applicant, "applicant", most=200)
    asked = instant(payload.get("asked_at"), "asked_at")
    due = instant(payload.get("due_at"), "due_at")
    if not asked < due <= answer_due(kind, asked):
        hours = ANSWER_WITHIN[kind].total_seconds() // 3600
        raise PeerRecordError(f"due_at: {payload['due_at']} is not within the {hours:.0f} hours "
                              f"after asked_at ({payload['asked_at']}) a {kind} consultation "
                              "is answered in")  # fmt: skip
    return ConsultationRequest(ref, application, kind, str(consulted), question, grounds,
                               dict(applicant), asked, due)  # fmt: skip


@dataclass(frozen=True, slots=True)
class ConsultationAnswer:
    """A peer's ``ConsultationAnswered``, every field checked."""

    ref: str
    asker: str  # the member whose consultation it answers
    opinion: str
    reasons: list[str]
    at: datetime  # in UTC


def consultation_answer(
    payload: Mapping[str, Any], *, origin: str, members: Collection[str]
) -> ConsultationAnswer:
    """An answer as the consulted node's API takes one (``check_answer``): to another
    member's consultation, positive or negative with reasons, each in words."""
    ref = text(payload.get("ref"), "ref", most=40, least=1)
    asker = ref.partition("-")[0]
    if not re.fullmatch("[A-Z]{3}-C-[0-9]{1,18}", ref) or asker not in members:
        raise PeerRecordError(f"ref: {_shown(ref)} is not a member's consultation (XXX-C-n)")
    if asker == origin:
        raise PeerRecordError(f"ref: {ref} is {origin}'s own consultation: the member "
                              "consulted answers it")  # fmt: skip
    reasons = payload.get("reasons")
    if not isinstance(reasons, list) or len(reasons) > ANSWER_REASONS_MOST:
        raise PeerRecordError(f"reasons: a list of at most {ANSWER_REASONS_MOST} texts is "
                              "expected")  # fmt: skip
    said = [words(r, f"reasons[{n}]", most=MAX_TEXT) for n, r in enumerate(reasons)]
    opinion = one_of(payload.get("opinion"), "opinion", [o.value for o in Opinion])
    check_answer(opinion, said)
    return ConsultationAnswer(ref, asker, opinion, said, instant(payload.get("at"), "at"))


# -- applications' decisions and hits' decisions --------------------------------------------

_OUTCOMES = (ApplicationStatus.REFUSED.value, ApplicationStatus.ANNULLED.value,
             ApplicationStatus.REVOKED.value, "appeal_allowed")  # fmt: skip
_HOLDER = ("issuing_state", "document_number", "nationality", "surname", "birth_date_raw")


@dataclass(frozen=True, slots=True)
class ApplicationDecision:
    """A peer's ``ApplicationDecided``, every field checked."""

    number: str
    kind: str
    outcome: str
    reasons: list[dict[str, str]]
    holder: dict[str, str]


def application_decision(
    payload: Mapping[str, Any], *, origin: str, codes: Collection[str]
) -> ApplicationDecision:
    """A decision on one of the origin's own applications (``ARM-…``: a member decides the
    applications lodged with it), as ``decision_payload`` makes one."""
    number = _own(payload.get("number"), "number", origin, "[A-Za-z0-9-]{1,16}", "applications",
                  most=20)  # fmt: skip
    kind = one_of(payload.get("kind"), "kind", [k.value for k in ApplicationKind])
    outcome = one_of(payload.get("outcome"), "outcome", _OUTCOMES)
    least = 0 if outcome == "appeal_allowed" else 1  # a refusal says why; an appeal allowed not
    reasons = [{"code": text(r["code"], f"reasons[{n}].code", most=60, least=1),
                "message": words(r["message"], f"reasons[{n}].message", most=MAX_TEXT)}
               for n, r in enumerate(_items(payload.get("reasons"), "reasons", 50,
                                            ("code", "message"), "{code, message}", least))]
    holder = payload.get("holder")
    if not isinstance(holder, dict):
        raise PeerRecordError("holder: an object of the holder's document and names is expected")
    for key in ("issuing_state", "nationality"):
        if holder.get(key) not in codes:
            raise PeerRecordError(f"holder.{key}: {_shown(holder.get(key))} is not a country "
                                  "code of ICAO Doc 9303")  # fmt: skip
    for key, most, fewest in (("document_number", 30, 1), ("surname", 200, 0),
                              ("birth_date_raw", 6, 0)):  # fmt: skip
        text(holder.get(key), f"holder.{key}", most=most, least=fewest)
    instant(payload.get("decided_at"), "decided_at")
    return ApplicationDecision(number, kind, outcome, reasons,
                               {key: str(holder[key]) for key in _HOLDER})  # fmt: skip


@dataclass(frozen=True, slots=True)
class HitDecision:
    """A peer's ``AlertHitDecided``, every field checked."""

    alert_id: str
    alert_version: int
    decision: str
    issuing_state: str
    document_number: str
    officer: str
    reason: str
    at: datetime  # in UTC


def hit_decision(
    payload: Mapping[str, Any], *, sealed_at: datetime, codes: Collection[str]
) -> HitDecision:
    """An officer's decision on a hit as ``POST /v1/alert-hits`` takes it. On any member's
    alert: an officer decides on the alerts that hit at their own border, whoever issued
    them, and the decision holds where it was taken (docs/federation.md)."""
    alert_id = text(payload.get("alert_id"), "alert_id", most=100, least=1)
    if not re.fullmatch("[\x21-\x7e]+", alert_id):
        raise PeerRecordError(f"alert_id: {_shown(alert_id)} is not an alert id (printable "
                              "characters without spaces)")  # fmt: skip
    version = payload.get("alert_version")
    if isinstance(version, bool) or not isinstance(version, int) or not 1 <= version < 2**62:
        raise PeerRecordError(f"alert_version: {_shown(version)} is not an alert's version")
    decision = one_of(payload.get("decision"), "decision", ("confirmed", "dismissed"))
    state = payload.get("issuing_state")
    if state not in codes:
        raise PeerRecordError(f"issuing_state: {_shown(state)} is not a country code of ICAO "
                              "Doc 9303")  # fmt: skip
    number = text(payload.get("document_number"), "document_number", most=30, least=1)
    officer = text(payload.get("officer"), "officer", most=100, least=1)
    reason = payload.get("reason")  # absent in older records
    reason = "" if reason is None else words(reason, "reason", most=2000, least=0)
    at = sealed_at if payload.get("at") is None else instant(payload["at"], "at")
    return HitDecision(alert_id, version, decision, str(state), number, officer, reason, at)


# -- internal checks -------------------------------------------------------------------------

# prolongations of one reintroduction: the regime's periods over its whole time are far fewer
# (30 days in six months: 5; 6 months in 2 years and two extensions: 6); even a day each for
# the longest kind, three years, is 1,097
PROLONGATIONS_MOST = 1100
_CHECK_KINDS = ("InternalChecksDeclared", "InternalChecksProlonged", "InternalChecksEnded")


def reintroduction(
    payload: Mapping[str, Any], *, kind: str, origin: str,
    point: Callable[[str], CrossingPoint | None],
    check_kinds: Collection[str] = (DEFAULT_KIND,),
) -> Reintroduction:  # fmt: skip
    """A reintroduction as its origin's ``declare``, ``prolong`` or ``end`` leaves it: of the
    origin, at its own internal points, of one of ``check_kinds`` (absent or null: the one
    kind of a regime before kinds, ``default``: records sent before kinds were), days within
    1900-2999 in order, each prolongation moving the last day on, an early end on a day it had
    not lapsed by. The regime's limits on its length are not held here: the declaring state
    is the one they bind, and a reintroduction beyond them is filed and listed as such
    (``internal_checks.beyond_limits``), not hidden while its checks run."""
    one_of(kind, "kind", _CHECK_KINDS)
    ref = _own(payload.get("id"), "id", origin, "IC-[0-9]{1,18}", "reintroductions", most=40)
    if payload.get("state") != origin:
        raise PeerRecordError(f"state: {_shown(payload.get('state'))} is not {origin}, the "
                              "record's origin: a state reintroduces checks at its own points "
                              "only")  # fmt: skip
    check_kind = _check_kind(payload.get("kind"), check_kinds)
    codes = _points(payload.get("crossing_points"), origin, point)
    first, last = day(payload.get("from"), "from"), day(payload.get("to"), "to")
    if last < first:
        raise PeerRecordError(f"to: {last} is before from {first}")
    ground = words(payload.get("ground"), "ground", most=GROUND_MAX)
    prolongations = _prolongations(payload.get("prolongations"), last)
    ended = payload.get("ended_on")
    r = Reintroduction(ref, origin, codes, first, last, ground, prolongations,
                       None if ended is None else day(ended, "ended_on"), check_kind)  # fmt: skip
    if r.ended_on is not None and r.ended_on > r.last_day:
        raise PeerRecordError(f"ended_on: {r.ended_on} is after its last day {r.last_day}: "
                              "checks are ended while planned or in force")  # fmt: skip
    if kind != "InternalChecksEnded" and r.ended_on is not None:
        raise PeerRecordError(f"ended_on: {r.ended_on} in a {kind}: only an end gives it")
    if kind == "InternalChecksEnded" and r.ended_on is None:
        raise PeerRecordError("ended_on: missing from an InternalChecksEnded")
    if kind == "InternalChecksDeclared" and prolongations:
        raise PeerRecordError("prolongations: a declaration has none")
    if kind == "InternalChecksProlonged" and not prolongations:
        raise PeerRecordError("prolongations: none in an InternalChecksProlonged")
    return r


def _check_kind(value: Any, known: Collection[str]) -> str:
    """The reintroduction's kind: one the union regime names (``check_kinds``)."""
    if value is None:
        return DEFAULT_KIND
    text(value, "kind", most=40, least=1)
    if not re.fullmatch(KIND_PATTERN, value) or value not in known:
        raise PeerRecordError(f"kind: {_shown(value)} is not a kind of reintroduction the "
                              f"union regime names ({', '.join(sorted(known))})")  # fmt: skip
    return str(value)


def _points(
    value: Any, origin: str, point: Callable[[str], CrossingPoint | None]
) -> tuple[str, ...]:
    """The codes of a reintroduction's points, as ``declare`` takes them: 1 to 50, each an
    internal crossing point of the origin, none twice."""
    if not isinstance(value, list) or not 1 <= len(value) <= 50:
        raise PeerRecordError(f"crossing_points: a list of 1 to 50 of {origin}'s internal "
                              "crossing points is expected")  # fmt: skip
    for n, code in enumerate(value):
        found = point(code) if isinstance(code, str) else None
        if found is None or found.code != code:
            raise PeerRecordError(f"crossing_points[{n}]: {_shown(code)} is not a known "
                                  "crossing point")  # fmt: skip
        if found.state != origin or found.is_external:  # the words of session 13's check
            raise PeerRecordError(f"{code} is not an internal crossing point of {origin}")
        if code in value[:n]:
            raise PeerRecordError(f"crossing_points[{n}]: {code} is named twice")
    return tuple(value)


def _prolongations(value: Any, last: date) -> tuple[Prolongation, ...]:
    """Each prolongation's new last day after the one before (``prolong``), and why."""
    found: list[Prolongation] = []
    for n, item in enumerate(_items(value, "prolongations", PROLONGATIONS_MOST,
                                    ("to", "ground"), "{to, ground}")):  # fmt: skip
        to = day(item["to"], f"prolongations[{n}].to")
        if to <= last:
            raise PeerRecordError(f"prolongations[{n}].to: {to} does not prolong: the checks "
                                  f"ran to {last}")  # fmt: skip
        found.append(Prolongation(to, words(item["ground"], f"prolongations[{n}].ground",
                                            most=GROUND_MAX)))  # fmt: skip
        last = to
    return tuple(found)
