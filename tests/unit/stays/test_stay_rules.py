"""The stay rule with worked examples: 90 days in any 180, Schengen Borders Code Art. 6(1)-(2).

Art. 6(2): "the date of entry shall be considered as the first day of stay ... and the date of
exit ... as the last day of stay"; the 180-day period looks back from each day of stay. The
examples marked "SEM" are the published worked examples of the Swiss State Secretariat for
Migration for the European Commission's short-stay calculator (sem.admin.ch, "Short-stay
calculator", examples 1, 2, 4 and 5, last modified 2014-12-01).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cta.domain.errors import StayError
from cta.domain.stays import Overstay, Stay, StayHistory


def history(*spans: tuple[date, date]) -> StayHistory:
    return StayHistory(Stay(a, b) for a, b in spans)


def d(text: str) -> date:
    return date.fromisoformat(text)


# -- counting days ---------------------------------------------------------------------------


def test_the_days_of_entry_and_exit_are_both_days_of_stay() -> None:
    """Art. 6(2): entry is the first day of stay, exit the last; 1 to 10 March is 10 days."""
    assert Stay(d("2027-03-01"), d("2027-03-10")).days == 10
    assert history((d("2027-03-01"), d("2027-03-10"))).days_used(d("2027-03-10")) == 10


def test_a_day_trip_counts_as_one_day() -> None:
    """Art. 6(2): entering and leaving on the same day is one day of stay."""
    assert history((d("2027-03-01"), d("2027-03-01"))).days_used(d("2027-03-01")) == 1


def test_leaving_and_coming_back_the_same_day_counts_that_day_once() -> None:
    """A day counts once: 1-10 March and 10-20 March are 20 days, not 21."""
    h = history((d("2027-03-01"), d("2027-03-10")), (d("2027-03-10"), d("2027-03-20")))
    assert h.presence_days == 20
    assert h.days_used(d("2027-03-20")) == 20


def test_stays_given_out_of_order_count_the_same() -> None:
    a = (d("2027-01-01"), d("2027-01-31"))
    b = (d("2027-03-01"), d("2027-03-31"))
    assert history(a, b).days_used(d("2027-04-01")) == history(b, a).days_used(d("2027-04-01"))


def test_the_window_of_180_days_ends_on_the_day_asked_about() -> None:
    """Art. 6(2): the period is the 180 days up to and including the day of stay."""
    h = history((d("2027-01-01"), d("2027-01-01")))
    last_day_in_window = d("2027-01-01") + timedelta(days=179)
    assert h.days_used(last_day_in_window) == 1
    assert h.days_used(last_day_in_window + timedelta(days=1)) == 0


def test_days_after_the_day_asked_about_are_not_counted() -> None:
    h = history((d("2027-03-01"), d("2027-03-31")))
    assert h.days_used(d("2027-03-10")) == 10


def test_a_window_across_29_february_of_a_leap_year_holds_180_calendar_days() -> None:
    """2028 is a leap year: 180 days back from 27 July 2028 starts on 30 January 2028."""
    h = history((d("2028-01-29"), d("2028-01-30")))
    assert h.days_used(d("2028-07-27")) == 1  # 30 January is still inside
    assert h.days_used(d("2028-07-28")) == 0


def test_29_february_is_a_day_of_stay_like_any_other() -> None:
    h = history((d("2028-02-28"), d("2028-03-01")))
    assert h.presence_days == 3
    assert h.days_used(d("2028-03-01")) == 3


# -- errors ------------------------------------------------------------------------------------


def test_an_exit_before_its_entry_is_an_error() -> None:
    with pytest.raises(StayError, match="before its entry"):
        Stay(d("2027-03-10"), d("2027-03-09"))


def test_stays_sharing_more_than_one_day_are_an_error() -> None:
    with pytest.raises(StayError, match="overlaps"):
        history((d("2027-03-01"), d("2027-03-10")), (d("2027-03-09"), d("2027-03-20")))


def test_a_stay_inside_another_is_an_error() -> None:
    with pytest.raises(StayError):
        history((d("2027-03-01"), d("2027-03-31")), (d("2027-03-05"), d("2027-03-07")))


# -- the longest stay ------------------------------------------------------------------------


def test_a_first_visit_may_last_90_days() -> None:
    """Art. 6(1): at most 90 days in any 180; entering 1 January 2027, until 31 March."""
    status = history().status(d("2027-01-01"))
    assert (status.days_used, status.max_stay, status.stay_until) == (0, 90, d("2027-03-31"))


def test_a_traveller_who_left_90_days_ago_may_stay_90_days() -> None:
    """An uninterrupted absence of 90 days allows a new stay of 90 days (EC calculator manual)."""
    h = history((d("2027-01-01"), d("2027-03-31")))  # 90 days
    back = d("2027-03-31") + timedelta(days=91)  # 90 whole days away
    assert h.max_stay(back) == 90


def test_a_traveller_back_after_89_days_away_may_not_yet_stay_90_days() -> None:
    h = history((d("2027-01-01"), d("2027-03-31")))
    back = d("2027-03-31") + timedelta(days=90)  # 89 whole days away
    assert h.max_stay(back) < 90


def test_a_traveller_who_used_90_days_must_wait_until_the_first_day_leaves_the_window() -> None:
    """Art. 6(2): after 90 days in a row, the next day of stay is when day 1 is 180 days back."""
    h = history((d("2027-01-01"), d("2027-03-31")))
    status = h.status(d("2027-04-01"))
    assert status.max_stay == 0
    assert status.stay_until is None
    assert status.next_entry == d("2027-01-01") + timedelta(days=180)
    assert h.max_stay(status.next_entry) > 0
    assert h.max_stay(status.next_entry - timedelta(days=1)) == 0


def test_the_90th_day_is_allowed_and_the_91st_is_an_overstay() -> None:
    """Art. 6(1): 90 days are allowed; the 91st in the window is one too many."""
    assert history((d("2027-01-01"), d("2027-03-31"))).overstays() == ()
    over = history((d("2027-01-01"), d("2027-04-01"))).overstays()
    assert over == (Overstay(d("2027-04-01"), d("2027-04-01")),)
    assert over[0].days == 1


def test_max_stay_never_exceeds_the_limit() -> None:
    assert history().max_stay(d("2027-01-01"), limit=10, window=20) == 10


def test_a_custom_limit_and_window_follow_the_same_rule() -> None:
    """L in any W: 3 days in any 7; after 3 days the next entry is 7 days after the first."""
    h = history((d("2027-01-01"), d("2027-01-03")))
    status = h.status(d("2027-01-04"), limit=3, window=7)
    assert status.max_stay == 0
    assert status.next_entry == d("2027-01-08")


def test_a_stay_is_cut_short_by_a_future_planned_stay() -> None:
    """No day of P from D on may break the limit, planned stays after D included."""
    h = history((d("2027-06-01"), d("2027-08-29")))  # 90 days planned
    assert h.max_stay(d("2027-05-01")) == 0


# -- the European Commission calculator's published examples (SEM) ----------------------------


def test_sem_example_1_after_47_days_a_return_three_months_later_allows_90_days() -> None:
    """SEM example 1: stamps 15.08.2014-30.09.2014; on entry 01.01.2015 up to 90 days."""
    status = history((d("2014-08-15"), d("2014-09-30"))).status(d("2015-01-01"))
    assert status.days_used == 47
    assert status.max_stay == 90


def test_sem_example_2_a_traveller_with_77_days_may_remain_until_13_december() -> None:
    """SEM example 2: 15.08-30.09.2014 and 01.11-30.11.2014; may remain until 13.12.2014."""
    h = history((d("2014-08-15"), d("2014-09-30")), (d("2014-11-01"), d("2014-11-30")))
    status = h.status(d("2014-11-30"))
    assert status.days_used == 77
    assert status.overstays == ()
    assert status.stay_until == d("2014-12-13")


def test_sem_example_4_a_stay_older_than_the_window_does_not_count() -> None:
    """SEM example 4: June/July 2013 falls out; on 30.01.2014 she could stay until 31.03.2014."""
    h = history(
        (d("2013-06-01"), d("2013-07-13")),
        (d("2013-08-15"), d("2013-09-30")),
        (d("2014-01-01"), d("2014-01-30")),
    )
    status = h.status(d("2014-01-30"))
    assert status.days_used == 77
    assert status.stay_until == d("2014-03-31")


def test_sem_example_5_an_overstay_of_9_days_and_a_return_for_50_days() -> None:
    """SEM example 5: exit 09.06.2014 is 9 days over; back on 30.08.2014 for up to 50 days."""
    h = history(
        (d("2013-09-01"), d("2013-09-30")),
        (d("2014-02-21"), d("2014-04-20")),
        (d("2014-05-01"), d("2014-06-09")),
    )
    on_exit = h.status(d("2014-06-09"))
    assert on_exit.overstays == (Overstay(d("2014-06-01"), d("2014-06-09")),)
    assert on_exit.overstay_days == 9
    assert on_exit.max_stay == 0
    assert on_exit.next_entry <= d("2014-08-30")
    assert h.max_stay(d("2014-08-30")) == 50


# -- overstays -------------------------------------------------------------------------------


def test_an_overstay_ends_when_days_fall_out_of_the_window() -> None:
    """used(d) above L is an overstay only while the window still holds more than L days."""
    h = history((d("2027-01-01"), d("2027-01-05")))
    assert h.overstays(limit=3, window=10) == (Overstay(d("2027-01-04"), d("2027-01-05")),)


def test_two_separate_overstays_are_reported_apart() -> None:
    h = history((d("2027-01-01"), d("2027-01-04")), (d("2027-02-01"), d("2027-02-04")))
    assert h.overstays(limit=3, window=10) == (
        Overstay(d("2027-01-04"), d("2027-01-04")),
        Overstay(d("2027-02-04"), d("2027-02-04")),
    )


def test_status_on_a_day_with_nothing_used_is_the_full_allowance() -> None:
    status = history((d("2020-01-01"), d("2020-01-10"))).status(d("2027-01-01"))
    assert status.days_used == 0
    assert status.max_stay == 90
    assert status.next_entry == d("2027-01-01")
    assert status.overstays == ()
