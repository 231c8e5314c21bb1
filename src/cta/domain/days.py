"""The span of calendar days CTA reasons about.

Travel records, checks and stays fall between 1900 and 2999: a date outside is a typo or an
attack, and refusing it at the boundary keeps every sum of a date and a number of days (a last
day of stay, a next entry) inside Python's calendar, which ends on 9999-12-31.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TypeGuard

from cta.domain.errors import InvalidInputError

__all__ = ["FIRST_DAY", "LAST_DAY", "check_day", "is_day_text"]

FIRST_DAY = date(1900, 1, 1)
LAST_DAY = date(2999, 12, 31)


def check_day(day: date, what: str) -> date:
    """The day itself, or an InvalidInputError naming ``what`` when it is out of the span."""
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInputError(f"{what} {day} is outside {FIRST_DAY} to {LAST_DAY}")
    return day


_DAY_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def is_day_text(value: object) -> TypeGuard[str]:
    """Whether ``value`` is a day written as CTA takes one from outside: ``YYYY-MM-DD`` in
    ASCII digits. ``date.fromisoformat`` alone takes ``20260101`` and ``2026-W01-1`` too, and a
    ``\\d`` pattern Arabic-Indic digits; whether the day exists is the caller's next step."""
    return isinstance(value, str) and _DAY_TEXT.fullmatch(value) is not None
