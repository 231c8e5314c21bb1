"""Trips: reading GEO:20,ARM:10 and counting each day under a state's rule, against an oracle."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.errors import InvalidInputError
from cta.domain.regime import Category, NationalityRule, StayLimit
from cta.domain.trips import MAX_TRIP_DAYS, Leg, Trip, count_days, parse_trip

MEMBERS = ("AZE", "ARM", "GEO")
START = date(2027, 6, 1)


def test_a_trip_is_read_in_order_from_its_first_day() -> None:
    trip = parse_trip("GEO:20, arm:10,AZE:15", START, MEMBERS)
    assert trip.legs == (Leg("GEO", 20), Leg("ARM", 10), Leg("AZE", 15))
    assert trip.total_days == 45
    assert trip.end == date(2027, 7, 15)
    days = trip.days()
    assert days[19] == (date(2027, 6, 20), "GEO")
    assert days[20] == (date(2027, 6, 21), "ARM")


def test_the_whole_trip_is_one_stay_in_the_area_and_two_in_a_state_visited_twice() -> None:
    trip = parse_trip("GEO:5,ARM:3,GEO:4", START, MEMBERS)
    assert [(s.entry, s.exit) for s in trip.stays(None)] == [(START, date(2027, 6, 12))]
    assert [(s.entry, s.exit) for s in trip.stays("GEO")] == [
        (START, date(2027, 6, 5)),
        (date(2027, 6, 9), date(2027, 6, 12)),
    ]


def test_two_legs_in_one_state_in_a_row_are_one_stay() -> None:
    trip = parse_trip("GEO:5,GEO:4", START, MEMBERS)
    assert len(trip.stays("GEO")) == 1


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "empty"),
        ("GEO20", "is not STATE:DAYS"),
        ("GEO:2.5", "is not STATE:DAYS"),
        ("GEO:0", "1 day or more, not 0"),
        ("GEO:-3", "1 day or more, not -3"),
        ("FRA:3", "FRA is not a member state"),
        ("GEO:10,,ARM:3", "leg 2"),
        ("GEO:400,ARM:400", f"at most {MAX_TRIP_DAYS}"),
        (",".join(["GEO:1"] * 61), "at most 60"),
    ],
)
def test_a_bad_trip_is_refused_naming_what_is_wrong(text: str, says: str) -> None:
    with pytest.raises(InvalidInputError, match=says):
        parse_trip(text, START, MEMBERS)


def test_a_trip_past_the_calendar_we_reason_about_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="after 2999-12-31"):
        parse_trip("GEO:30", date(2999, 12, 15), MEMBERS)


def test_a_per_entry_limit_is_broken_on_the_day_after_it() -> None:
    china_in_georgia = NationalityRule(Category.VISA_EXEMPT, StayLimit(90, 180), per_entry=30)
    trip = parse_trip("GEO:31", START, MEMBERS)
    counts = count_days(trip.stays("GEO"), china_in_georgia)
    assert [c.over for c in counts].index(True) == 30
    assert counts[-1].stay_day == 31 and counts[-1].days_used == 31


def test_an_area_wide_limit_is_broken_on_the_91st_day() -> None:
    union = NationalityRule(Category.AUTHORIZATION, StayLimit(90, 180))
    trip = parse_trip("GEO:60,ARM:40", START, MEMBERS)
    counts = count_days(trip.stays(None), union)
    assert sum(c.over for c in counts) == 10
    assert counts[90].day == START + timedelta(days=90) and counts[90].over
    assert counts[89].days_used == 90 and not counts[89].over


def test_a_rule_without_a_window_counts_the_day_of_the_stay_only() -> None:
    year = NationalityRule(Category.VISA_EXEMPT, per_entry=365)
    counts = count_days(parse_trip("GEO:5", START, MEMBERS).stays("GEO"), year)
    assert [(c.days_used, c.stay_day) for c in counts][-1] == (None, 5)


legs = st.lists(
    st.tuples(st.sampled_from(MEMBERS), st.integers(min_value=1, max_value=60)),
    min_size=1,
    max_size=8,
)


@given(
    legs=legs, limit=st.integers(1, 100), extra=st.integers(1, 200), state=st.sampled_from(MEMBERS)
)
def test_days_used_in_a_state_match_a_slow_count_of_its_days(
    legs: list[tuple[str, int]], limit: int, extra: int, state: str
) -> None:
    trip = Trip(START, tuple(Leg(s, d) for s, d in legs))
    window = limit + extra
    rule = NationalityRule(Category.VISA_EXEMPT, StayLimit(limit, window))
    present = {day for day, where in trip.days() if where == state}
    for count in count_days(trip.stays(state), rule):
        first = count.day - timedelta(days=window - 1)
        slow = sum(1 for d in present if first <= d <= count.day)
        assert count.days_used == slow
        assert count.over == (slow > limit)
