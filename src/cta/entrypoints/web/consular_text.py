"""The consular console's words for the codes the use cases give (statuses, refusal grounds,
history steps, opinions), marked for the catalogs, and the time left before a deadline."""

from __future__ import annotations

from datetime import datetime

from cta.entrypoints.web.i18n import N_, Language

__all__ = ["ACTIONS", "GROUNDS", "OPINIONS", "STATUSES", "time_left"]

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
