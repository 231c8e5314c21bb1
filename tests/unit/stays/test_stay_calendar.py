"""The window of 180 days drawn day by day: presence and each day's count, as the stay rule."""

from __future__ import annotations

from datetime import date, timedelta

from cta.domain.stay_calendar import calendar_end, stay_calendar
from cta.domain.stays import Stay, StayHistory


def test_each_day_of_the_window_carries_its_own_count() -> None:
    history = StayHistory([Stay(date(2027, 1, 1), date(2027, 1, 10))])
    days = stay_calendar(history, date(2027, 1, 20))
    assert len(days) == 180 and days[-1].day == date(2027, 1, 20)
    assert days[0].day == date(2027, 1, 20) - timedelta(days=179)
    by_day = {d.day: d for d in days}
    assert by_day[date(2027, 1, 1)].present and by_day[date(2027, 1, 1)].used == 1
    assert by_day[date(2027, 1, 10)].used == 10
    assert not by_day[date(2027, 1, 11)].present and by_day[date(2027, 1, 11)].used == 10
    assert sum(d.present for d in days) == 10 and not any(d.over for d in days)


def test_days_over_the_limit_are_marked() -> None:
    history = StayHistory([Stay(date(2027, 1, 1), date(2027, 4, 5))])  # 95 days
    days = stay_calendar(history, date(2027, 4, 5))
    over = [d.day for d in days if d.over]
    assert over == [date(2027, 4, 1) + timedelta(days=i) for i in range(5)]


def test_the_drawing_ends_on_the_last_planned_exit_when_it_is_later() -> None:
    assert calendar_end(date(2027, 1, 1), date(2027, 2, 1)) == date(2027, 2, 1)
    assert calendar_end(date(2027, 3, 1), date(2027, 2, 1)) == date(2027, 3, 1)
    assert calendar_end(date(2027, 3, 1), None) == date(2027, 3, 1)
