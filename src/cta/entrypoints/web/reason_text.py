"""A check's reasons and a record's anomalies in the page's language.

The domain gives each reason (``cta.domain.checks.Reason``) and anomaly
(``cta.domain.travellers.CrossingAnomaly``) its English sentence, which the API keeps, and a
key with the values it was made from. A page words a known key from its catalog, the days as
the page writes days, a country by its name, an alert's category in the officer's words; what
the domain took from elsewhere in English (the MRZ parser's problems, an alert's screening,
an issuer's instruction) stays in English, marked so. A reason with no key, or a key no
catalog knows, is shown as its English sentence, marked ``lang="en"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from markupsafe import Markup, escape

from cta.domain.alerts import AlertCategory
from cta.domain.checks import InEnglish, Nationality, Reason
from cta.domain.travellers import CrossingAnomaly
from cta.entrypoints.web.consular_text import STATUSES
from cta.entrypoints.web.i18n import N_, Language
from cta.entrypoints.web.officer_view import ALERT_CATEGORIES

__all__ = ["ANOMALIES", "QUESTIONS", "REASONS", "REVIEWS", "anomaly_lines", "anomaly_text",
           "english", "reason_text", "recorded_anomaly_text", "review_text", "worded"]

# cta.domain.checks: each Reason's key, worded as its English message
REASONS: Mapping[str, str] = {
    "mrz_invalid": N_("the machine readable zone fails validation: %(problems)s"),
    "visa_not_a_travel_document": N_("a visa is not a travel document: present the passport"),
    "document_code_not_accepted": N_("document code %(code)s is not accepted (accepted: "
                                     "%(accepted)s)"),
    "expiry_date_unreadable": N_("expiry date %(raw)s cannot be read"),
    "document_expired": N_("the document expired on %(on)s"),
    "validity_after_planned_exit": N_("the document expires on %(expiry)s, less than "
                                      "%(months)s months after the planned exit %(day)s"),
    "validity_after_entry": N_("the document expires on %(expiry)s, less than %(months)s "
                               "months after the day of entry %(day)s"),
    "alert_matches": N_("alert %(alert)s (%(category)s) matches: %(why)s"),
    "alert_may_match": N_("alert %(alert)s (%(category)s) may match (score %(score)s: "
                          "%(why)s): confirm or dismiss the hit"),
    "alert_may_match_names": N_("alert %(alert)s (%(category)s) may match (score %(score)s: "
                                "names agree): confirm or dismiss the hit"),
    "alert_confirmed_refuse_entry": N_("alert %(alert)s (%(category)s) confirmed by an "
                                       "officer: entry is refused"),
    "alert_confirmed_invalidated_document": N_(
        "alert %(alert)s (%(category)s) confirmed by an officer: the document is invalidated "
        "(lost, stolen or revoked)"),
    "alert_confirmed_action": N_("alert %(alert)s (%(category)s) confirmed by an officer: "
                                 "%(action)s"),
    "alert_confirmed_act": N_("alert %(alert)s (%(category)s) confirmed by an officer: act as "
                              "the alert says"),
    "not_admitted": N_("nationals of %(nationality)s are not admitted under %(regime)s"),
    "visa_on_arrival": N_("needs a visa, to be issued on arrival"),
    "visa_needed": N_("nationals of %(nationality)s need a visa under %(regime)s, and none is "
                      "valid for document %(number)s"),
    "visa_needed_held_for_others": N_(
        "nationals of %(nationality)s need a visa under %(regime)s, and none is valid for "
        "document %(number)s (visas held are for document %(others)s)"),
    "e_visa_needed": N_("nationals of %(nationality)s need an e-visa under %(regime)s, and "
                        "none is valid for document %(number)s"),
    "e_visa_needed_held_for_others": N_(
        "nationals of %(nationality)s need an e-visa under %(regime)s, and none is valid for "
        "document %(number)s (visas held are for document %(others)s)"),
    "authorization_not_valid_today": N_("the travel authorisation for document %(number)s is "
                                        "valid %(spans)s"),
    "authorization_needed": N_("nationals of %(nationality)s need a travel authorisation under "
                               "%(regime)s, and none is valid for document %(number)s"),
    "authorization_needed_held_for_others": N_(
        "nationals of %(nationality)s need a travel authorisation under %(regime)s, and none "
        "is valid for document %(number)s; an authorisation is tied to its document, and the "
        "one held is for %(others)s"),
    "planned_exit_after_last_day": N_("the planned exit %(planned)s is after the last day of "
                                      "stay allowed, %(latest)s"),
    "stay_used": N_("has already stayed %(used)s days in the %(window)s days before %(on)s; "
                    "the limit is %(limit)s; the next entry is possible on %(again)s"),
    "overstay_at_exit_window": N_("overstay of %(days)s days beyond %(limit)s days in any "
                                  "%(window)s (%(runs)s); the exit ends it"),
    "overstay_at_exit_per_entry": N_("overstay of %(days)s days beyond %(per_entry)s days per "
                                     "stay (%(runs)s); the exit ends it"),
    "overstay_at_exit_window_per_entry": N_(
        "overstay of %(days)s days beyond %(limit)s days in any %(window)s and %(per_entry)s "
        "days per stay (%(runs)s); the exit ends it"),
    # cta.domain.travel_permits: why the one visa or authorisation held does not serve
    "visa_not_valid_here": N_("the visa for document %(number)s has a limited territorial "
                              "validity: it is valid only in %(states)s, not in %(state)s"),
    "authorization_not_valid_here": N_(
        "the travel authorisation for document %(number)s has a limited territorial validity: "
        "it is valid only in %(states)s, not in %(state)s"),
    "visa_not_yet_valid": N_("the visa for document %(number)s is valid only from %(from)s"),
    "visa_expired": N_("the visa for document %(number)s expired on %(on)s"),
    "visa_entries_used": N_("the visa for document %(number)s allowed %(entries)s entries, all "
                            "used"),
    "visa_days_used": N_("the visa for document %(number)s allowed %(days)s days of stay, all "
                         "used"),
}

# cta.domain.travellers: each CrossingAnomaly's code
ANOMALIES: Mapping[str, str] = {
    "exit_without_entry": N_("exit on %(day)s with no entry recorded before it"),
    "entry_without_exit": N_("entry on %(day)s while inside since %(since)s: no exit recorded"),
    "open_stay_at_entry": N_("entry while a stay since %(since)s has no exit"),
}
# the days each code's English message names, in their order there (the record's answer
# holds only the code and the message: its days are read back from it)
_ANOMALY_DAYS = {"exit_without_entry": ("day",), "entry_without_exit": ("day", "since"),
                 "open_stay_at_entry": ("since",)}  # fmt: skip
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")


def english(message: str) -> Markup:
    """Words shown as the node gave them, in English, marked so."""
    return Markup('<span lang="en">{}</span>').format(message)


def worded(lang: Language, wording: str, params: Sequence[tuple[str, object]]) -> Markup:
    """A catalog message (``wording``, marked with ``N_``) with its values in ``lang``."""
    text = Markup(escape(lang.gettext(wording)))
    return text % {name: _value(lang, value) for name, value in params}


def reason_text(lang: Language, reason: Reason) -> Markup:
    """A check's reason in ``lang``; its English message when its key has no wording."""
    wording = REASONS.get(reason.key)
    return english(reason.message) if wording is None else worded(lang, wording, reason.params)


def anomaly_text(lang: Language, anomaly: CrossingAnomaly) -> Markup:
    """A crossing's anomaly in ``lang``; its English message when its code has no wording or
    its days are not all given."""
    wording = ANOMALIES.get(anomaly.code)
    named = {name for name, _ in anomaly.params}
    if wording is None or not named >= set(_ANOMALY_DAYS.get(anomaly.code, ())):
        return english(anomaly.message)
    return worded(lang, wording, anomaly.params)


def anomaly_lines(lang: Language, outcome: Any) -> list[Markup]:
    """A check outcome's anomalies (``CheckOutcome``): worded when their codes came with
    them, else each English message."""
    coded: Sequence[CrossingAnomaly] = outcome.coded_anomalies
    if len(coded) != len(outcome.anomalies):
        return [english(a) for a in outcome.anomalies]
    return [anomaly_text(lang, a) for a in coded]


def recorded_anomaly_text(lang: Language, anomaly: Mapping[str, str]) -> Markup:
    """An anomaly of a record's answer (``{"code", "message"}``, the API's), in ``lang``."""
    code, message = anomaly.get("code", ""), anomaly.get("message", "")
    names = _ANOMALY_DAYS.get(code, ())
    days = [date(int(y), int(m), int(d)) for y, m, d in _ISO_DAY.findall(message)]
    if len(days) != len(names):
        return english(message)
    return anomaly_text(lang, CrossingAnomaly(code, message, tuple(zip(names, days,
                                                                        strict=True))))


def _value(lang: Language, value: object) -> str | Markup:
    """One value of a message, as ``lang`` writes it (escaped when the message is filled)."""
    if isinstance(value, InEnglish):
        return english(value)
    if isinstance(value, Nationality):
        return lang.country(value)
    if isinstance(value, AlertCategory):
        wording = ALERT_CATEGORIES.get(value.value)
        return lang.gettext(wording) if wording else value.value
    if isinstance(value, date):
        return lang.date(value)
    if isinstance(value, bool) or not isinstance(value, int | float | tuple):
        return str(value)
    if isinstance(value, tuple) and all(isinstance(v, Nationality) for v in value):
        return ", ".join(lang.country(v) for v in value)  # member states
    if isinstance(value, tuple):
        return ", ".join(lang.gettext(N_("%(from)s to %(to)s"), **{
            "from": lang.date(first), "to": lang.date(last)}) for first, last in value)
    return lang.number(value)


# -- the consular page: an application's review reasons -------------------------------------
# (cta.services.application_review). They are stored, and the API gives them, as a code and
# the English message only: the page reads the values back from the message by the code's
# pattern (the message as application_review words it), and shows it as is when it does not
# match.

# the background questions answered yes (application_review.QUESTIONS), as the page words them
QUESTIONS: Mapping[str, str] = {
    "a criminal conviction in the last 10 years (20 for terrorist offences)": N_(
        "a criminal conviction in the last 10 years (20 for terrorist offences)"),
    "a stay in a war or conflict zone in the last 10 years": N_(
        "a stay in a war or conflict zone in the last 10 years"),
    "an order to leave a member state or any EU/Schengen state in the last 10 years": N_(
        "an order to leave a member state or any EU/Schengen state in the last 10 years"),
}
_DAY = r"\d{4}-\d{2}-\d{2}"
_SPANS = rf"{_DAY} to {_DAY}(?:, {_DAY} to {_DAY})*"
_PAST = (r"(?P<number>\S+) (?P<outcome>refused|annulled|revoked) by (?P<origin>[A-Z]{3}): "
         r"(?P<reasons>.*)")
REVIEWS: Sequence[tuple[str, re.Pattern[str], str]] = (
    ("answer", re.compile(r"answered yes: (?P<question>.+)"), N_("answered yes: %(question)s")),
    ("alert_hit", re.compile(r"alert (?P<alert>\S+) \((?P<category>[a-z_]+)\), score "
                             r"(?P<score>\d+\.\d+): (?P<why>.*)", re.S),
     N_("alert %(alert)s (%(category)s), score %(score)s: %(why)s")),
    ("refusal_of_entry", re.compile(rf"refused entry at (?P<point>\S+) on (?P<on>{_DAY}) "
                                    r"\((?P<state>[A-Z]{3})\)"),
     N_("refused entry at %(point)s on %(on)s (%(state)s)")),
    ("overstay", re.compile(r"overstayed in the area"), N_("overstayed in the area")),
    ("overstay", re.compile(rf"overstayed in the area \((?P<spans>{_SPANS})\)"),
     N_("overstayed in the area (%(spans)s)")),
    ("screening_rule", re.compile(r"rule (?P<rule>\S+) \((?P<facts>[^)]*)\): (?P<reason>.*)",
                                  re.S), N_("rule %(rule)s (%(facts)s): %(reason)s")),
    ("past_application", re.compile(rf"visa application {_PAST}", re.S),
     N_("visa application %(number)s %(outcome)s by %(origin)s: %(reasons)s")),
    ("past_application", re.compile(rf"authorization application {_PAST}", re.S),
     N_("authorization application %(number)s %(outcome)s by %(origin)s: %(reasons)s")),
)


def review_text(lang: Language, reason: Mapping[str, Any]) -> Markup:
    """An application's review reason (``{"code", "message", "source"?}``) in ``lang``."""
    code, message = reason.get("code"), str(reason.get("message", ""))
    for known, pattern, wording in REVIEWS:
        found = pattern.fullmatch(message) if known == code else None
        if found is not None:
            params = [(name, _read(lang, name, value))
                      for name, value in found.groupdict().items()]  # fmt: skip
            if all(value is not None for _, value in params):
                return worded(lang, wording, params)
    return english(message)


def _read(lang: Language, name: str, value: str) -> object:
    """One value of a review reason's message, typed for ``worded`` (None: not understood)."""
    if name == "question":
        return lang.gettext(QUESTIONS[value]) if value in QUESTIONS else None
    if name == "category":
        return AlertCategory(value) if value in {c.value for c in AlertCategory} else None
    if name in ("why", "reason", "reasons"):
        return InEnglish(value)
    if name == "outcome":
        return lang.gettext(STATUSES[value])
    if name == "origin":
        return Nationality(value)
    if name == "score":
        return float(value)
    if name == "point":
        return lang.crossing_point(value)
    if name == "state":
        return Nationality(value)
    try:
        if name == "on":
            return date.fromisoformat(value)
        if name == "spans":
            return tuple((date.fromisoformat(first), date.fromisoformat(last))
                         for first, _, last in (s.partition(" to ") for s in value.split(", ")))
    except ValueError:
        return None
    return value
