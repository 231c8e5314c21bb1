"""What the policy workbench page shows, built from the workbench service's answers, in the
page's language: the rules, categories and stays in words, the rows of its tables, the sentences
saying where a trip goes over a limit.

The service answers in data (codes, numbers, ISO dates); its English sentences (``needs``,
``problems``) are for the CLI. The page says the same things again through the catalogs, so
they follow the language like every other word of it. Nothing here reads or writes anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from cta.entrypoints.web.i18n import N_, Language

__all__ = ["Table", "comparison", "impact", "needs", "stay", "trip"]

RULES = {"any": N_("any"), "majority": N_("majority"), "all": N_("all")}
CATEGORIES = {
    "free_movement": N_("free movement"), "authorization": N_("travel authorisation"),
    "visa_exempt": N_("visa-free"), "e_visa": N_("e-visa"),
    "visa_on_arrival": N_("visa on arrival"), "visa": N_("visa"),
    "no_admission": N_("not admitted"),
}  # fmt: skip
ACCESS = {"gain": N_("gain"), "same": N_("same"), "lose": N_("lose")}
COLOURS = {"gain": "#2e7d32", "lose": "#c62828"}


@dataclass(frozen=True)
class Table:
    """One table of the page: its id, caption, header and rows of text (``classes``: per row)."""

    id: str
    caption: str
    header: list[str]
    rows: list[list[str]]
    classes: list[str] = field(default_factory=list)
    days: list[str] = field(default_factory=list)  # each row's ISO date, when rows are days


def _day(lang: Language, iso: str) -> str:
    return lang.date(date.fromisoformat(iso), "medium")


def stay(lang: Language, rule: dict[str, Any], *, short: bool = False) -> str:
    """The stay a rule allows in words; ``short``: as inside "what to obtain" ("365 per
    entry" after a window, as ``cta.domain.access.stay_words`` says it)."""
    if rule["category"] == "free_movement":
        return lang.gettext("no limit")
    parts = []
    if rule["stay"]:
        parts.append(lang.gettext("%(limit)s days in any %(window)s",
                                  limit=lang.number(rule["stay"]["limit"]),
                                  window=lang.number(rule["stay"]["window"])))  # fmt: skip
    if rule["per_entry"]:
        n = lang.number(rule["per_entry"])
        parts.append(lang.gettext("%(n)s per entry", n=n) if parts and short
                     else lang.gettext("%(n)s days per entry", n=n))  # fmt: skip
    if parts:
        return "; ".join(parts)
    visa = rule["category"] in ("e_visa", "visa_on_arrival", "visa")
    return lang.gettext("set by the visa") if visa or not short else lang.gettext("no limit")


def needs(lang: Language, rule: dict[str, Any], *, union: bool = False) -> str:
    """What a traveller must obtain under a rule (``cta.domain.access.what_to_obtain``)."""
    category, words = rule["category"], stay(lang, rule, short=True)
    if category == "free_movement":
        return lang.gettext("nothing (free movement)")
    if category == "visa_exempt":
        return lang.gettext("nothing (visa-free, %(stay)s)", stay=words)
    if category == "authorization":
        return (lang.gettext("a travel authorisation before the first entry (%(stay)s)",
                             stay=words) if union
                else lang.gettext("a travel authorisation before travel (%(stay)s)", stay=words))
    if category == "e_visa":
        return lang.gettext("an e-visa before travel")
    if category == "visa_on_arrival":
        return lang.gettext("a visa on arrival at the border")
    if category == "visa":
        return (lang.gettext("a common visa from a consulate before the first entry") if union
                else lang.gettext("a visa from a consulate before travel"))  # fmt: skip
    return lang.gettext("not admitted")


def _union_row(lang: Language, rule: str) -> str:
    return lang.gettext("union, rule %(rule)s", rule=lang.gettext(RULES[rule]))


def _change(lang: Language, change: dict[str, Any]) -> str:
    extra = [lang.gettext("authorisation needed")] if change["new_authorization"] else []
    extra += {"lose": [lang.gettext("shorter stay")],
              "gain": [lang.gettext("longer stay")]}.get(change["stay"], [])  # fmt: skip
    access = lang.gettext(ACCESS[change["access"]])
    return access + (f" ({', '.join(extra)})" if extra else "")


def _in_force(lang: Language, union: dict[str, Any]) -> str:
    day = _day(lang, union["effective_from"])
    return (lang.gettext("The union's draft (%(regime)s) is in force from %(date)s.",
                         regime=union["regime"], date=day) if union["in_force"]
            else lang.gettext("The union's draft (%(regime)s), from %(date)s, is not in force "
                              "on that date: it is shown as if it were.",
                              regime=union["regime"], date=day))  # fmt: skip


def comparison(lang: Language, data: dict[str, Any]) -> dict[str, Any]:
    """The comparison section: a nationality today in each state, and under each rule."""
    rows = [[r["state"] + ("" if r["in_force"] else " " + lang.gettext("(as if in force)")),
             lang.gettext(CATEGORIES[r["category"]]), stay(lang, r), needs(lang, r)]
            for r in data["states"]]  # fmt: skip
    states = [r["state"] for r in data["states"] if r["state"] != data["nationality"]]
    union = data["union"]
    union_rows = [[_union_row(lang, r["rule"]), lang.gettext(CATEGORIES[r["category"]]),
                   stay(lang, r), needs(lang, r, union=True),
                   *(_change(lang, r["changes"][s]) for s in states)]
                  for r in union["rules"]]  # fmt: skip
    header = [lang.gettext("state"), lang.gettext("category"), lang.gettext("stay"),
              lang.gettext("what to obtain")]  # fmt: skip
    return {
        "title": lang.gettext("%(name)s (%(code)s) on %(date)s",
                              name=lang.country(data["nationality"]), code=data["nationality"],
                              date=_day(lang, data["on"])),
        "today": Table("compare", lang.gettext("today"), header, rows),
        "in_force": _in_force(lang, union),
        "union": Table("compare-union", lang.gettext(
            "under the union, and access compared with today in each state"),
            [lang.gettext("rule"), *header[1:], *states], union_rows),
    }  # fmt: skip


def _over(lang: Language, who: str, rule: dict[str, Any], *, area: bool = False) -> str:
    values = {"who": who, "stay": stay(lang, rule, short=True),
              "date": _day(lang, rule["first_over"])}  # fmt: skip
    if area:
        return lang.ngettext(
            "%(who)s: over the limit of the area (%(stay)s) on %(n)s day, from %(date)s",
            "%(who)s: over the limit of the area (%(stay)s) on %(n)s days, from %(date)s",
            rule["over_days"], **values)
    return lang.ngettext("%(who)s: over its limit (%(stay)s) on %(n)s day, from %(date)s",
                         "%(who)s: over its limit (%(stay)s) on %(n)s days, from %(date)s",
                         rule["over_days"], **values)  # fmt: skip


def _trip_problems(lang: Language, national: dict[str, Any], union: dict[str, Any]) -> list[str]:
    said = []
    for s in national["states"]:
        if s["category"] == "no_admission":
            said.append(lang.gettext("%(state)s: not admitted", state=s["state"]))
        elif s["over_days"]:
            said.append(_over(lang, s["state"], s))
        if s["category"] in ("e_visa", "visa_on_arrival", "visa") and not (
                s["stay"] or s["per_entry"]):
            said.append(lang.gettext("%(state)s: the stay allowed is set by the visa; check "
                                     "its duration", state=s["state"]))  # fmt: skip
    for r in union["rules"]:
        if r["over_days"]:
            said.append(_over(lang, _union_row(lang, r["rule"]), r, area=True))
    return said


def _used(lang: Language, count: dict[str, Any]) -> str:
    used = "–" if count["days_used"] is None else lang.number(count["days_used"])
    return lang.gettext("%(n)s (over)", n=used) if count["over"] else used


def trip(lang: Language, data: dict[str, Any]) -> dict[str, Any]:
    """The trip section: what to obtain where, where it goes over, and every day counted."""
    national, union = data["national"], data["union"]
    yes, no = lang.gettext("yes"), lang.gettext("no")
    rows = [[lang.gettext("%(state)s today", state=r["state"]), needs(lang, r),
             stay(lang, r), no if r["over_days"] or r["category"] == "no_admission" else yes]
            for r in national["states"]]  # fmt: skip
    rows += [[_union_row(lang, r["rule"]), needs(lang, r, union=True), stay(lang, r),
              yes if r["possible"] else no] for r in union["rules"]]  # fmt: skip
    days = data["day_by_day"]
    route = ", ".join(lang.ngettext("%(state)s %(n)s day", "%(state)s %(n)s days", leg["days"],
                                    state=leg["state"]) for leg in data["legs"])  # fmt: skip
    return {
        "title": lang.gettext("Trip of a national of %(name)s: %(route)s, %(from)s to %(to)s",
                              name=lang.country(data["nationality"]), route=route,
                              **{"from": _day(lang, data["from"]), "to": _day(lang, data["to"])}),
        "needs": Table("trip-needs", lang.gettext("what must be obtained where"),
                       [lang.gettext("where"), lang.gettext("what to obtain"),
                        lang.gettext("stay"), lang.gettext("possible")], rows),
        "problems": _trip_problems(lang, national, union),
        "days": Table(
            "trip-days", lang.gettext("day by day: days used in each rule's window"),
            [lang.gettext("date"), lang.gettext("state"), lang.gettext("today: days used"),
             lang.gettext("today: day of stay"), lang.gettext("union: days used")],
            [[_day(lang, d["date"]), d["state"], _used(lang, d["national"]),
              lang.number(d["national"]["stay_day"]), _used(lang, d["union"])] for d in days],
            ["over" if d["national"]["over"] or d["union"]["over"] else "" for d in days],
            [d["date"] for d in days]),
    }  # fmt: skip


def impact(lang: Language, data: dict[str, Any]) -> dict[str, Any]:
    """The aggregates: nationalities and visitors who gain and lose, by rule and state."""
    rows, classes = [], []
    for rule in data["rules"]:
        for s in [*rule["states"], {"state": "total", **rule}]:
            n, v = s["nationalities"], s["visitors"]
            total = s["state"] == "total"
            rows.append([lang.gettext(RULES[rule["rule"]]),
                         lang.gettext("total") if total else s["state"],
                         *(lang.number(n[k]) for k in ("gain", "same", "lose")),
                         lang.number(n["mixed"]) if "mixed" in n else "",
                         *(lang.number(v[k]) for k in ("gain", "same", "lose", "unattributed"))])
            classes.append("total" if total else "")  # fmt: skip
    header = [lang.gettext(h) for h in (
        N_("rule"), N_("state"), N_("nationalities gain"), N_("same"), N_("lose"), N_("mixed"),
        N_("visitors gain"), N_("same"), N_("lose"), N_("not attributable"))]  # fmt: skip
    charts = [(what, lang.gettext(title), [
        (lang.gettext("rule %(rule)s", rule=lang.gettext(RULES[r["rule"]])),
         [(lang.gettext(ACCESS[k]), r[what][k], COLOURS[k]) for k in ("gain", "lose")])
        for r in data["rules"]])
        for what, title in (("visitors", N_("Visitors who gain and lose access, by rule")),
                            ("nationalities",
                             N_("Nationalities that gain and lose access, by rule")))]
    return {
        "title": lang.gettext("Who gains and who loses access, on %(date)s",
                              date=_day(lang, data["on"])),
        "in_force": _in_force(lang, data["union"]),
        "counted": lang.ngettext(
            "%(n)s nationality counted in each state (its own citizens left out); the total "
            "row counts a nationality once (gain somewhere and lose nowhere, and so on; the "
            "rest is mixed).",
            "%(n)s nationalities counted in each state (its own citizens left out); the total "
            "row counts a nationality once (gain somewhere and lose nowhere, and so on; the "
            "rest is mixed).", data["nationalities_counted"]),
        "table": Table("impact", lang.gettext(
            "access to each member state: today, then under the union"), header, rows, classes),
        "charts": charts,
        "arrivals": [{"state": lang.country(state), "measure": s["measure"],
                      "period": s["period"], "total": lang.number(s["total"]),
                      "source": s["source"]} for state, s in data["arrivals"].items()],
    }  # fmt: skip
