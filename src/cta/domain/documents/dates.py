"""MRZ dates (YYMMDD, Doc 9303 Part 3 §4.8) and the century rule.

The MRZ prints only two digits of the year, so the century is inferred from the day of the
check (``today``), the same rule everywhere in CTA:

* a birth date is never after the day of the check, nor after the document's expiry date:
  YYMMDD is read in the latest century that puts it on or before both (20YY when that date
  is not after either, else 19YY);
* an expiry date is read as the year with those two digits in
  ``[today.year - 50, today.year + 49]``.

Part 3 §4.8 lets an unknown part of a birth date be printed as fillers (``<``): such a date
has no ``date`` value, but its raw characters are kept and its check digit is still verified.
Only birth dates may be partly unknown; a filler in an expiry date is an issue.
"""

from __future__ import annotations

from datetime import date

from cta.domain.documents.formats import Span
from cta.domain.documents.model import MRZIssue, new_issue

__all__ = ["birth_century_year", "expiry_year", "read_birth_date", "read_expiry_date"]

_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def birth_century_year(yy: int, month: int, day: int, today: date) -> int:
    """The full year of a birth date: the latest one that is not after ``today``.

    ``month`` and ``day`` may be 0 when unknown; an unknown part never pushes the date into
    the previous century.
    """
    century = today.year - today.year % 100
    if (yy, month, day) > (today.year % 100, today.month, today.day):
        century -= 100
    return century + yy


def expiry_year(yy: int, today: date) -> int:
    """The full year of an expiry date: the one in ``[today.year - 50, today.year + 49]``."""
    base = today.year - 50
    return base + (yy - base) % 100


# why a date is no calendar date: the problem's key, its English words, and the values they name
_Problem = tuple[str, str, tuple[tuple[str, int], ...]]
_NO_SUCH_DATE: _Problem = ("no_such_date", "it does not exist", ())


def _invalid(field: str, raw: str, span: Span, why: _Problem) -> MRZIssue:
    label = field.replace("_", " ")
    problem, words, values = why
    return new_issue(
        field=field,
        message=f"{label} {raw} is not a calendar date: {words} ({span.where()})",
        line=span.line + 1,
        positions=span.positions,
        found=raw,
        expected="a date YYMMDD",
        key="not_a_date",
        params=(("field", label), ("raw", raw), ("problem", problem), *values),
    )


def _calendar_problem(year: int | None, month: int | None, day: int | None) -> _Problem | None:
    """Why year/month/day (None when unknown) is no calendar date, or None when it may be one."""
    if month is not None and not 1 <= month <= 12:
        return "month_not_01_12", f"month {month:02d} is not 01-12", (("month", month),)
    if day is None:
        return None
    if not 1 <= day <= 31:
        return "day_not_01_31", f"day {day:02d} is not 01-31", (("day", day),)
    if month is not None and day > _DAYS_IN_MONTH[month]:
        words = f"day {day:02d} does not exist in month {month:02d}"
        return "day_not_in_month", words, (("day", day), ("month", month))
    if year is not None and month is not None:
        try:
            date(year, month, day)
        except ValueError:
            return "not_a_leap_year", f"{year} is not a leap year", (("year", year),)
    return None


def read_birth_date(
    raw: str, span: Span, today: date, issues: list[MRZIssue]
) -> tuple[date | None, int | None]:
    """The birth date and its year (either may be unknown); issues are appended to ``issues``.

    ``raw`` must already hold only digits and fillers (the character check reports others).
    """
    if raw.isdigit():
        yy, month, day = int(raw[:2]), int(raw[2:4]), int(raw[4:])
        year = birth_century_year(yy, month, day, today)
        if 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month]:
            try:
                return date(year, month, day), year
            except ValueError:
                pass
        why = _calendar_problem(year, month, day) or _NO_SUCH_DATE
        issues.append(_invalid("birth_date", raw, span, why))
        return None, None
    return None, _partial_birth_year(raw, span, today, issues)


def _partial_birth_year(raw: str, span: Span, today: date, issues: list[MRZIssue]) -> int | None:
    """The year of a birth date with unknown parts ('<', Part 3 §4.8), if printed."""
    known = [int(raw[i : i + 2]) if raw[i : i + 2].isdigit() else None for i in (0, 2, 4)]
    yy, month, day = known
    year = None
    if yy is not None:
        year = birth_century_year(yy, month or 0, day or 0, today)
    why = _calendar_problem(year, month, day)
    if why is not None:
        issues.append(_invalid("birth_date", raw, span, why))
        return None
    return year


def read_expiry_date(raw: str, span: Span, today: date, issues: list[MRZIssue]) -> date | None:
    """The expiry date, or None (with an issue appended) when it is no calendar date.

    ``raw`` must already hold only digits (the character check reports others).
    """
    if not raw.isdigit():
        return None
    yy, month, day = int(raw[:2]), int(raw[2:4]), int(raw[4:])
    year = expiry_year(yy, today)
    if 1 <= month <= 12 and 1 <= day <= _DAYS_IN_MONTH[month]:  # no exception to catch
        try:
            return date(year, month, day)
        except ValueError:  # 29 February of a year that is not leap
            pass
    why = _calendar_problem(year, month, day) or _NO_SUCH_DATE
    issues.append(_invalid("expiry_date", raw, span, why))
    return None
