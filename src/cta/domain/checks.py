"""The border-check decision: one pure function from a check to a decision with its reasons.

Reasons carry the letters of the standard refusal form, Schengen Borders Code (Regulation (EU)
2016/399) Annex V Part B, so that an officer and a court read them the same way in all three
member states:

A  no valid travel document                 F  already stayed the maximum in the period
B  false, counterfeit or forged document    G  no sufficient means of subsistence
C  no valid visa, travel authorisation      H  alert for the purpose of refusing entry
   or residence permit                      I  threat to public policy, internal security,
D  false visa or residence permit              public health or international relations
E  no documents justifying purpose and conditions of stay

The outcome: ``refer`` (second line) when the machine readable zone fails validation (B) or an
alert matches or may match (H), since what the check read may be wrong or a person must decide
(an officer's confirmed hit on a refuse-entry alert refuses; see ``AlertHit``); otherwise
``refuse`` when any refusal reason holds; otherwise ``refer`` when something needs a person
(a visa to be issued on arrival, a planned exit beyond the stay allowed, an overstay ended at
exit); otherwise ``admit``. Exits are never refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from cta.domain.alerts import Alert, AlertCategory, matching_alerts
from cta.domain.days import check_day
from cta.domain.documents import DocumentType, TravelDocument, issues_in_english
from cta.domain.errors import InvalidInputError
from cta.domain.regime import Category, NationalityRule, Regime
from cta.domain.stays import Overstay, Stay, StayHistory
from cta.domain.travel_permits import (
    Authorization,
    PermitProblem,
    Visa,
    last_exit_for_validity,
    usable_visas,
)
from cta.domain.wording import InEnglish, Nationality

__all__ = [
    "AlertHit",
    "Check",
    "Decision",
    "Direction",
    "InEnglish",
    "Nationality",
    "Outcome",
    "Param",
    "Reason",
    "decide",
    "decide_internal",
    "rule_overstays",
]


class Direction(StrEnum):
    ENTRY = "entry"
    EXIT = "exit"


class Outcome(StrEnum):
    ADMIT = "admit"
    REFUSE = "refuse"
    REFER = "refer"


# a reason's value: a day, a count, a score, a code or name shown as is, an alert's category,
# words kept in English, runs of days (first, last), member states (``Nationality``), or a
# visa's differing fields (their words, one value, the other: ``cta.domain.visas``)
Param = (date | int | float | str | AlertCategory | tuple[tuple[date, date], ...]
         | tuple[Nationality, ...] | tuple[tuple[str, str, str], ...])


@dataclass(frozen=True, slots=True)
class Reason:
    """A reason coded as on the refusal form (Annex V Part B), in words.

    ``message`` is the English sentence (the API's); ``key`` names the sentence's wording, for
    a page to say it in its language with ``params``, the values ``message`` was made from
    ("" : no key, the message is shown as is). Neither weighs in equality."""

    code: str
    message: str
    refuses: bool = True  # False: the reason asks for a person, it does not refuse
    confirmed: bool = False  # an officer confirmed it: a B or H then no longer only refers
    key: str = field(default="", compare=False)
    params: tuple[tuple[str, Param], ...] = field(default=(), compare=False)


@dataclass(frozen=True, slots=True)
class AlertHit:
    """A screening hit of the traveller on an alert, and what an officer said of it.

    ``confirmed`` False: a possible match that a person must confirm or dismiss (hits an
    officer dismissed are not passed in). Confirmed: it is the person (or the document) of the
    alert, and the alert's category says what follows.
    """

    alert_id: str
    category: AlertCategory
    score: float
    reasons: tuple[str, ...] = ()
    confirmed: bool = False
    action: str | None = None


@dataclass(frozen=True, slots=True)
class Check:
    """What an officer knows at the booth when a traveller presents a document."""

    on: date
    direction: Direction
    document: TravelDocument
    regime: Regime
    history: Sequence[Stay] = ()
    planned_exit: date | None = None
    visas: Sequence[Visa] = ()
    authorizations: Sequence[Authorization] = ()
    alerts: Sequence[Alert] = ()  # exact matching (``cta check``)
    alert_hits: Sequence[AlertHit] = ()  # screened by the node (``cta.domain.screening``)
    visa_reasons: Sequence[Reason] = ()  # what scanning a visa's MRZ found (``cta.domain.visas``)
    # the member state whose crossing point this is: a permit of limited territorial validity
    # counts only in its states (None: the state is not known, every permit counts)
    state: str | None = None

    def __post_init__(self) -> None:
        check_day(self.on, "the day of the check")
        if self.planned_exit is not None and self.planned_exit < self.on:
            raise InvalidInputError(
                f"planned_exit {self.planned_exit} is before the day of the check {self.on}"
            )
        for stay in self.history:
            if stay.exit > self.on:
                raise InvalidInputError(
                    f"history stay {stay.entry} to {stay.exit} ends after the day of the check "
                    f"{self.on}: the history holds past stays (at exit, up to the day of exit)"
                )


@dataclass(frozen=True, slots=True)
class Decision:
    outcome: Outcome
    reasons: tuple[Reason, ...]
    category: Category
    latest_exit: date | None  # the last day of stay, all limits together; None: refused or none
    overstay_days: int = 0


_HARD_REFER = frozenset({"B", "H"})


def decide(check: Check) -> Decision:
    """Decide a border check (DESIGN.md data flow 1)."""
    rule = check.regime.rule_for(check.document.nationality)
    reasons: list[Reason] = []
    reasons += _document_reasons(check, rule)
    reasons += _alert_reasons(check)
    reasons += check.visa_reasons
    latest_exit: date | None = None
    overstay_days = 0
    if rule.category is not Category.FREE_MOVEMENT:
        history = StayHistory(check.history)
        overstays = _overstays(check, history, rule)
        overstay_days = sum(o.days for o in overstays)
        if check.direction is Direction.ENTRY:
            permit_reasons, latest_exit = _entry_conditions(check, rule, history)
            reasons += permit_reasons
            reasons += _planned_exit_reasons(check, latest_exit, reasons)
        else:
            reasons += _exit_reasons(rule, _of_current_stay(check, overstays))
    outcome = _outcome(reasons, check.direction)
    if check.direction is Direction.EXIT or any(r.refuses for r in reasons):
        latest_exit = None  # no stay can be granted while a refusal reason stands
    return Decision(outcome, tuple(reasons), rule.category, latest_exit, overstay_days)


def decide_internal(check: Check) -> Decision:
    """Decide a check at an internal crossing point while checks are reintroduced there
    (``cta.domain.internal_checks``): the document and the alerts only. The traveller is
    inside the area: no stay is counted and no visa or authorisation is asked, for member
    and third-country nationals alike."""
    rule = check.regime.rule_for(check.document.nationality)
    reasons = _document_reasons(check, rule, inside=True) + _alert_reasons(check)
    return Decision(_outcome(reasons, check.direction), tuple(reasons), rule.category, None)


def _outcome(reasons: Sequence[Reason], direction: Direction) -> Outcome:
    if any(r.code in _HARD_REFER and not r.confirmed for r in reasons):
        return Outcome.REFER
    if direction is Direction.ENTRY and any(r.refuses for r in reasons):
        return Outcome.REFUSE
    return Outcome.REFER if reasons else Outcome.ADMIT


def _overstays(check: Check, history: StayHistory, rule: NationalityRule) -> list[Overstay]:
    return rule_overstays(rule, check.history, history)


def rule_overstays(
    rule: NationalityRule, stays: Sequence[Stay], history: StayHistory | None = None
) -> list[Overstay]:
    """Days of presence beyond the rule's stay limit in a window, or beyond its longest single
    stay (``per_entry``), as merged runs of days (``history``: ``StayHistory(stays)``)."""
    runs: list[tuple[date, date]] = []
    if rule.stay is not None:
        history = history if history is not None else StayHistory(stays)
        runs += [(o.first, o.last) for o in history.overstays(rule.stay.limit, rule.stay.window)]
    if rule.per_entry is not None:
        runs += [
            (stay.entry + timedelta(days=rule.per_entry), stay.exit)
            for stay in stays
            if stay.days > rule.per_entry
        ]
    merged: list[tuple[date, date]] = []
    for first, last in sorted(runs):
        if merged and first <= merged[-1][1] + timedelta(days=1):
            merged[-1] = (merged[-1][0], max(merged[-1][1], last))
        else:
            merged.append((first, last))
    return [Overstay(first, last) for first, last in merged]


# -- the travel document ---------------------------------------------------------------------


def _document_reasons(
    check: Check, rule: NationalityRule, *, inside: bool = False
) -> list[Reason]:
    """The document's reasons; ``inside``: at an internal border, where no stay begins, so a
    third-country national's document need not outlast one."""
    doc = check.document
    if not doc.valid:
        problems = issues_in_english(doc.errors)  # each issue worded by a page
        return [Reason("B", f"the machine readable zone fails validation: {problems}",
                       key="mrz_invalid", params=(("problems", problems),))]
    member = rule.category is Category.FREE_MOVEMENT
    accepted = (
        check.regime.documents.member_document_codes
        if member
        else check.regime.documents.tcn_document_codes
    )
    reasons: list[Reason] = []
    if doc.type in (DocumentType.MRVA, DocumentType.MRVB):
        reasons.append(Reason("A", "a visa is not a travel document: present the passport",
                              key="visa_not_a_travel_document"))
    elif doc.document_code[:1] not in accepted:
        kinds = ", ".join(sorted(accepted))
        code = doc.document_code
        reasons.append(Reason("A", f"document code {code} is not accepted (accepted: {kinds})",
                              key="document_code_not_accepted",
                              params=(("code", code), ("accepted", kinds))))
    if doc.expiry_date is None:
        raw = repr(doc.expiry_date_raw)
        reasons.append(Reason("A", f"expiry date {raw} cannot be read",
                              key="expiry_date_unreadable", params=(("raw", raw),)))
    elif doc.expiry_date < check.on:
        reasons.append(Reason("A", f"the document expired on {doc.expiry_date}",
                              key="document_expired", params=(("on", doc.expiry_date),)))
    elif not member and not inside and check.direction is Direction.ENTRY:
        reasons += _validity_after_exit(check, doc.expiry_date)
    return reasons


def _validity_after_exit(check: Check, expiry: date) -> list[Reason]:
    months = check.regime.documents.min_validity_months
    last_exit = last_exit_for_validity(expiry, months)
    exit_day = check.planned_exit or check.on
    if exit_day > last_exit:
        return [
            Reason(
                "A",
                f"the document expires on {expiry}, less than {months} months after the "
                f"{'planned exit' if check.planned_exit else 'day of entry'} {exit_day}",
                key="validity_after_planned_exit" if check.planned_exit
                else "validity_after_entry",
                params=(("expiry", expiry), ("months", months), ("day", exit_day)),
            )
        ]
    return []


def _document_limit(check: Check) -> date | None:
    expiry = check.document.expiry_date
    if expiry is None:
        return None
    return last_exit_for_validity(expiry, check.regime.documents.min_validity_months)


# -- alerts ----------------------------------------------------------------------------------


def _alert_reasons(check: Check) -> list[Reason]:
    reasons = [
        Reason("H", f"alert {hit.alert.id} ({hit.alert.category}) matches: {hit.why}",
               key="alert_matches", params=(("alert", hit.alert.id),
                                            ("category", hit.alert.category),
                                            ("why", InEnglish(hit.why))))
        for hit in matching_alerts(check.document, check.alerts)
    ]
    return reasons + [_hit_reason(hit) for hit in check.alert_hits]


def _hit_reason(hit: AlertHit) -> Reason:
    said = f"alert {hit.alert_id} ({hit.category})"
    about: tuple[tuple[str, Param], ...] = (("alert", hit.alert_id), ("category", hit.category))
    if not hit.confirmed:
        why = "; ".join(hit.reasons) or "names agree"
        score = round(hit.score, 2)
        return Reason("H", f"{said} may match (score {hit.score:.2f}: {why}): confirm or "
                      "dismiss the hit", refuses=False,
                      key="alert_may_match" if hit.reasons else "alert_may_match_names",
                      params=(*about, ("score", score), ("why", InEnglish(why))))  # fmt: skip
    if hit.category is AlertCategory.REFUSE_ENTRY:
        return Reason("H", f"{said} confirmed by an officer: entry is refused", confirmed=True,
                      key="alert_confirmed_refuse_entry", params=about)  # fmt: skip
    if hit.category is AlertCategory.INVALIDATED_DOCUMENT:
        return Reason("A", f"{said} confirmed by an officer: the document is invalidated "
                      "(lost, stolen or revoked)", confirmed=True,
                      key="alert_confirmed_invalidated_document", params=about)  # fmt: skip
    action = hit.action or "act as the alert says"
    key, params = (("alert_confirmed_action", (*about, ("action", InEnglish(action))))
                   if hit.action else ("alert_confirmed_act", about))  # fmt: skip
    return Reason("H", f"{said} confirmed by an officer: {action}", refuses=False,
                  confirmed=True, key=key, params=params)  # fmt: skip


# -- entry: visa or authorisation, and the stay ----------------------------------------------


def _entry_conditions(
    check: Check, rule: NationalityRule, history: StayHistory
) -> tuple[list[Reason], date | None]:
    reasons: list[Reason] = []
    limits: list[date] = []
    nationality = check.document.nationality
    if rule.category is Category.NO_ADMISSION:
        reasons.append(
            Reason("C", f"nationals of {nationality} are not admitted under {check.regime.name}",
                   key="not_admitted", params=(("nationality", Nationality(nationality)),
                                               ("regime", check.regime.name)))
        )
    elif rule.category.needs_visa:
        visa_reasons, visa_limit = _visa_conditions(check, rule, history)
        reasons += visa_reasons
        if visa_limit is not None:
            limits.append(visa_limit)
    elif rule.category.needs_authorization:
        # a valid common visa admits any nationality the regime admits at all: it stands in
        # for the travel authorisation, its validity and duration of stay limiting the stay
        missing = _authorization_reasons(check)
        usable = usable_visas(check.visas, check.document.document_number, check.on, history,
                              check.state)  # fmt: skip
        if missing and usable:
            limits.append(max(v.last_day(check.on, history) for v in usable))
        else:
            reasons += missing
    if rule.per_entry is not None:
        limits.append(check.on + timedelta(days=rule.per_entry - 1))
    if rule.stay is not None:
        stay_reasons, stay_limit = _stay_conditions(check, rule, history)
        reasons += stay_reasons
        if stay_limit is not None:
            limits.append(stay_limit)
    document_limit = _document_limit(check)
    if document_limit is not None:
        limits.append(document_limit)
    return reasons, min(limits) if limits else None


def _planned_exit_reasons(check: Check, latest: date | None, so_far: list[Reason]) -> list[Reason]:
    """A planned exit past the last day allowed needs a person, unless already refused."""
    planned = check.planned_exit
    if latest is None or planned is None or planned <= latest or any(r.refuses for r in so_far):
        return []
    message = f"the planned exit {planned} is after the last day of stay allowed, {latest}"
    return [Reason("E", message, refuses=False, key="planned_exit_after_last_day",
                   params=(("planned", planned), ("latest", latest)))]


def _stay_conditions(
    check: Check, rule: NationalityRule, history: StayHistory
) -> tuple[list[Reason], date | None]:
    assert rule.stay is not None
    limit, window = rule.stay.limit, rule.stay.window
    max_stay = history.max_stay(check.on, limit, window)
    if max_stay == 0:
        used = history.days_used(check.on - timedelta(days=1), window)
        again = history.next_entry(check.on, limit, window)
        return [
            Reason(
                "F",
                f"has already stayed {used} days in the {window} days before {check.on}; "
                f"the limit is {limit}; the next entry is possible on {again}",
                key="stay_used", params=(("used", used), ("window", window),
                                         ("on", check.on), ("limit", limit), ("again", again)),
            )
        ], None
    return [], check.on + timedelta(days=max_stay - 1)


def _visa_conditions(
    check: Check, rule: NationalityRule, history: StayHistory
) -> tuple[list[Reason], date | None]:
    number = check.document.document_number
    mine = [v for v in check.visas if v.document_number == number]
    problems = [p for v in mine for p in [v.problem(check.on, history, check.state)] if p]
    usable = usable_visas(mine, number, check.on, history, check.state)
    if usable:
        return [], max(v.last_day(check.on, history) for v in usable)
    if rule.category is Category.VISA_ON_ARRIVAL:
        return [Reason("C", "needs a visa, to be issued on arrival", refuses=False,
                       key="visa_on_arrival")], None
    if problems:
        return [_permit_reason(problems)], None
    others = sorted({v.document_number for v in check.visas})
    tied = f" (visas held are for document {', '.join(others)})" if others else ""
    kind = "an e-visa" if rule.category is Category.E_VISA else "a visa"
    key = ("e_visa_needed" if rule.category is Category.E_VISA else "visa_needed") + (
        "_held_for_others" if others else "")
    return [
        Reason(
            "C",
            f"nationals of {check.document.nationality} need {kind} under "
            f"{check.regime.name}, and none is valid for document {number}{tied}",
            key=key, params=_needed(check, number, others),
        )
    ], None


def _permit_reason(problems: Sequence[PermitProblem]) -> Reason:
    """Why the visas or authorisations held do not serve (C): one problem is worded by its
    key; several (two visas for one document) are their English sentences joined."""
    message = "; ".join(p.message for p in problems)
    if len(problems) > 1:
        return Reason("C", message)
    return Reason("C", message, key=problems[0].key, params=problems[0].params)


def _needed(check: Check, number: str, others: Sequence[str]) -> tuple[tuple[str, Param], ...]:
    return (("nationality", Nationality(check.document.nationality)),
            ("regime", check.regime.name), ("number", number), ("others", ", ".join(others)))


def _authorization_reasons(check: Check) -> list[Reason]:
    number = check.document.document_number
    on = check.on
    mine = [a for a in check.authorizations if a.document_number == number]
    if any(a.valid_on(on) and a.problem_in(check.state) is None for a in mine):
        return []
    elsewhere = [p for a in mine if a.valid_on(on) for p in [a.problem_here(check.state)] if p]
    if elsewhere:
        return [_permit_reason(elsewhere)]
    if mine:
        spans = ", ".join(f"{a.valid_from} to {a.valid_to}" for a in mine)
        runs = tuple((a.valid_from, a.valid_to) for a in mine)
        return [Reason("C", f"the travel authorisation for document {number} is valid {spans}",
                       key="authorization_not_valid_today",
                       params=(("number", number), ("spans", runs)))]
    others = sorted({a.document_number for a in check.authorizations})
    tied = (
        f"; an authorisation is tied to its document, and the one held is for {', '.join(others)}"
        if others
        else ""
    )
    return [
        Reason(
            "C",
            f"nationals of {check.document.nationality} need a travel authorisation under "
            f"{check.regime.name}, and none is valid for document {number}{tied}",
            key="authorization_needed" + ("_held_for_others" if others else ""),
            params=_needed(check, number, others),
        )
    ]


# -- exit ------------------------------------------------------------------------------------


def _of_current_stay(check: Check, overstays: Sequence[Overstay]) -> list[Overstay]:
    """The overstay days of the stay this exit ends (the stay that reaches the day of exit)."""
    current = [s for s in check.history if s.entry <= check.on <= s.exit]
    if not current:
        return []
    entry = min(s.entry for s in current)
    return [
        Overstay(max(o.first, entry), o.last) for o in overstays if o.last >= entry
    ]


def _exit_reasons(rule: NationalityRule, overstays: Sequence[Overstay]) -> list[Reason]:
    if not overstays:
        return []
    days = sum(o.days for o in overstays)
    runs = ", ".join(f"{o.first} to {o.last}" for o in overstays)
    limits = []
    params: list[tuple[str, Param]] = [("days", days)]
    if rule.stay is not None:
        limits.append(f"{rule.stay.limit} days in any {rule.stay.window}")
        params += [("limit", rule.stay.limit), ("window", rule.stay.window)]
    if rule.per_entry is not None:
        limits.append(f"{rule.per_entry} days per stay")
        params.append(("per_entry", rule.per_entry))
    kinds = ("window" if rule.stay is not None else "") + (
        "_per_entry" if rule.per_entry is not None else "")
    params.append(("runs", tuple((o.first, o.last) for o in overstays)))
    return [
        Reason(
            "F",
            f"overstay of {days} days beyond {' and '.join(limits)} ({runs}); the exit ends it",
            refuses=False, key=f"overstay_at_exit_{kinds.strip('_')}", params=tuple(params),
        )
    ]
