"""What the border officer's pages show, built from the node's answers: the Annex V letters in
words, the decision's colour, how fresh the other states' records are, the traveller's timeline.

Nothing here reads or writes the node: ``officer.py`` calls the use cases and hands their answers
to these functions, which only arrange them for the templates.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cta.domain.stay_calendar import CalendarDay, calendar_end, stay_calendar
from cta.domain.stays import StayHistory
from cta.domain.travellers import CrossingDay, stays_from_crossings
from cta.entrypoints.web.i18n import N_, Language

__all__ = ["ALERT_CATEGORIES", "LETTERS", "OUTCOMES", "Event", "freshness", "mrz_lines",
           "reason_heading", "timeline", "window"]

# the grounds of the standard refusal form (Schengen Borders Code, Annex V Part B)
LETTERS: dict[str, str] = {
    "A": N_("has no valid travel document"),
    "B": N_("has a false, counterfeit or forged travel document"),
    "C": N_("has no valid visa, travel authorisation or residence permit"),
    "D": N_("has a false, counterfeit or forged visa or residence permit"),
    "E": N_("has no documents justifying the purpose and conditions of stay"),
    "F": N_("has already stayed 90 days in the current period of 180 days"),
    "G": N_("does not have sufficient means of subsistence"),
    "H": N_("is a person for whom an alert was issued to refuse entry"),
    "I": N_("is a threat to public policy, internal security, public health or the "
            "international relations of a member state"),
}
OTHER_ALERT = N_("an alert on this person that does not refuse entry: act as it says")


def reason_heading(reason: Any) -> tuple[str, bool]:
    """What a check's reason is headed with on the decision (its Annex V ground, in words),
    and whether an officer still has to decide it. An H of an alert that does not refuse
    entry (a discreet or specific check, a missing person, an arrest) is not ground H ("an
    alert issued to refuse entry"); and once an officer confirmed it there is nothing left
    to decide, only to act (the sweep of session 17)."""
    category = dict(reason.params).get("category")
    other = reason.code == "H" and category is not None and str(category) != "refuse_entry"
    heading = OTHER_ALERT if other else LETTERS.get(reason.code, reason.code)
    return heading, not reason.refuses and not reason.confirmed


# an alert's category (cta.domain.alerts.AlertCategory) in the officer's words
ALERT_CATEGORIES = {
    "refuse_entry": N_("refuse entry"),
    "arrest": N_("arrest"),
    "missing_person": N_("missing person"),
    "judicial_procedure": N_("wanted for a judicial procedure"),
    "discreet_check": N_("discreet check"),
    "specific_check": N_("specific check"),
    "invalidated_document": N_("invalidated document"),
}
OUTCOMES = {"admit": N_("Admit"), "refuse": N_("Refuse"), "refer": N_("Refer to second line")}
DIRECTIONS = {"entry": N_("Entry"), "exit": N_("Exit")}
MRZ_SHAPES = {(30, 30, 30), (36, 36), (44, 44)}  # TD1, TD2, TD3


def mrz_lines(text: str) -> list[str]:
    """The lines of an MRZ as typed or pasted: blank lines and spaces dropped, in capitals."""
    return [line.replace(" ", "").upper() for line in text.splitlines() if line.strip()]


def freshness(lang: Language, based_on: list[dict[str, Any]], own: str,
              now: datetime) -> list[str]:  # fmt: skip
    """For each other state, a sentence saying how recent its records here are."""
    said = []
    for head in based_on:
        origin = head.get("origin")
        if not origin or origin == own:
            continue
        at = head.get("last_record_at")
        if not at:
            said.append(lang.gettext("No records from %(state)s yet.", state=origin))
            continue
        minutes = max(0, int((now - datetime.fromisoformat(at)).total_seconds() // 60))
        if minutes < 120:
            ago = lang.ngettext("%(n)s minute ago", "%(n)s minutes ago", minutes)
        elif minutes < 48 * 60:
            ago = lang.ngettext("%(n)s hour ago", "%(n)s hours ago", minutes // 60)
        else:
            ago = lang.ngettext("%(n)s day ago", "%(n)s days ago", minutes // 1440)
        said.append(lang.gettext("Records from %(state)s up to %(ago)s.", state=origin, ago=ago))
    return said


@dataclass(frozen=True)
class Event:
    """One line of the traveller's timeline."""

    day: date
    kind: str  # entry, exit, refusal, visa, authorisation
    text: str
    detail: str = ""


def timeline(lang: Language, file: dict[str, Any]) -> list[Event]:
    """The file's crossings, refusals and permits, newest first."""
    events = []
    for c in file["crossings"]:
        where = lang.crossing_point(c["crossing_point"])
        state = lang.country(c["origin"]) if c.get("origin") else ""
        text = (lang.gettext("Entry at %(point)s", point=where) if c["direction"] == "entry"
                else lang.gettext("Exit at %(point)s", point=where))  # fmt: skip
        detail = lang.gettext("Recorded by %(state)s", state=state) if state else ""
        if c.get("override_reason"):
            detail = (detail + " · " if detail else "") + lang.gettext(
                "Against the check: %(why)s", why=c["override_reason"])
        events.append(Event(c["local_date"], c["direction"], text, detail))
    for r in file["refusals"]:
        letters = ", ".join(sorted({x["code"] for x in r["reasons"]}))
        text = lang.gettext("Entry refused at %(point)s (%(letters)s)",
                            point=lang.crossing_point(r["crossing_point"]), letters=letters)
        events.append(Event(r["local_date"], "refusal", text))
    for kind, rows, label in (("visa", file["visas"], N_("Visa valid from %(from)s to %(to)s")),
                              ("authorisation", file["authorizations"],
                               N_("Travel authorisation valid from %(from)s to %(to)s"))):
        for p in rows:
            where = p.get("territorial_validity")
            detail = (lang.gettext("Valid only in: %(states)s",
                                   states=", ".join(lang.country(s) for s in where))
                      if where else "")  # fmt: skip
            events.append(Event(p["valid_from"], kind, lang.gettext(
                label, **{"from": lang.date(p["valid_from"]), "to": lang.date(p["valid_to"])}),
                detail))  # fmt: skip
    return sorted(events, key=lambda e: e.day, reverse=True)


def window(file: dict[str, Any], on: date) -> tuple[CalendarDay, ...]:
    """The 180 days up to ``on`` (or to the open stay's end), each day counted (as the
    traveller's stay calculator draws them)."""
    days = [CrossingDay(c["direction"], c["local_date"]) for c in file["crossings"]
            if c["local_date"] <= on]  # fmt: skip
    found = stays_from_crossings(days, on)
    history = StayHistory(found.stays)
    last = calendar_end(on, max((s.exit for s in found.stays), default=None))
    return stay_calendar(history, last)
