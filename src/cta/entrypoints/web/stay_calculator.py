"""``/traveller/stay``: the traveller's stay calculator (public, no sign-in, no JavaScript).

The traveller enters past and planned trips (GOV.UK's "add another" pattern: a button adds a
row, another removes one) and a date; the answer is computed with the domain's stay
arithmetic (``cta.services.stays.stay_status``, what ``cta stay`` uses) and drawn as the window
of 180 days, day by day, with a table of each day's count beside it. The form is POSTed so the
dates never appear in an address, and nothing of it is stored or logged.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from cta.domain.days import FIRST_DAY, LAST_DAY
from cta.domain.errors import CTAError
from cta.domain.stay_calendar import calendar_end, stay_calendar
from cta.domain.stays import Stay, StayHistory
from cta.entrypoints.web.i18n import N_
from cta.entrypoints.web.pages import Form, check_form, page, render, whole_number
from cta.services.stays import stay_status

__all__ = ["MAX_TRIPS", "OUTSIDE_CALENDAR", "outside_calendar", "parse_day", "router"]

router = APIRouter(include_in_schema=False)
MAX_TRIPS = 30
MEMBERS = ("AZE", "ARM", "GEO")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DOTTED = re.compile(r"(\d{1,2})[./](\d{1,2})[./](\d{4})")
# what a page says of a real date that ``parse_day`` refuses (cta.domain.days' span)
OUTSIDE_CALENDAR = N_("Enter a date between the years 1900 and 2999.")


@dataclass
class Trip:
    """One row of the form, as typed."""

    entry: str = ""
    exit: str = ""
    state: str = ""


def parse_day(text: str) -> date | None:
    """A date typed as 2027-03-27 or 27.03.2027 (or 27/03/2027), from 1900 to 2999; None when
    it is not one."""
    day = _calendar_day(text)
    return day if day is not None and FIRST_DAY <= day <= LAST_DAY else None


def outside_calendar(text: str) -> bool:
    """Whether ``text`` is a real date, but before 1900 or after 2999 (``parse_day`` refuses
    it): the page then says so, not that the date is not one or is in the wrong order."""
    day = _calendar_day(text)
    return day is not None and not FIRST_DAY <= day <= LAST_DAY


def _calendar_day(text: str) -> date | None:
    """The date ``text`` writes in either common form, in any year; None when it is not one."""
    text = text.strip()
    if m := _ISO.fullmatch(text):
        y, mo, d = (int(g) for g in m.groups())
    elif m := _DOTTED.fullmatch(text):
        d, mo, y = (int(g) for g in m.groups())
    else:
        return None
    try:
        return date(y, mo, d)
    except ValueError:
        return None


@router.get("/traveller/stay")
async def stay_page(request: Request) -> Response:
    current = page(request)
    today: date = request.app.state.node.today()
    return render(current, "stay.html", trips=[Trip()], on=today.isoformat(), members=MEMBERS,
                  result=None)  # fmt: skip


@router.post("/traveller/stay")
async def stay_answer(request: Request) -> Response:
    current = page(request)
    form = await check_form(request, None)
    trips = _trips(form)
    action = form.get("action", "calculate")
    on_text = form.get("on").strip() or request.app.state.node.today().isoformat()
    context: dict[str, Any] = {"on": on_text, "members": MEMBERS, "result": None}
    if action == "add":
        if len(trips) < MAX_TRIPS:
            trips.append(Trip())
        return render(current, "stay.html", trips=trips, focus=len(trips) - 1, **context)
    if action.startswith("remove-") and (index := whole_number(action[7:])) is not None:
        if index < len(trips) and len(trips) > 1:
            del trips[index]
        return render(current, "stay.html", trips=trips, **context)
    errors, on, stays = _validated(on_text, trips)
    if errors or on is None:
        return render(current, "stay.html", status=422, trips=trips or [Trip()], errors=errors,
                      **context)  # fmt: skip
    try:
        status = stay_status(on, stays)
    except CTAError:
        errors = [("entry-0", N_("The dates are too far in the future to count."))]
        return render(current, "stay.html", status=422, trips=trips, errors=errors, **context)
    history = StayHistory(Stay(a, b) for a, b in stays)
    last = calendar_end(on, max((b for _, b in stays), default=None))
    days = stay_calendar(history, last)
    result = {"status": status, "days": days, "first": days[0].day, "last": last,
              "days_left": max(0, status.limit - status.days_used)}  # fmt: skip
    return render(current, "stay.html", trips=trips, **(context | {"result": result}))


def _trips(form: Form) -> list[Trip]:
    trips = []
    for i in range(MAX_TRIPS):
        if f"entry-{i}" not in form.fields and f"exit-{i}" not in form.fields:
            break
        state = form.get(f"state-{i}")
        trips.append(Trip(form.get(f"entry-{i}")[:40], form.get(f"exit-{i}")[:40],
                          state if state in MEMBERS else ""))  # fmt: skip
    return trips


def _validated(
    on_text: str, trips: list[Trip]
) -> tuple[list[tuple[str, str]], date | None, list[tuple[date, date]]]:
    errors: list[tuple[str, str]] = []
    on = parse_day(on_text)
    if on is None:
        errors.append(("on", N_("Enter the date to count on as a real date, like 2027-03-27.")))
    stays: list[tuple[date, date, int]] = []
    for i, trip in enumerate(trips):
        if not trip.entry.strip() and not trip.exit.strip():
            continue  # an empty row is left out
        entry, exit_ = parse_day(trip.entry), parse_day(trip.exit)
        if entry is None:
            errors.append((f"entry-{i}", _numbered(N_("Enter the entry date of trip %(n)s as a "
                                                      "real date, like 2027-03-27."), i)))
        if exit_ is None:
            errors.append((f"exit-{i}", _numbered(N_("Enter the exit date of trip %(n)s as a "
                                                     "real date, like 2027-03-27."), i)))
        if entry is not None and exit_ is not None:
            if exit_ < entry:
                errors.append((f"exit-{i}", _numbered(N_("The exit date of trip %(n)s must be "
                                                         "on or after its entry date."), i)))
            else:
                stays.append((entry, exit_, i))
    stays.sort()
    for (_, previous_exit, p), (entry, _, i) in itertools.pairwise(stays):
        if entry < previous_exit:
            errors.append((f"entry-{i}", _numbered(N_("Trip %(n)s starts before trip %(m)s "
                                                      "ends."), i, m=p + 1)))
    return errors, on, [(a, b) for a, b, _ in stays]


def _numbered(message: str, index: int, **more: int) -> Any:
    """A message with the trip's number (counted from 1), translated in the template."""
    return (message, {"n": index + 1, **more})
