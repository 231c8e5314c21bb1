"""``GET /policy/workbench``: the policy workbench as one server-rendered page, in the five
languages like every other page (``templates/workbench.html``, words from ``workbench_view``).

A form (nationality, date, trip, first day of the trip); the comparison for a nationality and
the trip counted day by day when they are asked for; always the aggregates of the date as a
table and an inline SVG chart. No personal data, so no token, and a GET form: its answers can
be linked to. Bad input is named on the page (status 422); the rest of the page is still shown.
A nationality is a code or a country's name in any of the five languages (``CountryTable.find``:
ё as е); the page offers the names of its own language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from markupsafe import Markup

from cta.domain.countries import name_key
from cta.domain.days import FIRST_DAY, LAST_DAY, check_day
from cta.domain.errors import CTAError
from cta.entrypoints.web import workbench_view as view
from cta.entrypoints.web.html import bar_chart
from cta.entrypoints.web.i18n import N_, Language
from cta.entrypoints.web.pages import iso_day, page, render
from cta.policy.countries import load_countries
from cta.services import workbench

__all__ = ["router"]

router = APIRouter()
Text = Annotated[str | None, Query(max_length=400)]
T = TypeVar("T")


class _Problem(Exception):
    """A field in error: the catalog message and its values (text, not numbers)."""

    def __init__(self, field: str, message: str, **values: str) -> None:
        super().__init__(message)
        self.field, self.message, self.values = field, message, values


@router.get("/policy/workbench", include_in_schema=False)
def workbench_page(
    request: Request,
    nationality: Text = None,
    on: Text = None,
    trip: Text = None,
    start: Annotated[str | None, Query(alias="from", max_length=40)] = None,
) -> Response:
    """Today's national regimes beside the union's: a nationality, a trip, the aggregates."""
    current = page(request)
    lang = current.lang
    today: date = request.app.state.node.today()
    problems: list[tuple[str, str]] = []
    day = _attempt(lang, problems, "field-on", lambda: _day(on, "field-on", today)) or today
    code = (_attempt(lang, problems, "field-nationality", lambda: _nationality(nationality))
            if nationality else None)  # fmt: skip
    sections: dict[str, Any] = {}
    if code:
        compared = _attempt(lang, problems, "field-nationality",
                            lambda: workbench.compare_nationality(code, day))  # fmt: skip
        if compared is not None:
            sections["compare"] = view.comparison(lang, compared.as_dict())
    if trip:
        sections["trip"] = _trip_section(lang, problems, nationality, code, trip, start, today)
    impact = _attempt(lang, problems, "field-on", lambda: workbench.measure_impact(day))
    if impact is not None:
        sections["impact"] = shown = view.impact(lang, impact.as_dict())
        shown["charts"] = [(title, Markup(bar_chart(  # bar_chart escapes every value
            f"impact-chart-{what}", title, groups, number=lang.number)))
            for what, title, groups in shown["charts"]]  # fmt: skip
    values = {"nationality": nationality or "", "on": day.isoformat(), "trip": trip or "",
              "from": start or ""}  # fmt: skip
    unique = list(dict.fromkeys(problems))  # a bad nationality spoils two sections: say it once
    return render(current, "workbench.html", status=422 if unique else 200, problems=unique,
                  wrong_fields={f.removeprefix("field-") for f, _ in unique}, values=values,
                  names=_names(lang), **sections)  # fmt: skip


def _attempt(
    lang: Language, problems: list[tuple[str, str]], field: str, action: Callable[[], T]
) -> T | None:
    """The action's answer, or None with what was wrong (translated) added to ``problems``,
    beside ``field`` unless the problem names its own."""
    try:
        return action()
    except _Problem as problem:
        problems.append((problem.field, lang.gettext(problem.message, **problem.values)))
    except CTAError as exc:  # the domain's own words, in English (a trip's legs, say)
        problems.append((field, lang.gettext("This cannot be shown: %(why)s", why=str(exc))))
    return None


def _day(text: str | None, field: str, default: date) -> date:
    if not text:
        return default
    try:
        parsed = iso_day(text)
    except ValueError:
        raise _Problem(field, N_("The date %(date)s is not a date like 2027-01-01."),
                       date=repr(text)) from None
    try:
        return check_day(parsed, "the date")
    except CTAError:
        raise _Problem(field, N_("The date %(date)s is outside %(first)s to %(last)s."),
                       date=text, first=FIRST_DAY.isoformat(),
                       last=LAST_DAY.isoformat()) from None  # fmt: skip


def _nationality(text: str) -> str:
    code = load_countries().find(text)
    if code is None:
        raise _Problem("field-nationality", N_("There is no nationality %(name)s: give a code "
                                               "such as USA, D or XXA, or a country's name."),
                       name=repr(text.strip()))  # fmt: skip
    return code


def _trip_section(
    lang: Language, problems: list[tuple[str, str]], nationality: str | None, code: str | None,
    trip: str, start: str | None, today: date,
) -> dict[str, Any] | None:  # fmt: skip
    if not nationality:
        problems.append(("field-nationality", lang.gettext("A trip needs a nationality.")))
        return None
    first = _attempt(lang, problems, "field-from", lambda: _day(start, "field-from", today))
    if first is None or code is None:
        return None
    plan = _attempt(lang, problems, "field-trip", lambda: workbench.plan_trip(code, trip, first))
    return None if plan is None else view.trip(lang, plan.as_dict())


def _names(lang: Language) -> list[str]:
    """The countries' names in the page's language, for the nationality field's suggestions."""
    table = load_countries()
    return sorted({lang.country(c) for c in table.mrz_codes if len(c) == 3}, key=name_key)
