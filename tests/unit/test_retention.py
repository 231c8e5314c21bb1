"""How long a person's data is kept, and who is over the stay limit (``cta.domain.retention``)."""

from __future__ import annotations

import calendar
from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from cta.domain.retention import over_limit, years_before


def test_a_29_february_counts_back_to_28_february_of_a_common_year() -> None:
    assert years_before(date(2028, 2, 29), 3) == date(2025, 2, 28)
    assert years_before(date(2028, 2, 29), 4) == date(2024, 2, 29)


@given(st.dates(min_value=date(1905, 1, 1), max_value=date(2999, 12, 31)),
       st.integers(min_value=0, max_value=5))  # fmt: skip
def test_years_before_is_the_same_day_of_the_same_month_or_that_month_s_last_day(
    day: date, years: int
) -> None:
    earlier = years_before(day, years)
    last = calendar.monthrange(day.year - years, day.month)[1]
    assert (earlier.year, earlier.month, earlier.day) == (
        day.year - years, day.month, min(day.day, last))


def test_only_more_days_than_the_limit_are_over_it() -> None:
    assert over_limit(91, 90)
    assert not over_limit(90, 90)
    assert not over_limit(None, None)  # a nationality without a stay limit
