"""``GET /policy/workbench``: the policy workbench as one server-rendered page.

A form (nationality, date, trip, first day of the trip); the comparison for a nationality and
the trip counted day by day when they are asked for; always the aggregates of the date as a
table and an inline SVG chart. No personal data, so no token. Bad input is named on the page
(status 422); the rest of the page is still shown.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from cta.domain.days import check_day
from cta.domain.errors import CTAError, InvalidInputError
from cta.entrypoints.web.html import bar_chart, esc, table
from cta.entrypoints.web.security import csp, sha256_source
from cta.services import workbench

__all__ = ["router"]

router = APIRouter()
Text = Annotated[str | None, Query(max_length=400)]
T = TypeVar("T")
_COLOURS = {"gain": "#2e7d32", "lose": "#c62828"}


@router.get("/policy/workbench", response_class=HTMLResponse, include_in_schema=False)
def workbench_page(
    request: Request,
    nationality: Text = None,
    on: Text = None,
    trip: Text = None,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
) -> HTMLResponse:
    """Today's national regimes beside the union's: a nationality, a trip, the aggregates."""
    today: date = request.app.state.node.today()
    errors: list[str] = []
    day = _attempt(errors, lambda: _day(on, "date", today)) or today
    sections = []
    if nationality:
        compared = _attempt(errors, lambda: workbench.compare_nationality(nationality, day))
        if compared is not None:
            sections.append(_comparison(compared.as_dict()))
    if trip:
        sections.append(_trip_section(errors, nationality, trip, start, today))
    impact = _attempt(errors, lambda: workbench.measure_impact(day))
    if impact is not None:
        sections.append(_impact(impact.as_dict()))
    form = _form(nationality, day, trip, start)
    unique = list(dict.fromkeys(errors))  # a bad nationality spoils two sections: say it once
    page = _page(request.app.state.node.state, form, unique, sections)
    return HTMLResponse(page, status_code=422 if errors else 200, headers={
        "content-security-policy": _CSP})  # its one inline style, allowed by its hash


def _attempt(errors: list[str], action: Callable[[], T]) -> T | None:
    try:
        return action()
    except CTAError as exc:
        errors.append(str(exc))
        return None


def _day(text: str | None, what: str, default: date) -> date:
    if not text:
        return default
    try:
        return check_day(date.fromisoformat(text), f"the {what}")
    except ValueError:
        raise InvalidInputError(f"the {what} {text!r} is not a date like 2027-01-01") from None


def _trip_section(
    errors: list[str], nationality: str | None, trip: str, start: str | None, today: date
) -> str:
    if not nationality:
        errors.append("a trip needs a nationality")
        return ""
    first = _attempt(errors, lambda: _day(start, "first day of the trip", today))
    if first is None:
        return ""
    plan = _attempt(errors, lambda: workbench.plan_trip(nationality, trip, first))
    return "" if plan is None else _trip(plan.as_dict())


def _form(nationality: str | None, day: date, trip: str | None, start: str | None) -> str:
    def field(name: str, label: str, value: object, kind: str = "text", hint: str = "") -> str:
        return (
            f'<label>{esc(label)} <input type="{kind}" name="{name}" id="field-{name}" '
            f'value="{esc(value or "")}" placeholder="{esc(hint)}"></label>'
        )

    return (
        '<form method="get" action="/policy/workbench" id="workbench-form">'
        + field("nationality", "Nationality", nationality, hint="USA, D, XXA or a name")
        + field("on", "Date", day.isoformat(), "date")
        + field("trip", "Trip", trip, hint="GEO:20,ARM:10,AZE:15")
        + field("from", "First day of the trip", start, "date")
        + '<button type="submit" id="submit">Show</button></form>'
    )


def _comparison(data: dict[str, Any]) -> str:
    rows = [
        [r["state"] + ("" if r["in_force"] else " (as if in force)"), r["category"],
         _stay(r), r["needs"]]
        for r in data["states"]
    ]  # fmt: skip
    states = [r["state"] for r in data["states"] if r["state"] != data["nationality"]]
    union = data["union"]
    union_rows = [
        [f"union, rule {r['rule']}", r["category"], _stay(r), r["needs"],
         *(_change(r["changes"][s]) for s in states)]
        for r in union["rules"]
    ]  # fmt: skip
    return (
        f'<section id="compare-section"><h2>{esc(data["name"])} ({esc(data["nationality"])}) '
        f"on {esc(data['on'])}</h2>"
        + table("compare", "today", ["state", "category", "stay", "what to obtain"], rows)
        + f"<p>{esc(union['regime'])} from {esc(union['effective_from'])}: "
        f"{esc(_in_force(union['in_force']))}</p>"
        + table(
            "compare-union",
            "under the union, and access compared with today in each state",
            ["rule", "category", "stay", "what to obtain", *states],
            union_rows,
        )
        + "</section>"
    )


def _trip(data: dict[str, Any]) -> str:
    national, union = data["national"], data["union"]
    needs = [
        [f"{r['state']} today", r["needs"], _stay(r),
         "no" if r["over_days"] or r["category"] == "no_admission" else "yes"]
        for r in national["states"]
    ] + [
        [f"union, rule {r['rule']}", r["needs"], _stay(r), "yes" if r["possible"] else "no"]
        for r in union["rules"]
    ]  # fmt: skip
    days = [
        [d["date"], d["state"], _used(d["national"]), d["national"]["stay_day"],
         _used(d["union"])]
        for d in data["day_by_day"]
    ]  # fmt: skip
    over = [
        "over" if d["national"]["over"] or d["union"]["over"] else "" for d in data["day_by_day"]
    ]
    problems = (
        national["problems"]
        + national["notes"]
        + [f"union, rule {r['rule']}: {p}" for r in union["rules"] for p in r["problems"]]
    )
    route = ", ".join(f"{leg['state']} {leg['days']} days" for leg in data["legs"])
    return (
        f'<section id="trip-section"><h2>Trip of a national of {esc(data["name"])}: '
        f"{esc(route)}, {esc(data['from'])} to {esc(data['to'])}</h2>"
        + table(
            "trip-needs",
            "what must be obtained where",
            ["where", "what to obtain", "stay", "possible"],
            needs,
        )
        + "".join(f'<p class="problem">{esc(p)}</p>' for p in problems)
        + table(
            "trip-days",
            "day by day: days used in each rule's window",
            ["date", "state", "today: days used", "today: day of stay", "union: days used"],
            days,
            row_classes=over,
        )
        + "</section>"
    )


def _impact(data: dict[str, Any]) -> str:
    rows, classes = [], []
    for rule in data["rules"]:
        for s in [*rule["states"], {"state": "total", **rule}]:
            n, v = s["nationalities"], s["visitors"]
            rows.append([rule["rule"], s["state"], n["gain"], n["same"], n["lose"],
                         n.get("mixed", ""), f"{v['gain']:,}", f"{v['same']:,}",
                         f"{v['lose']:,}", f"{v['unattributed']:,}"])  # fmt: skip
            classes.append("total" if s["state"] == "total" else "")
    charts = "".join(
        f"<h3>{what.capitalize()} who gain and lose access, by rule</h3>"
        + bar_chart(f"impact-chart-{what}", f"{what} who gain and lose access, by rule",
                  [(f"rule {r['rule']}", [(k, r[what][k], _COLOURS[k]) for k in ("gain", "lose")])
                   for r in data["rules"]])
        for what in ("visitors", "nationalities")
    )  # fmt: skip
    sources = "".join(
        f"<li>{esc(state)}: {esc(s['measure'])}, {esc(s['period'])}, {s['total']:,} "
        f'(<a href="{esc(s["source"])}">{esc(s["source"])}</a>)</li>'
        for state, s in data["arrivals"].items()
    )
    header = ["rule", "state", "nationalities gain", "same", "lose", "mixed",
              "visitors gain", "same", "lose", "not attributable"]  # fmt: skip
    return (
        f'<section id="impact-section"><h2>Who gains and who loses access, on '
        f"{esc(data['on'])}</h2><p>{esc(data['union']['regime'])}: "
        f"{esc(_in_force(data['union']['in_force']))}; {data['nationalities_counted']} "
        "nationalities counted in each state (its own citizens left out); the total row "
        "counts a nationality once (gain somewhere and lose nowhere, and so on; the rest is "
        "mixed).</p>"
        + table(
            "impact",
            "access to each member state: today, then under the union",
            header,
            rows,
            row_classes=classes,
        )
        + f'<div id="impact-charts">{charts}</div>'
        + f'<h3>Arrival figures</h3><ul id="arrival-sources">{sources}</ul></section>'
    )


def _stay(rule: dict[str, Any]) -> str:
    if rule["category"] == "free_movement":
        return "no limit"
    parts = []
    if rule["stay"]:
        parts.append(f"{rule['stay']['limit']} days in any {rule['stay']['window']}")
    if rule["per_entry"]:
        parts.append(f"{rule['per_entry']} days per entry")
    return "; ".join(parts) or "set by the visa"


def _change(change: dict[str, Any]) -> str:
    extra = ["authorisation needed"] if change["new_authorization"] else []
    extra += {"lose": ["shorter stay"], "gain": ["longer stay"]}.get(change["stay"], [])
    return change["access"] + (f" ({', '.join(extra)})" if extra else "")


def _used(count: dict[str, Any]) -> str:
    used = "–" if count["days_used"] is None else str(count["days_used"])
    return f"{used} (over)" if count["over"] else used


def _in_force(in_force: bool) -> str:
    return "in force" if in_force else "not in force on that date; shown as if it were"


_STYLE = """
body{font-family:system-ui,sans-serif;margin:1.5rem;max-width:70rem;color:#1a1a1a}
table{border-collapse:collapse;margin:.8rem 0}th,td{border:1px solid #bbb;padding:.25rem .5rem}
caption{text-align:left;font-weight:600;padding:.3rem 0}tr.total td{font-weight:600}
tr.over td{background:#fde8e8}.error{color:#b00020;font-weight:600}.problem{color:#8a4b00}
form label{display:inline-block;margin:.2rem .8rem .2rem 0}svg text{font-size:12px}
svg text.group{font-weight:600}
"""


def _page(state: str, form: str, errors: list[str], sections: list[str]) -> str:
    shown = "".join(f'<p class="error" role="alert">{esc(e)}</p>' for e in errors)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>CTA policy workbench ({esc(state)} node)</title><style>{_STYLE}</style>"
        f"</head><body><h1>Policy workbench</h1><p>Today's national regimes beside the "
        f"union's draft. Node {esc(state)}; no personal data.</p>{form}"
        f'<div id="errors">{shown}</div>{"".join(sections)}</body></html>'
    )


_CSP = csp(styles=[sha256_source(_STYLE)])
