"""The span of calendar days CTA reasons about.

Travel records, checks and stays fall between 1900 and 2999: a date outside is a typo or an
attack, and refusing it at the boundary keeps every sum of a date and a number of days (a last
day of stay, a next entry) inside Python's calendar, which ends on 9999-12-31.
"""

from __future__ import annotations

from datetime import date

from cta.domain.errors import InvalidInputError

__all__ = ["FIRST_DAY", "LAST_DAY", "check_day"]

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def check_day(day: date, what: str) -> date:
    """The day itself, or an InvalidInputError naming ``what`` when it is out of the span."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInputError(f"{what} {day} is outside {FIRST_DAY} to {LAST_DAY}")
    return day
