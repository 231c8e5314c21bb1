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

from babel.numbers import format_decimal
from markupsafe import Markup, escape

from cta.domain.alerts import AlertCategory
from cta.domain.checks import InEnglish, Nationality, Reason
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

__all__ = ["ANOMALIES", "HIT_REASONS", "QUESTIONS", "REASONS", "REVIEWS", "anomaly_lines",
           "anomaly_text", "english", "hit_reason_text", "hit_reasons_text", "reason_text",
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
    return worded(lang, wording, params)


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
