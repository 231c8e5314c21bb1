"""Applications for the travel authorisation and the common visa: the pure rules.

Modelled on ETIAS, Regulation (EU) 2018/1240: the route a nationality takes (Art. 2: the
visa-exempt apply for an authorisation; the others need a visa, Regulation (EU) 2018/1806
Annex I), an authorisation's validity (Art. 54(1)(a): three years, or until the travel document
expires, whichever is first), and the deadlines for a decision (Art. 32(1): 96 hours from a
complete application; Art. 32(2): up to 14 more days after a request for information; Art.
27(4)-(10), 32(3): up to 30 more days after an invitation to an interview).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.regime import Category

__all__ = [
    "AUTHORIZATION_YEARS",
    "DECISION_TIME",
    "INFORMATION_EXTENSION",
    "INTERVIEW_EXTENSION",
    "OPEN",
    "REFUSAL_GROUNDS",
    "ApplicationKind",
    "ApplicationStatus",
    "IllegalTransitionError",
    "ReviewReason",
    "authorization_validity",
    "automatic_outcome",
    "check_route",
    "deadline",
    "median_hours",
    "move",
    "overdue",
    "refusal_reasons",
    "route_for",
]

AUTHORIZATION_YEARS = 3
DECISION_TIME = timedelta(hours=96)
INFORMATION_EXTENSION = timedelta(days=14)
INTERVIEW_EXTENSION = timedelta(days=30)


class ApplicationKind(StrEnum):
    AUTHORIZATION = "authorization"
    VISA = "visa"


class ApplicationStatus(StrEnum):
    PROCESSING = "processing"  # the automatic checks have not finished
    MANUAL = "manual"  # waiting for a consular officer of the first intended state
    INFORMATION_REQUESTED = "information_requested"  # waiting for the applicant
    GRANTED = "granted"
    REFUSED = "refused"
    ANNULLED = "annulled"  # granted, then found never to have met the conditions
    REVOKED = "revoked"  # granted, then the conditions ceased to be met


S = ApplicationStatus
OPEN = frozenset({S.PROCESSING, S.MANUAL, S.INFORMATION_REQUESTED})
# what may follow what; an allowed appeal sends a refusal back to the queue
_NEXT: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.PROCESSING: frozenset({S.MANUAL, S.GRANTED, S.REFUSED}),
    S.MANUAL: frozenset({S.INFORMATION_REQUESTED, S.GRANTED, S.REFUSED}),
    S.INFORMATION_REQUESTED: frozenset({S.MANUAL, S.GRANTED, S.REFUSED}),
    S.GRANTED: frozenset({S.ANNULLED, S.REVOKED}),
    S.REFUSED: frozenset({S.MANUAL}),
    S.ANNULLED: frozenset(),
    S.REVOKED: frozenset(),
}


class IllegalTransitionError(CTAError):
    """A step the application's status does not allow (HTTP 409)."""


def move(current: ApplicationStatus, to: ApplicationStatus) -> ApplicationStatus:
    """``to``, if an application in ``current`` may go there; else ``IllegalTransitionError``."""
    if to not in _NEXT[current]:
        raise IllegalTransitionError(f"an application that is {current.value} cannot become "
                                     f"{to.value}", code="illegal_transition",
                                     params={"status": current.value, "to": to.value})
    return to


def route_for(category: Category) -> ApplicationKind | None:
    """What a nationality of this category applies for: None when it needs nothing (member
    nationals, the visa-exempt) or is not admitted at all."""
    if category.needs_authorization:
        return ApplicationKind.AUTHORIZATION
    if category.needs_visa:
        return ApplicationKind.VISA
    return None


def check_route(kind: ApplicationKind, nationality: str, category: Category) -> None:
    """``InvalidInputError`` naming ``kind`` when this nationality takes another route."""
    route = route_for(category)
    if route is kind:
        return
    if category is Category.FREE_MOVEMENT:
        why = "member nationals move freely and apply for nothing"
    elif route is None:
        why = f"this nationality's category is {category.value}: nothing is applied for"
    else:
        why = f"this nationality takes the {route.value} route"
    raise InvalidInputError(f"kind: {kind.value} is not the route for nationality "
                            f"{nationality}: {why}")  # fmt: skip


def authorization_validity(granted_on: date, document_expiry: date | None) -> tuple[date, date]:
    """An authorisation's first and last day: three years, or to the document's expiry if
    that is sooner (ETIAS Art. 54(1)(a)). It ends the day before the same date three years
    on, which for one granted on 29 February is 1 March (so it ends on 28 February, not a
    day sooner as a month count clamped to 28 February would make it)."""
    try:
        anniversary = granted_on.replace(year=granted_on.year + AUTHORIZATION_YEARS)
    except ValueError:  # 29 February, and no such day that year
        anniversary = date(granted_on.year + AUTHORIZATION_YEARS, 3, 1)
    last = anniversary - timedelta(days=1)
    if document_expiry is not None and document_expiry < last:
        last = document_expiry
    return granted_on, last


def deadline(submitted_at: datetime, *, information_requested: bool = False,
             interview: bool = False) -> datetime:  # fmt: skip
    """When a decision is due: 96 hours after submission, 14 days more after a request for
    information, 30 days more after an invitation to an interview (ETIAS Art. 32)."""
    due = submitted_at + DECISION_TIME
    if information_requested:
        due += INFORMATION_EXTENSION
    if interview:
        due += INTERVIEW_EXTENSION
    return due


def overdue(status: ApplicationStatus, due: datetime, now: datetime) -> bool:
    """An application still open after its deadline."""
    return status in OPEN and now > due


@dataclass(frozen=True, slots=True)
class ReviewReason:
    """Why an application needs a person: a code and words an officer reads."""

    code: str  # "answer", "alert_hit", "screening_rule", "refusal_of_entry", ...
    message: str
    source: str | None = None  # the member whose data raised it: consulted if not the decider


def automatic_outcome(kind: ApplicationKind, reasons: Sequence[ReviewReason]) -> ApplicationStatus:
    """Granted when nothing needs a person; a visa always goes to a consular officer (there
    is no sound automatic rule for the common visa yet: the Visa Code's Art. 21 examination
    weighs the purpose and means of the journey, which only a person can)."""
    if reasons or kind is ApplicationKind.VISA:
        return S.MANUAL
    return S.GRANTED


def median_hours(durations: Sequence[timedelta]) -> float | None:
    """The median of some durations, in hours (None: none)."""
    if not durations:
        return None
    return round(statistics.median(d.total_seconds() for d in durations) / 3600, 2)


# The standard grounds of a refusal: ETIAS Art. 37(1) for both kinds, and for visas the
# refusal form of the Visa Code (Regulation (EC) 810/2009, Annex VI).
REFUSAL_GROUNDS: dict[str, str] = {
    "invalid_document": "the travel document is reported lost, stolen, misappropriated or "
                        "invalidated",
    "security_risk": "the applicant poses a security risk",
    "illegal_immigration_risk": "the applicant poses an illegal immigration risk",
    "alert_refusal_of_entry": "the applicant is the subject of an alert for refusal of entry",
    "no_reply": "the applicant did not answer a request for information or attend an interview "
                "in time",
    "doubts": "there are reasonable and serious doubts about the data, the statements or the "
              "supporting documents given",
    "purpose_not_justified": "the purpose and conditions of the intended stay were not justified",
    "no_means_of_subsistence": "sufficient means of subsistence were not shown",
    "stay_used": "the applicant has already stayed 90 days in the current 180-day period",
    "no_insurance": "no adequate and valid travel medical insurance was shown",
    "intention_to_leave": "the intention to leave the area before the visa expires could not be "
                          "ascertained",
}  # fmt: skip
VISA_ONLY_GROUNDS = frozenset({"purpose_not_justified", "no_means_of_subsistence", "stay_used",
                               "no_insurance", "intention_to_leave"})  # fmt: skip


def refusal_reasons(kind: ApplicationKind, codes: Sequence[str]) -> list[ReviewReason]:
    """The standard grounds of a refusal by their codes; ``InvalidInputError`` naming
    ``reasons`` when one is unknown or not a ground for this kind, or none is given."""
    if not codes:
        raise InvalidInputError("reasons: a refusal gives one or more of its standard grounds")
    reasons = []
    for code in codes:
        allowed = [c for c in REFUSAL_GROUNDS
                   if kind is ApplicationKind.VISA or c not in VISA_ONLY_GROUNDS]  # fmt: skip
        if code not in allowed:
            raise InvalidInputError(f"reasons: {code!r} is not a standard ground for refusing "
                                    f"a {kind.value} (one of: {', '.join(allowed)})")
        reasons.append(ReviewReason(code, REFUSAL_GROUNDS[code]))
    return reasons
