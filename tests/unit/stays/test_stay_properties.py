"""The interval arithmetic agrees with the day-by-day oracle on random histories."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cta.domain.stays import Stay, StayHistory

from . import oracle

# Around 29 February 2024 and 2028 so that leap days fall inside histories and windows.
EPOCH = date(2023, 9, 1)


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[tuple[date, date]], date, int, int]:
    window = draw(st.integers(min_value=2, max_value=60))
    limit = draw(st.integers(min_value=1, max_value=window - 1))
    gaps = draw(st.lists(st.tuples(st.integers(0, 40), st.integers(0, 30)), max_size=6))
    stays: list[tuple[date, date]] = []
    cursor = EPOCH + timedelta(days=draw(st.integers(0, 200)))
    for gap, length in gaps:
        # gap 0 re-enters on the day of the last exit: that day counts once
        entry = cursor + timedelta(days=gap)
        exit_ = entry + timedelta(days=length)
        stays.append((entry, exit_))
        cursor = exit_
    span_end = cursor + timedelta(days=window)
    on = EPOCH + timedelta(days=draw(st.integers(0, (span_end - EPOCH).days + 10)))
    return stays, on, limit, window


def history_of(stays: list[tuple[date, date]]) -> StayHistory:
    return StayHistory(Stay(a, b) for a, b in stays)


@settings(max_examples=300, deadline=None)
@given(histories())
def test_days_used_agrees_with_the_oracle(case: tuple[list[tuple[date, date]], date, int, int]):
    stays, on, _limit, window = case
    expected = oracle.used(oracle.presence(stays), on, window)
    assert history_of(stays).days_used(on, window) == expected


@settings(max_examples=300, deadline=None)
@given(histories())
def test_max_stay_agrees_with_the_oracle(case: tuple[list[tuple[date, date]], date, int, int]):
    stays, on, limit, window = case
    expected = oracle.max_stay(oracle.presence(stays), on, limit, window)
    assert history_of(stays).max_stay(on, limit, window) == expected


@settings(max_examples=200, deadline=None)
@given(histories())
def test_next_entry_agrees_with_the_oracle(case: tuple[list[tuple[date, date]], date, int, int]):
    stays, on, limit, window = case
    expected = oracle.next_entry(oracle.presence(stays), on, limit, window)
    assert history_of(stays).next_entry(on, limit, window) == expected


@settings(max_examples=300, deadline=None)
@given(histories())
def test_overstays_agree_with_the_oracle(case: tuple[list[tuple[date, date]], date, int, int]):
    stays, _on, limit, window = case
    found = [(o.first, o.last) for o in history_of(stays).overstays(limit, window)]
    assert found == oracle.overstay_runs(oracle.presence(stays), limit, window)


@settings(max_examples=100, deadline=None)
@given(histories())
def test_status_is_consistent_with_its_parts(case: tuple[list[tuple[date, date]], date, int, int]):
    stays, on, limit, window = case
    status = history_of(stays).status(on, limit, window)
    if status.max_stay:
        assert status.stay_until == on + timedelta(days=status.max_stay - 1)
        assert status.next_entry == on
    else:
        assert status.stay_until is None
        assert status.next_entry > on


@st.composite
def schengen_histories(draw: st.DrawFn) -> tuple[list[tuple[date, date]], date]:
    """The default rule, 90 days in any 180, over histories that straddle 29 February 2024."""
    stays: list[tuple[date, date]] = []
    cursor = EPOCH + timedelta(days=draw(st.integers(0, 120)))
    for gap, length in draw(st.lists(st.tuples(st.integers(0, 60), st.integers(0, 70)),
                                     max_size=5)):
        entry = cursor + timedelta(days=gap)
        stays.append((entry, entry + timedelta(days=length)))
        cursor = entry + timedelta(days=length)
    on = EPOCH + timedelta(days=draw(st.integers(0, (cursor - EPOCH).days + 200)))
    return stays, on


@settings(max_examples=40, deadline=None)
@given(schengen_histories())
def test_the_default_90_in_180_rule_agrees_with_the_oracle(
    case: tuple[list[tuple[date, date]], date],
):
    stays, on = case
    days = oracle.presence(stays)
    status = history_of(stays).status(on, 90, 180)
    assert status.days_used == oracle.used(days, on, 180)
    assert status.max_stay == oracle.max_stay(days, on, 90, 180)
    assert [(o.first, o.last) for o in status.overstays] == oracle.overstay_runs(days, 90, 180)
