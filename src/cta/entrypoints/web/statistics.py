"""``/statistics``: the analysts' charts, each with its table and a CSV of that table (issue 13).

``GET /statistics?from=&to=`` (the last 90 days by default) draws every figure of
``cta.services.statistics_pages`` as inline SVG followed by its table; ``GET
/statistics/{figure}.csv`` gives the same table as CSV (UTF-8, a header row, in the page's
language; numbers plain, days as ISO dates). Analysts (``READ_AGGREGATES``) only; counts only,
never a person, each a sum of rounded cells (docs/statistics.md).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from markupsafe import Markup
from starlette.concurrency import run_in_threadpool

from cta.domain.days import FIRST_DAY, LAST_DAY
from cta.domain.errors import InvalidInputError
from cta.domain.roles import Permission, Role
from cta.domain.statistics import DECISION_BUCKETS, MEMBERS, NOT_RECORDED, Figure, week_ends
from cta.entrypoints.web.consular_text import STATUSES
from cta.entrypoints.web.i18n import N_, Language
from cta.entrypoints.web.officer_view import LETTERS
from cta.entrypoints.web.pages import Page, PageError, iso_day, page, render
from cta.entrypoints.web.staff import _require, current_session, to_sign_in
from cta.entrypoints.web.statistics_charts import COLOURS, Series, bars, lines, matrix
from cta.services.node import ForbiddenError
from cta.services.statistics_pages import (
    DOWNLOADS,
    FIGURES,
    LONGEST_PERIOD,
    statistics_figures,
)

__all__ = ["Table", "by_day_and_point", "router", "tables"]

router = APIRouter(include_in_schema=False)
DEFAULT_DAYS = 90
TOP_NATIONALITIES = 15

TITLES = {
    "crossings_by_day": N_("Crossings per day by member state"),
    "crossings_by_point": N_("Crossings by crossing point"),
    "flows": N_("Entered in one member state, left from another"),
    "overstays": N_("Overstays by week"),
    "refusals_by_reason": N_("Refusals of entry by reason"),
    "internal_checks_by_day": N_("Checks at internal borders per day"),
    "applications_by_outcome": N_("Applications by outcome"),
    "time_to_decision": N_("Time to a decision"),
    "nationalities": N_("Nationalities"),
}
ABOUT = {
    "crossings_by_day": N_("Entries and exits recorded each day at the crossing points of each "
                           "member state."),
    "crossings_by_point": N_("Entries and exits at each crossing point over the period."),
    "flows": N_("Persons who left in the period, by the member state of their last entry "
                "(rows) and the member state they left from (columns)."),
    "overstays": N_("Persons still inside at the end of each week whose present stay alone "
                    "is longer than their nationality may stay: a lower bound."),
    "refusals_by_reason": N_("Refusals of entry in the period by ground of the refusal form "
                             "(Annex V, part B); a refusal on two grounds counts under both."),
    "internal_checks_by_day": N_("Checks made each day at this member state's internal crossing "
                                 "points while checks are reintroduced there, and how many of "
                                 "them ended in a refusal of entry."),
    "applications_by_outcome": N_("Applications submitted in the period, by where they stand "
                                  "now."),
    "time_to_decision": N_("Applications decided in the period, by the time from submission "
                           "to decision."),
    "nationalities": N_("Entries, exits and refusals by nationality (the chart shows the 15 "
                        "most frequent)."),
}
BUCKETS = {
    "under_1": N_("less than a day"), "1_2": N_("1 to 2 days"), "3_6": N_("3 to 6 days"),
    "7_14": N_("7 to 14 days"), "15_30": N_("15 to 30 days"),
    "over_30": N_("more than 30 days"),
}  # fmt: skip
APPLICATION_STATUSES = ("processing", "manual", "information_requested", "granted", "refused",
                        "annulled", "revoked")  # fmt: skip

Value = str | int | date


@dataclass(frozen=True)
class Table:
    """One figure as a table: the page shows it, the CSV is it (dates and numbers formatted
    for the page, plain in the CSV)."""

    header: list[str]
    rows: list[list[Value]]


async def _analyst(request: Request) -> Page | Response:
    session = await current_session(request)
    if session is None:
        return to_sign_in(request)
    current = page(request, session)
    _require(current, Permission.READ_AGGREGATES)
    return current


def _period(request: Request, today: date) -> tuple[date, date, list[tuple[str, str]]]:
    """The period asked for (``from``, ``to``), else the last 90 days, and what is wrong (the
    last 90 days are shown beside the errors)."""
    default = today - timedelta(days=DEFAULT_DAYS - 1)
    asked = {name: request.query_params.get(name, "").strip() for name in ("from", "to")}
    first, last = _day(asked["from"], default), _day(asked["to"], today)
    errors: list[tuple[str, str]] = []
    if first is None:
        errors.append(("from", N_("Enter the first day as a date, like 2026-03-01.")))
    if last is None:
        errors.append(("to", N_("Enter the last day as a date, like 2026-05-31.")))
    if first is not None and last is not None and (last < first
                                                   or last - first >= LONGEST_PERIOD):
        errors.append(("from", N_("The first day must come before the last, and the period "
                                  "must last at most 366 days.")))
    if errors or first is None or last is None:
        return default, today, errors
    return first, last, errors


def _day(text: str, default: date) -> date | None:
    """The day written ``YYYY-MM-DD`` (``default`` for nothing), None if it is no day the
    node keeps records for (the API's bounds)."""
    if not text:
        return default
    try:
        day = iso_day(text)
    except ValueError:
        return None
    return day if FIRST_DAY <= day <= LAST_DAY else None


async def _figures(request: Request, current: Page, first: date, last: date
                   ) -> dict[str, Figure]:  # fmt: skip
    node = request.app.state.node
    assert current.session is not None
    role = Role(current.session.role)
    try:
        return await run_in_threadpool(
            lambda: statistics_figures(node.aggregates, role, node.regime_on(last), first, last))
    except ForbiddenError:
        raise PageError(403, N_("Your role may not open this page.")) from None
    except InvalidInputError:
        raise PageError(404, N_("This node keeps no statistics.")) from None


@router.get("/statistics")
async def statistics_page(request: Request) -> Response:
    found = await _analyst(request)
    if isinstance(found, Response):
        return found
    current = found
    node = request.app.state.node
    first, last, errors = _period(request, node.today())
    figures = await _figures(request, current, first, last)
    shown = tables(figures, current.lang, first, last)
    query = f"from={first.isoformat()}&to={last.isoformat()}&lang={current.lang.code}"
    charts = [{"name": name, "title": TITLES[name], "about": ABOUT[name],
               "chart": _chart(name, shown[name], current.lang), "table": shown[name],
               "legend": _legend(name, shown[name], current.lang),
               "more": (f"/statistics/crossings_by_day_and_point.csv?{query}"
                        if name == "crossings_by_point" else None),
               "csv": f"/statistics/{name}.csv?{query}"} for name in FIGURES]  # fmt: skip
    # after an error the fields keep what the analyst asked for, to be corrected there; the
    # figures beside them are the last 90 days'
    fields = {"from": first.isoformat(), "to": last.isoformat()}
    if errors:
        fields |= {name: typed for name in fields
                   if (typed := request.query_params.get(name, "").strip()[:10])}  # fmt: skip
    return render(current, "statistics/page.html", status=400 if errors else 200,
                  errors=errors, first=first, last=last, charts=charts, fields=fields,
                  cell=lambda value: _shown(value, current.lang))  # fmt: skip


@router.get("/statistics/{name}.csv")
async def statistics_csv(request: Request, name: str) -> Response:
    found = await _analyst(request)
    if isinstance(found, Response):
        return found
    current = found
    if name not in FIGURES + DOWNLOADS:
        raise PageError(404, N_("There is no such figure."))
    first, last, errors = _period(request, request.app.state.node.today())
    if errors:
        raise PageError(400, errors[0][1])
    figures = await _figures(request, current, first, last)
    table = (by_day_and_point(figures[name], current.lang) if name in DOWNLOADS
             else tables(figures, current.lang, first, last)[name])  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_inert(h) for h in table.header])
    writer.writerows([v.isoformat() if isinstance(v, date) else _inert(v) for v in row]
                     for row in table.rows)  # fmt: skip
    filename = f"{name}-{first.isoformat()}-{last.isoformat()}.csv"
    return Response(out.getvalue().encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": f"attachment; filename*=UTF-8''"
                                                    f"{quote(filename)}",
                             "cache-control": "no-store"})  # fmt: skip


def _inert(value: Any) -> Any:
    """A text cell a spreadsheet would run as a formula (``=1+2``, ``@SUM(…)``, ``+``, ``-``,
    a tab or a return first) given a leading apostrophe, which shows it as text (OWASP's
    CSV injection advice). The figures' words are the node's, but a peer's record can name a
    nationality or a crossing point; numbers are left as numbers."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _shown(value: Value, lang: Language) -> str:
    if isinstance(value, date):
        return lang.date(value, "medium")
    return lang.number(value) if isinstance(value, int) else value


def _values(figure: Figure) -> dict[tuple[str, ...], tuple[int, ...]]:
    return dict(figure.rows)


def tables(found: dict[str, Figure], lang: Language, first: date, last: date
           ) -> dict[str, Table]:  # fmt: skip
    """Each figure as the table the page shows and the CSV gives, in ``lang``."""
    _ = lang.gettext
    kinds = [_("Travel authorisations"), _("Visas")]
    return {
        "crossings_by_day": _by_day(found["crossings_by_day"], lang, first, last),
        "crossings_by_point": Table(
            [_("Crossing point"), _("Code"), _("Member state"), _("Entries"), _("Exits")],
            [[lang.crossing_point(key[0]), key[0], lang.country(key[0][:3]), *values]
             for key, values in found["crossings_by_point"].rows]),
        "flows": _flows(found["flows"], lang),
        "overstays": Table(
            [_("Week ending"), _("Persons over their limit")],
            [[day, _values(found["overstays"]).get((day.isoformat(),), (0,))[0]]
             for day in week_ends(first, last)]),
        "refusals_by_reason": _reasons(found["refusals_by_reason"], lang),
        "internal_checks_by_day": Table(
            [_("Day"), _("Checks made"), _("Refusals")],
            [[first + timedelta(days=n), *_values(found["internal_checks_by_day"]).get(
                ((first + timedelta(days=n)).isoformat(),), (0, 0))]
             for n in range((last - first).days + 1)]),
        "applications_by_outcome": Table(
            [_("Status"), *kinds],
            [[_(STATUSES[status]), *_values(found["applications_by_outcome"]).get(
                (status,), (0, 0))] for status in APPLICATION_STATUSES]),
        "time_to_decision": Table(
            [_("Time to a decision"), *kinds],
            [[_(BUCKETS[code]), *_values(found["time_to_decision"]).get((code,), (0, 0))]
             for code, _least, _most in DECISION_BUCKETS]),
        "nationalities": Table(
            [_("Nationality"), _("Code"), _("Entries"), _("Exits"), _("Refusals")],
            [[lang.country(key[0]), key[0], *values]
             for key, values in found["nationalities"].rows]),
    }  # fmt: skip


def by_day_and_point(figure: Figure, lang: Language) -> Table:
    """Entries and exits per day and crossing point: long, so a CSV only."""
    _ = lang.gettext
    return Table([_("Day"), _("Crossing point"), _("Code"), _("Member state"), _("Entries"),
                  _("Exits")],
                 [[date.fromisoformat(day), lang.crossing_point(point), point,
                   lang.country(point[:3]), *values]
                  for (day, point), values in figure.rows])  # fmt: skip


def _by_day(figure: Figure, lang: Language, first: date, last: date) -> Table:
    values = _values(figure)
    header = [lang.gettext("Day")]
    for state in MEMBERS:
        name = lang.country(state)
        header += [lang.gettext("Entries: %(state)s", state=name),
                   lang.gettext("Exits: %(state)s", state=name)]  # fmt: skip
    rows: list[list[Value]] = []
    for n in range((last - first).days + 1):
        day = first + timedelta(days=n)
        row: list[Value] = [day]
        for state in MEMBERS:
            row += list(values.get((day.isoformat(), state), (0, 0)))
        rows.append(row)
    return Table(header, rows)


def _flows(figure: Figure, lang: Language) -> Table:
    values = _values(figure)
    header = [lang.gettext("Entered in (rows), left from (columns)"),
              *(lang.country(state) for state in MEMBERS)]  # fmt: skip
    rows: list[list[Value]] = []
    for came in (*MEMBERS, NOT_RECORDED):
        name = lang.country(came) if came != NOT_RECORDED else lang.gettext("No entry recorded")
        rows.append([name, *(values.get((came, left), (0,))[0] for left in MEMBERS)])
    return Table(header, rows)


def _reasons(figure: Figure, lang: Language) -> Table:
    values = _values(figure)
    codes = list(LETTERS) + sorted(k[0] for k in values if k[0] not in LETTERS)
    return Table(
        [lang.gettext("Ground"), lang.gettext("Reason"), lang.gettext("Refusals")],
        [[code, lang.gettext(LETTERS[code]) if code in LETTERS else code,
          values.get((code,), (0,))[0]] for code in codes])  # fmt: skip


def _chart(name: str, table: Table, lang: Language) -> Markup:
    """The figure's chart, drawn from its table (so the two cannot disagree)."""
    title, about = lang.gettext(TITLES[name]), lang.gettext(ABOUT[name])
    ident = f"chart-{name.replace('_', '-')}"
    rows = table.rows
    if name == "crossings_by_day":
        series = [Series(lang.country(state), [_int(r[1 + 2 * i]) + _int(r[2 + 2 * i])
                                               for r in rows])
                  for i, state in enumerate(MEMBERS)]  # fmt: skip
        return lines(ident, title, about, _ticks(rows, lang), series, lang)
    if name in ("overstays", "internal_checks_by_day"):
        series = [Series(table.header[i], [_int(r[i]) for r in rows])
                  for i in range(1, len(table.header))]  # fmt: skip
        return lines(ident, title, about, _ticks(rows, lang), series, lang)
    if name == "flows":
        return matrix(ident, title, about, [str(r[0]) for r in rows], table.header[1:],
                      [[_int(v) for v in r[1:]] for r in rows], lang)  # fmt: skip
    if name == "nationalities":
        rows = sorted(rows, key=lambda r: -sum(_int(v) for v in r[2:]))[:TOP_NATIONALITIES]
    label, first_value = _LAYOUT[name]
    series = [Series(table.header[i], [_int(r[i]) for r in rows])
              for i in range(first_value, len(table.header))]  # fmt: skip
    labels = [f"{r[1]} {r[0]}" if name == "nationalities" else
              f"{r[0]}: {r[1]}" if name == "refusals_by_reason" else str(r[label])
              for r in rows]  # fmt: skip
    return bars(ident, title, about, labels, series, lang)


def _legend(name: str, table: Table, lang: Language) -> list[tuple[str, str]]:
    """Each series' name and colour, for a chart of more than one."""
    if name == "crossings_by_day":
        names = [lang.country(state) for state in MEMBERS]
    elif name == "internal_checks_by_day":
        names = table.header[1:]
    elif name in _LAYOUT:
        names = table.header[_LAYOUT[name][1]:]
    else:
        return []
    return list(zip(names, COLOURS, strict=False)) if len(names) > 1 else []


# for the bar charts: the column that labels a bar, the first column of numbers
_LAYOUT = {"crossings_by_point": (0, 3), "refusals_by_reason": (0, 2),
           "applications_by_outcome": (0, 1), "time_to_decision": (0, 1),
           "nationalities": (0, 2)}  # fmt: skip


def _ticks(rows: Sequence[Sequence[Value]], lang: Language) -> tuple[str, str]:
    if not rows:
        return "", ""
    return _shown(rows[0][0], lang), _shown(rows[-1][0], lang)


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0
