"""The days of a window drawn one by one, for the traveller's stay calculator.

For each day of the window: whether the traveller is in the area, and the days used in the
window of ``window`` days that ends on that day (Schengen Borders Code Art. 6(2): the period
"preceding each day of stay"), so a page can draw the window and list the count of each day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from cta.domain.stays import StayHistory

__all__ = ["CalendarDay", "calendar_end", "stay_calendar"]


@dataclass(frozen=True, slots=True)
class CalendarDay:
    """One day of the drawn window."""

    day: date
    present: bool
    used: int  # days used in the window ending on this day
    over: bool  # present and over the limit on this day


def calendar_end(on: date, last_exit: date | None) -> date:
    """The last day to draw: the date asked about, or the last planned exit after it."""
    return max(on, last_exit) if last_exit is not None else on


def stay_calendar(
    history: StayHistory, last: date, *, limit: int = 90, window: int = 180
) -> tuple[CalendarDay, ...]:
    """The ``window`` days ending on ``last``, each with its count."""
    first = last - timedelta(days=window - 1)
    days = []
    for offset in range(window):
        day = first + timedelta(days=offset)
        present = history.days_in(day, day) == 1
        used = history.days_used(day, window)
        days.append(CalendarDay(day, present, used, present and used > limit))
    return tuple(days)
