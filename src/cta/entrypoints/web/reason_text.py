"""A check's reasons and a record's anomalies in the page's language.

The domain gives each reason (``cta.domain.checks.Reason``) and anomaly
(``cta.domain.travellers.CrossingAnomaly``) its English sentence, which the API keeps, and a
key with the values it was made from. A page words a known key from its catalog, the days as
the page writes days, a country by its name, an alert's category in the officer's words; what
the domain took from elsewhere in English (an issuer's instruction) stays in English, marked
so; the MRZ reader's problems and a hit's screening reasons are worded each by its key. A
reason with no key, or a key no catalog knows, is shown as its English sentence, marked
``lang="en"``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from babel.numbers import format_decimal
from markupsafe import Markup, escape

from cta.domain.alerts import AlertCategory
from cta.domain.checks import InEnglish, Nationality, Reason
from cta.domain.documents import IssuesInEnglish, MRZIssue
from cta.domain.documents.charset import DIGITS
from cta.domain.screening.reasons import (
    SEPARATOR,
    HitReason,
    pair_kind,
    pairs_of,
    read_reason,
)
from cta.domain.travellers import CrossingAnomaly
from cta.entrypoints.web.consular_text import OPINIONS, STATUSES
from cta.entrypoints.web.i18n import N_, Language
from cta.entrypoints.web.officer_view import ALERT_CATEGORIES, OUTCOMES

__all__ = ["ANOMALIES", "HIT_REASONS", "MRZ_CHECK_DIGITS", "MRZ_ISSUES", "QUESTIONS", "REASONS",
           "REVIEWS", "anomaly_lines", "anomaly_text", "english", "hit_reason_text",
           "hit_reasons_text", "mrz_issue_text", "mrz_issues_text", "reason_text",
           "recorded_anomaly_text", "refusal_text", "review_text", "worded"]

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
    # cta.domain.visas: what the scan of the visa's MRZ beside the passport tells (reasons D)
    "visa_mrz_invalid": N_("the visa's machine readable zone fails validation: %(problems)s"),
    "visa_not_issued_in_area": N_("visa %(number)s was not issued in the area (no such visa in "
                                  "this node's records: unknown, revoked, or not yet received "
                                  "from its state)"),
    "visa_differs": N_("visa %(number)s differs from the visa issued: %(differences)s"),
    "visa_for_other_document": N_("visa %(number)s was issued for document %(issued)s, not for "
                                  "the document presented, %(presented)s"),
    "visa_for_other_person": N_("visa %(number)s was issued to another person: "
                                "%(differences)s"),
}
# a visa's fields as the scan's reasons name them (cta.domain.visas), and how each difference
# between two of them is said
_VISA_FIELDS: Mapping[str, str] = {
    "document code": N_("document code"), "issuing state": N_("issuing state"),
    "surname": N_("surname"), "given names": N_("given names"), "visa number": N_("visa number"),
    "nationality": N_("nationality"), "birth date": N_("birth date"), "sex": N_("sex"),
    "valid-until date": N_("valid-until date"), "optional data": N_("optional data"),
}  # fmt: skip
_DIFFERENCES: Mapping[str, str] = {
    "visa_differs": N_("%(field)s %(read)s (issued: %(other)s)"),
    "visa_for_other_person": N_("%(field)s %(read)s on the visa, %(other)s in the passport"),
}
_LINES_DIFFER = N_("the lines differ in their fillers or check digits")

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


def reason_text(lang: Language, reason: Reason | str) -> Markup:
    """A check's reason in ``lang``; its English message when its key has no wording. A
    possible match's screening reasons (joined in ``why``) are each worded when they read back
    (``hit_reasons_text``). A string is one of a hit's reasons (``hit_reason_text``: the
    console's template words both with this one function)."""
    if isinstance(reason, str):
        return hit_reason_text(lang, reason)
    wording = REASONS.get(reason.key)
    if wording is None:
        return english(reason.message)
    params = reason.params
    if reason.key == "alert_may_match":
        params = tuple((name, hit_reasons_text(lang, str(value)) if name == "why" else value)
                       for name, value in params)  # fmt: skip
    if reason.key in _DIFFERENCES:
        try:
            params = tuple((name, _differences_text(lang, reason.key, value)
                            if name == "differences" else value) for name, value in params)
        except (KeyError, TypeError, ValueError):  # a field this page does not know
            return english(reason.message)
    return worded(lang, wording, params)


def _differences_text(lang: Language, key: str, differences: Any) -> Markup:
    """A visa's differing fields (``cta.domain.visas``: words, one value, the other), each in
    ``lang``, joined as the message joins them."""
    said = []
    for field, read, other in differences:
        if field == "lines":
            said.append(Markup(escape(lang.gettext(_LINES_DIFFER))))
        else:
            said.append(worded(lang, _DIFFERENCES[key], [
                ("field", lang.gettext(_VISA_FIELDS[field])), ("read", read),
                ("other", other)]))  # fmt: skip
    return Markup("; ").join(said)


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
    if isinstance(value, Markup):  # worded already
        return value
    if isinstance(value, IssuesInEnglish) and hasattr(value, "issues"):  # the MRZ's problems
        return mrz_issues_text(lang, value.issues)
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
    if name == "why":  # the screening's reasons for the hit, joined
        return hit_reasons_text(lang, value)
    if name in ("reason", "reasons"):
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


# -- the screening's reasons for a hit (cta.domain.screening.reasons) ------------------------
# A hit's reasons are ``HitReason``s (a key and values beside the English sentence) when they
# come from the screening; joined into a check's or a review's message, each is read back from
# its sentence (``read_reason``: only when its values make that sentence again).

HIT_REASONS: Mapping[str, str] = {
    "document_on_alert": N_("document number %(number)s is on the alert"),
    "document_near_miss": N_("document number %(number)s differs from the alert's %(theirs)s "
                             "only in characters OCR confuses (0/O/D, 1/I/L, 8/B, 5/S, 2/Z, "
                             "6/G): a near miss"),
    "no_name_match": N_("no name part matches"),
    "names_written_together": N_("names match (%(score)s): %(ours)s written together is "
                                 "%(theirs)s written together (typed as one word or the space "
                                 "misplaced)"),
    "names_match": N_("names match (%(score)s): %(pairs)s"),
    "only_slips_count": N_("no birth date to compare: only the same name up to slips of typing "
                           "and transliteration counts"),
    "first_given_names_differ": N_("no birth date to compare: a second given name alone is no "
                                   "match (the first given names must agree)"),
    "alert_names_not_on_document": N_("the alert's %(names)s not on the document"),
    "document_names_not_in_alert": N_("the document's %(names)s not in the alert"),
    "alert_gives_no_birth_date": N_("the alert gives no birth date"),
    "traveller_birth_date_unknown": N_("the traveller's birth date is unknown"),
    "birth_year_one_digit_apart": N_("born %(year)s, the alert says %(theirs)s: one digit "
                                     "apart, day and month agree"),
    "birth_year_differs": N_("born %(year)s, the alert says %(theirs)s"),
    "birth_day_month_swapped": N_("birth day and month swapped"),
    "birth_month_one_digit_apart": N_("birth month %(month)s, the alert says %(theirs)s (one "
                                      "digit apart)"),
    "birth_month_differs": N_("birth month %(month)s, the alert says %(theirs)s"),
    "birth_dates_agree": N_("birth dates agree (%(date)s)"),
    "birth_day_one_digit_apart": N_("birth day %(day)s, the alert says %(theirs)s (one digit "
                                    "apart)"),
    "birth_day_differs": N_("birth day %(day)s, the alert says %(theirs)s"),
    "birth_years_agree": N_("birth years agree (%(year)s)"),
    "nationality_agrees": N_("nationality %(nationality)s agrees"),
    "nationality_differs": N_("nationality %(nationality)s, the alert says %(theirs)s"),
    "sex_differs": N_("sex %(sex)s, the alert says %(theirs)s"),
}
# how ``names_match`` says each pair of name parts (``pair_kind``)
_PAIRS: Mapping[str, str] = {
    "variant": N_("%(ours)s ≈ %(theirs)s (spelling variant)"),
    "similar": N_("%(ours)s ~ %(theirs)s (similar, %(score)s)"),
}
_SEXES: Mapping[str, str] = {"M": N_("male"), "F": N_("female")}
# the values of each key, by name, in the order the domain gives them (``*``: the rest)
_HIT_VALUES: Mapping[str, tuple[str, ...]] = {
    "document_on_alert": ("number",), "document_near_miss": ("number", "theirs"),
    "names_written_together": ("score", "ours", "theirs"), "names_match": ("score", "*pairs"),
    "alert_names_not_on_document": ("*names",), "document_names_not_in_alert": ("*names",),
    "birth_year_one_digit_apart": ("year", "theirs"), "birth_year_differs": ("year", "theirs"),
    "birth_month_one_digit_apart": ("month", "theirs"),
    "birth_month_differs": ("month", "theirs"), "birth_dates_agree": ("year", "month", "day"),
    "birth_day_one_digit_apart": ("day", "theirs"), "birth_day_differs": ("day", "theirs"),
    "birth_years_agree": ("year",), "nationality_agrees": ("nationality",),
    "nationality_differs": ("nationality", "*theirs"), "sex_differs": ("sex", "theirs"),
}  # fmt: skip


def hit_reason_text(lang: Language, why: str) -> Markup:
    """One of a hit's reasons in ``lang``; its English sentence, marked, when it has no key
    and does not read back, or its key has no wording."""
    reason = why if isinstance(why, HitReason) else read_reason(why)
    wording = HIT_REASONS.get(reason.key) if reason is not None else None
    if reason is None or wording is None:
        return english(why)
    return worded(lang, wording, _hit_params(lang, reason))


def hit_reasons_text(lang: Language, joined: str) -> Markup:
    """A hit's reasons as a check or a review joined them ("; "), each in ``lang``."""
    return Markup(SEPARATOR).join(hit_reason_text(lang, part) for part in joined.split(SEPARATOR))


def _hit_params(lang: Language, reason: HitReason) -> list[tuple[str, object]]:
    """A hit reason's values by name, each as ``lang`` writes it."""
    names = _HIT_VALUES.get(reason.key, ())
    values = reason.values
    params: list[tuple[str, object]] = []
    for at, name in enumerate(names):
        if name.startswith("*"):
            params.append((name[1:], _hit_value(lang, reason.key, name[1:], values[at:])))
        else:
            params.append((name, _hit_value(lang, reason.key, name, values[at])))
    if reason.key == "birth_dates_agree":
        params = [("date", _birth_date(lang, values))]
    return params


def _hit_value(lang: Language, key: str, name: str, value: object) -> object:
    if name == "pairs":
        return _pairs_text(lang, value)  # type: ignore[arg-type]
    if name == "names":
        return " ".join(map(str, value))  # type: ignore[call-overload]
    if name == "score":
        return _two_places(lang, value)
    if name in ("month", "day") or (name == "theirs" and key.startswith(("birth_month",
                                                                          "birth_day"))):
        return f"{value:02d}"
    if name in ("year",) or (name == "theirs" and key.startswith("birth_year")):
        return str(value)  # a year, never grouped (1 980)
    if name == "nationality" or (name == "theirs" and key.startswith("nationality")):
        codes = value if isinstance(value, tuple) else (value,)
        return ", ".join(lang.country(str(code)) for code in codes)
    if name == "sex" or key == "sex_differs":
        wording = _SEXES.get(str(value))
        return lang.gettext(wording) if wording else str(value)
    return str(value)


def _two_places(lang: Language, value: object) -> str:
    """A score as the English says it (two decimals), in ``lang``'s digits (0,87)."""
    return format_decimal(float(value), format="0.00", locale=lang.code)  # type: ignore[arg-type]


def _pairs_text(lang: Language, values: tuple[object, ...]) -> Markup:
    """``names_match``'s pairs of name parts, each as ``lang`` says it."""
    out = []
    for ours, theirs, similarity in pairs_of(values):  # type: ignore[arg-type]
        kind = pair_kind(similarity)
        if kind == "same":
            out.append(Markup("{} = {}").format(ours, theirs))
        else:
            out.append(worded(lang, _PAIRS[kind], [("ours", ours), ("theirs", theirs),
                                                    ("score", _two_places(lang, similarity))]))
    return Markup(", ").join(out)


def _birth_date(lang: Language, values: tuple[object, ...]) -> str:
    """The birth date both give, as ``lang`` writes a date (as the English does if not one)."""
    year, month, day = values
    try:
        return lang.date(date(year, month, day))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return f"{year}-{month:02d}-{day:02d}"


# -- the node's refusals a console meets (``CTAError.code`` and ``params``) -------------------
# The node refuses in English (the API's ``detail``); the refusals the consoles can meet carry a
# code and the values the sentence names. Any other is quoted as the node said it, marked.

REFUSALS: Mapping[str, str] = {
    # cta.services.applications: the consular console's actions
    "nothing_to_claim": N_("application %(number)s is %(status)s: nothing to claim"),
    "claimed_by_another": N_("application %(number)s is claimed by %(officer)s"),
    "claim_first": N_("application %(number)s is claimed by %(officer)s: claim it first"),
    "not_claimed": N_("application %(number)s is claimed by no one: claim it first"),
    "interview_not_waiting": N_("application %(number)s is %(status)s: an interview is for an "
                                "application waiting for an officer"),
    "only_a_refusal_is_appealed": N_("application %(number)s is %(status)s: only a refusal is "
                                     "appealed"),
    "no_appeal_waiting": N_("application %(number)s has no appeal waiting for its outcome"),
    "illegal_transition": N_("an application that is %(status)s cannot become %(to)s"),
    # cta.domain.travel_permits: the terms of a permit the consul grants
    "permit_ends_first": N_("the last day of validity is before the first"),
    "permit_end_passed": N_("the last day of validity, %(valid_to)s, has passed already"),
    "permit_too_long": N_("a permit is valid %(years)s years at most"),
    "permit_outlives_document": N_("the last day of validity, %(valid_to)s, is after the travel "
                                   "document expires (%(expiry)s): a permit does not outlive its "
                                   "document"),
    "permit_entries_without_days": N_("only a visa counts entries: give the days of stay too"),
    "permit_days_outside_validity": N_("the days of stay applied for (%(days)s) must be 1 to the "
                                       "%(span)s days of validity"),
    "permit_no_entries": N_("a visa allows one entry or more"),
    "permit_too_long_from_journey": N_(
        "the validity comes from the application's arrival (%(arrival)s) and departure "
        "(%(departure)s), and a permit is valid %(years)s years at most: give the first and "
        "last days of validity"),
    # cta.services.consultations: the consulted member's answer
    "consultation_answered": N_("consultation %(ref)s was answered already (%(opinion)s): an "
                                "opinion is given once"),
    # cta.services.node: the border officer's console
    "override_reason_needed": N_("the check decided %(outcome)s (%(letters)s): recording this "
                                 "entry needs the reason for overriding it"),
    "exit_never_refused": N_("exits are never refused"),
    "no_ground_to_refuse": N_("the check found no ground to refuse entry (it decided "
                              "%(outcome)s): give the refusal form's letters that apply"),
    "hit_not_current": N_("alert %(alert)s does not hit this traveller today: nothing to "
                          "decide"),
    "not_the_same_traveller": N_("document %(document)s belongs to person %(holder)s, who "
                                 "cannot be person %(person)s: their nationality, birth date or "
                                 "given names differ (a change of name keeps them)"),
    "crossed_together": N_("document %(document)s belongs to person %(holder)s, who cannot be "
                           "person %(person)s: both crossed on %(day)s, so they are two "
                           "travellers"),
    # cta.domain.visas: a passport's MRZ scanned in the visa's field
    "visa_mrz_not_a_visa": N_("the visa's lines are a %(type)s machine readable zone, not a "
                              "visa's (MRV-A or MRV-B, beginning with V): scan the passport in "
                              "the travel document's field"),
    "too_many_reads": N_("you have read personal data faster than this node allows; try again "
                         "in %(seconds)s s. This is recorded in the audit log."),
}
_REFUSAL_VALUES: Mapping[str, Mapping[str, str]] = {  # values said by a table of words
    "status": STATUSES, "to": STATUSES, "opinion": OPINIONS, "outcome": OUTCOMES}


def refusal_text(lang: Language, refused: BaseException) -> Markup:
    """A node's refusal in ``lang`` by its code; as the node said it (English, marked) when it
    has none, the code has no wording, or a value is missing or not known."""
    wording = REFUSALS.get(getattr(refused, "code", ""))
    given: Mapping[str, object] = getattr(refused, "params", {})
    if wording is None:
        return english(str(refused))
    params: list[tuple[str, object]] = []
    for name in re.findall(r"%\((\w+)\)s", wording):
        value = given.get(name)
        words = _REFUSAL_VALUES.get(name)
        if value is None or (words is not None and value not in words):
            return english(str(refused))
        params.append((name, lang.gettext(words[str(value)]) if words is not None else value))
    return worded(lang, wording, params)


# -- the MRZ reader's problems (cta.domain.documents: ``MRZIssue.key`` and ``params``) ----------
# A check that finds the MRZ wrong quotes its issues (``mrz_invalid``); each is worded by its key
# from the values it was made from, its place from its line and positions. The characters of
# the MRZ are quoted as the English quotes them ('O'); an issue with no key, or values the page
# cannot say, is its English sentence, marked.

MRZ_ISSUES: Mapping[str, str] = {
    "not_a_date": N_("%(field)s %(raw)s is not a calendar date: %(problem)s (%(where)s)"),
    "character_not_allowed": N_("%(field)s has %(found)s at %(where)s where %(expected)s is "
                                "expected"),
    "single_name_as_given_names": N_(
        "name field begins with '<<': a single name is printed as the secondary identifier "
        "(given names), where ICAO 9303 puts it in the primary one (surname); read as given "
        "names with no surname (%(where)s)"),
    "no_primary_identifier": N_("name field begins with '<': the primary identifier is missing "
                                "(%(where)s)"),
    "code_not_letters": N_("%(field)s %(code)s is not a code of 1-3 letters followed by '<' "
                           "(%(where)s)"),
    "code_unknown": N_("%(field)s %(code)s is not a known ICAO 9303 code (%(where)s)"),
    "sex_not_m_f": N_("sex is %(found)s, expected 'M', 'F' or '<' (%(where)s)"),
    "document_code_first_letter": N_("document code %(code)s must begin with %(letters)s on a "
                                     "%(kind)s (%(source)s) (%(where)s)"),
    "document_code_not_allowed": N_("document code %(code)s is not allowed on a %(kind)s "
                                    "(%(source)s) (%(where)s)"),
    "long_number_unfinished": N_(
        "document number check digit is '<' (%(where)s) but no continuation of a long document "
        "number with its check digit and '<' follows (%(after)s)"),
}
# ``check_digit``, by the field the digit guards
MRZ_CHECK_DIGITS: Mapping[str, str] = {
    "document number": N_("document number check digit is %(printed)s, expected %(expected)s "
                          "(%(where)s)"),
    "birth date": N_("birth date check digit is %(printed)s, expected %(expected)s "
                     "(%(where)s)"),
    "expiry date": N_("expiry date check digit is %(printed)s, expected %(expected)s "
                      "(%(where)s)"),
    "personal number": N_("personal number check digit is %(printed)s, expected %(expected)s "
                          "(%(where)s)"),
    "composite": N_("composite check digit is %(printed)s, expected %(expected)s (%(where)s)"),
}
_MRZ_FIELDS: Mapping[str, str] = {
    "name": N_("name"), "document number": N_("document number"),
    "birth date": N_("birth date"), "expiry date": N_("expiry date"),
    "optional data": N_("optional data"), "document code": N_("document code"),
    "issuing state": N_("issuing state"), "nationality": N_("nationality"),
}  # fmt: skip
_MRZ_EXPECTED: Mapping[str, str] = {
    "a digit": N_("a digit"), "a letter or '<'": N_("a letter or '<'"),
    "A-Z, 0-9 or '<'": N_("A-Z, 0-9 or '<'"),
}  # fmt: skip
_MRZ_SOURCES: Mapping[str, str] = {
    "Part 4 §4.2.2.1": N_("Part 4 §4.2.2.1"), "Part 5 note k": N_("Part 5 note k"),
    "Part 6 note k": N_("Part 6 note k"), "Part 7 §4.2.2.1": N_("Part 7 §4.2.2.1"),
    "Part 7 §7.2.2.1": N_("Part 7 §7.2.2.1"),
}  # fmt: skip
_DATE_PROBLEMS: Mapping[str, str] = {
    "month_not_01_12": N_("month %(month)s is not 01-12"),
    "day_not_01_31": N_("day %(day)s is not 01-31"),
    "day_not_in_month": N_("day %(day)s does not exist in month %(month)s"),
    "not_a_leap_year": N_("%(year)s is not a leap year"),
    "no_such_date": N_("it does not exist"),
}
# what some issues add after their sentence, by what the issue's values say
_MRZ_NOTES: Mapping[str, str] = {
    "not_mrz_character": N_("; %(printed)s is not an MRZ character"),
    "not_a_digit": N_("; a check digit must be a digit"),
    "confusions": N_("; likely an OCR confusion: %(hints)s"),
    "lowercase": N_(" (lowercase letters are not MRZ characters)"),
    "character_not_mrz": N_(" (%(found)s is not an MRZ character)"),
    "ocr": N_(" (OCR confusion with %(likely)s?)"),
    "instead": N_("; an MRZ writes %(instead)s instead"),
    "x": N_("; 'X' is printed only in the visual zone, the MRZ uses '<' (Part 4 note p)"),
}
_HINT = N_("%(found)s at %(where)s may be %(instead)s")
_OR = N_("%(first)s or %(second)s")
_ONE_PLACE = N_("line %(line)s position %(position)s")  # a character in a field


def mrz_issue_text(lang: Language, issue: MRZIssue) -> Markup:
    """One of the MRZ reader's issues in ``lang``; its English sentence, marked, when it has no
    key or values the page cannot say."""
    params = dict(issue.params)
    if issue.key == "check_digit":
        wording = MRZ_CHECK_DIGITS.get(str(params.get("field")))
    else:
        wording = MRZ_ISSUES.get(issue.key)
    if wording is None or issue.line is None or issue.positions is None:
        return english(issue.message)
    try:
        values = _mrz_values(lang, issue.key, params, issue.line, issue.positions)
        return worded(lang, wording, values) + _mrz_notes(lang, issue.key, params)
    except (KeyError, TypeError, ValueError):  # values this page does not know
        return english(issue.message)


def mrz_issues_text(lang: Language, issues: Sequence[MRZIssue]) -> Markup:
    """A document's issues as a check joins them ("; "), each in ``lang``."""
    return Markup("; ").join(mrz_issue_text(lang, issue) for issue in issues)


def _mrz_values(lang: Language, key: str, params: Mapping[str, Any], line: int,
                positions: tuple[int, int]) -> list[tuple[str, object]]:  # fmt: skip
    """An issue's values by name, as ``lang`` says them."""
    first, last = positions
    if key == "character_not_allowed":
        where = lang.gettext(_ONE_PLACE, line=line, position=first)
    else:
        where = _place(lang, (line, first, last))
    values: list[tuple[str, object]] = [("where", where)]
    for name, value in params.items():
        if name == "field" and key != "check_digit":
            values.append((name, lang.gettext(_MRZ_FIELDS[value])))
        elif name == "printed":
            values.append((name, value if value in DIGITS else repr(value)))
        elif name == "expected":
            values.append((name, str(value) if key == "check_digit" else
                           lang.gettext(_MRZ_EXPECTED[value])))  # fmt: skip
        elif name in ("found", "code") and key != "not_a_date":
            values.append((name, repr(value)))
        elif name == "problem":
            values.append((name, _date_problem(lang, value, params)))
        elif name == "letters":
            values.append((name, _or(lang, list(value))))
        elif name == "source":
            values.append((name, lang.gettext(_MRZ_SOURCES[value])))
        elif name == "after":
            values.append((name, _place(lang, value)))
        else:  # a date's digits as printed, a document type (TD3)
            values.append((name, str(value)))
    return values


def _mrz_notes(lang: Language, key: str, params: Mapping[str, Any]) -> Markup:
    """What the issue adds after its sentence (an OCR look-alike, a lowercase letter...)."""
    notes: list[tuple[str, list[tuple[str, object]]]] = []
    note = params.get("note") or params.get("flaw") or ""
    if key == "check_digit" and note:
        notes.append((note, [("printed", repr(params["printed"]))]))
    if key == "check_digit" and params.get("confusions"):
        hints = [worded(lang, _HINT, [("found", repr(found)), ("instead", repr(instead)),
                                      ("where", lang.gettext(_ONE_PLACE, line=at_line,
                                                             position=at))])
                 for found, at_line, at, instead in params["confusions"]]  # fmt: skip
        notes.append(("confusions", [("hints", _or(lang, hints))]))
    if key == "character_not_allowed" and note == "ocr":
        notes.append((note, [("likely", _or(lang, [repr(c) for c in params["likely"]]))]))
    elif key == "character_not_allowed" and note:
        notes.append(("character_not_mrz" if note == "not_mrz_character" else note,
                      [("found", repr(params["found"]))]))  # fmt: skip
    if key == "code_unknown" and params.get("instead"):
        notes.append(("instead", [("instead", repr(params["instead"]))]))
    if key == "sex_not_m_f" and note:
        notes.append((note, []))
    text = Markup("").join(worded(lang, _MRZ_NOTES[name], values) for name, values in notes)
    more = params.get("more", 0) if key == "character_not_allowed" else 0
    if more:
        text += escape(lang.ngettext("; %(n)s more character of this field not allowed",
                                     "; %(n)s more characters of this field not allowed", more))
    return text


def _place(lang: Language, where: tuple[int, int, int]) -> str:
    """A place on the MRZ (line, first and last position) as the reader says it."""
    line, first, last = where
    if first == last:
        return lang.gettext(N_("line %(line)s, position %(position)s"), line=line,
                            position=first)
    return lang.gettext(N_("line %(line)s, positions %(first)s-%(last)s"), line=line,
                        first=first, last=last)


def _date_problem(lang: Language, problem: str, params: Mapping[str, Any]) -> str:
    """Why a date is no calendar date, in ``lang`` (a month or day in two digits)."""
    values = {name: f"{params[name]:02d}" for name in ("month", "day") if name in params}
    if "year" in params:
        values["year"] = str(params["year"])
    return lang.gettext(_DATE_PROBLEMS[problem], **values)


def _or(lang: Language, items: Sequence[str | Markup]) -> Markup:
    """Items joined as alternatives ("'O' or 'Q'"), in ``lang``."""
    if not items:
        raise ValueError("no alternatives")
    joined = Markup(escape(items[0]))
    for item in items[1:]:
        joined = worded(lang, _OR, [("first", joined), ("second", item)])
    return joined
