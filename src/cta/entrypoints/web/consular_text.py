"""The consular console's words for the codes the use cases give (statuses, refusal grounds,
history steps, opinions), marked for the catalogs, and the time left before a deadline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from cta.entrypoints.web.i18n import LANGUAGES, N_, Language

__all__ = ["ACTIONS", "ACTORS", "FORM_FIELDS", "GROUNDS", "OPINIONS", "STATUSES", "form_rows",
           "time_left"]

STATUSES = {
    "processing": N_("being checked"),
    "manual": N_("waiting for an officer"),
    "information_requested": N_("information requested"),
    "granted": N_("granted"),
    "refused": N_("refused"),
    "annulled": N_("annulled"),
    "revoked": N_("revoked"),
    "open": N_("open"),
    "answered": N_("answered"),
    "lapsed": N_("lapsed: counts as no objection"),
}

# the standard grounds (cta.domain.applications.REFUSAL_GROUNDS), as the form words them
GROUNDS = {
    "invalid_document": N_("The travel document is reported lost, stolen, misappropriated or "
                           "invalidated."),
    "security_risk": N_("The applicant poses a security risk."),
    "illegal_immigration_risk": N_("The applicant poses an illegal immigration risk."),
    "alert_refusal_of_entry": N_("The applicant is the subject of an alert for refusal of "
                                 "entry."),
    "no_reply": N_("The applicant did not answer a request for information or attend an "
                   "interview in time."),
    "doubts": N_("There are reasonable and serious doubts about the data, the statements or "
                 "the supporting documents given."),
    "purpose_not_justified": N_("The purpose and conditions of the intended stay were not "
                                "justified."),
    "no_means_of_subsistence": N_("Sufficient means of subsistence were not shown."),
    "stay_used": N_("The applicant has already stayed 90 days in the current 180-day period."),
    "no_insurance": N_("No adequate and valid travel medical insurance was shown."),
    "intention_to_leave": N_("The intention to leave the area before the visa expires could "
                             "not be ascertained."),
}  # fmt: skip

ACTIONS = {
    "submitted": N_("submitted"),
    "queued for a consular officer": N_("queued for a consular officer"),
    "claimed": N_("claimed"),
    "granted": N_("granted"),
    "refused": N_("refused"),
    "information requested": N_("information requested"),
    "information given": N_("information given"),
    "invited to an interview": N_("invited to an interview"),
    "annulled": N_("annulled"),
    "revoked": N_("revoked"),
    "appeal lodged": N_("appeal lodged"),
    "appeal allowed": N_("appeal allowed"),
    "appeal dismissed": N_("appeal dismissed"),
    # what the page says it has just done (?done=)
    "claim": N_("You claimed this application."),
    "grant": N_("The application is granted."),
    "refuse": N_("The application is refused."),
    "information": N_("The questions were sent to the applicant."),
    "interview": N_("The applicant is invited to an interview."),
    "consult": N_("The member state is consulted."),
    "end": N_("The decision is ended."),
    "appeal": N_("The appeal is recorded."),
    "appeal-outcome": N_("The appeal's outcome is recorded."),
}

OPINIONS = {"positive": N_("positive: no objection"), "negative": N_("negative: objects")}

# who took a step in an application's history when no member of staff did
# (cta.services.applications: APPLICANT, and the automatic processing's actor)
ACTORS = {"applicant": N_("the applicant"), "automatic processing": N_("automatic processing")}


def time_left(lang: Language, due: datetime, now: datetime) -> str:
    """``2 days 4 hours left`` before ``due``, or ``1 day 3 hours overdue`` after it."""
    seconds = int((due - now).total_seconds())
    hours = abs(seconds) // 3600
    days, hours = divmod(hours, 24)
    parts = []
    if days:
        parts.append(lang.ngettext("%(n)s day", "%(n)s days", days))
    if hours or not days:
        parts.append(lang.ngettext("%(n)s hour", "%(n)s hours", hours))
    span = " ".join(parts)
    if seconds < 0:
        return lang.gettext("%(time)s overdue", time=span)
    return lang.gettext("%(time)s left", time=span)


# the application form's fields (POST /v1/applications) as the officer reads them, in the
# order of the traveller's pages, each with how its value is written: the questions are the
# words of the traveller's "check your answers" page
FORM_FIELDS: tuple[tuple[str, str, str], ...] = (
    ("email", N_("Email address"), "text"),
    ("phone", N_("Telephone number"), "text"),
    ("address", N_("Home address"), "text"),
    ("birth_place", N_("Place of birth"), "text"),
    ("occupation", N_("Occupation"), "text"),
    ("other_names", N_("Other names"), "text"),
    ("parents_first_names", N_("Parents' first names"), "text"),
    ("education", N_("Education"), "text"),
    ("other_nationalities", N_("Other nationalities"), "country"),
    ("residence_country", N_("Country of residence"), "country"),
    ("residence_city", N_("City of residence"), "text"),
    ("answers.convictions", N_("Convictions in the last 10 years"), "flag"),
    ("answers.conflict_zones", N_("Stays in war or conflict zones in the last 10 years"), "flag"),
    ("answers.removal_orders", N_("Orders to leave a country in the last 10 years"), "flag"),
    ("purpose", N_("Purpose of the journey"), "text"),
    ("arrival", N_("Arrival date"), "date"),
    ("departure", N_("Departure date"), "date"),
    ("entries", N_("Entries"), "entries"),
    ("duration_days", N_("Days of stay"), "number"),
    ("accommodation", N_("Where you will stay"), "text"),
    ("means_of_subsistence", N_("How you will pay for your stay"), "text"),
    ("travel_medical_insurance", N_("Travel medical insurance"), "flag"),
    ("previous_visas", N_("Previous visas"), "text"),
    ("first_state", N_("First member state of entry"), "country"),
    ("language", N_("Language of the application"), "language"),
)
_ENTRIES = {"1": N_("One"), "2": N_("Two"), "multiple": N_("Multiple")}
_SHOWN_ELSEWHERE = {"mrz", "kind"}  # the MRZ above the answers, the kind in the summary


def form_rows(lang: Language, form: dict[str, Any]) -> list[tuple[str, str]]:
    """The form's answers as (question, answer) in the page's language: yes and no, dates and
    countries as the language writes them; a field this list does not know keeps its name."""
    rows = []
    known = set()
    for key, label, kind in FORM_FIELDS:
        head, _, tail = key.partition(".")
        known.add(head)
        if head not in form:
            continue
        value = (form[head] or {}).get(tail) if tail else form[head]
        rows.append((lang.gettext(label), _written(lang, value, kind)))
    rows += [(key, _written(lang, value, "text")) for key, value in sorted(form.items())
             if key not in known | _SHOWN_ELSEWHERE and not key.startswith("_")]  # fmt: skip
    return rows


def _written(lang: Language, value: Any, kind: str) -> str:
    if value is None or value == [] or value == "":
        return "–"
    if isinstance(value, list | tuple):
        return ", ".join(_written(lang, v, kind) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_written(lang, v, 'text')}" for k, v in sorted(value.items()))
    if kind == "flag" or isinstance(value, bool):
        return lang.gettext(N_("Yes") if value else N_("No"))
    if kind == "date":
        try:
            return lang.date(date.fromisoformat(str(value)))
        except ValueError:
            return str(value)
    if kind == "country":
        return lang.country(str(value))
    if kind == "entries":
        return lang.gettext(_ENTRIES[str(value)]) if str(value) in _ENTRIES else str(value)
    if kind == "language":
        return LANGUAGES.get(str(value), str(value))
    if kind == "number" and isinstance(value, int):
        return lang.number(value)
    return str(value)
