"""The purpose of a personal-data call and the read rate (``cta.domain.personal_data``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.errors import InvalidInputError
from cta.domain.personal_data import ReadRate, read_purpose


def test_a_purpose_is_kept_as_given_but_trimmed() -> None:
    assert read_purpose("  visa overstay enquiry 7 ") == "visa overstay enquiry 7"
    assert read_purpose("визовая проверка") == "визовая проверка"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (None, "X-Purpose is required"),
        ("", "X-Purpose is required"),
        (" \t ", "X-Purpose is required"),
        ("border\tcontrol", "control character U+0009 at position 7"),
        ("border\x00control", "control character U+0000"),
        ("border\u200bcontrol", "U+200B"),
        ("border\u2028control", "U+2028"),
        ("x" * 201, "201 characters long; a purpose has at most 200"),
    ],
)
def test_a_missing_or_unreadable_purpose_is_named(raw: str | None, problem: str) -> None:
    with pytest.raises(InvalidInputError, match="X-Purpose") as error:
        read_purpose(raw)
    assert problem in str(error.value)


def test_after_a_pause_a_burst_is_allowed_then_one_read_per_interval() -> None:
    rate = ReadRate(per_minute=60, burst=3)
    due = None
    for _ in range(3):
        due, wait = rate.take(due, 0)
        assert wait == 0
    assert rate.take(due, 0) == (None, 1_000_000)
    assert rate.take(due, 1_000_000)[1] == 0


@given(
    per_minute=st.integers(1, 600),
    burst=st.integers(1, 50),
    gaps=st.lists(st.integers(0, 3_000_000), min_size=1, max_size=120),
)
def test_no_window_holds_more_reads_than_the_burst_and_the_rate(
    per_minute: int, burst: int, gaps: list[int]
) -> None:
    rate = ReadRate(per_minute, burst)
    due, now, allowed = None, 0, []
    for gap in gaps:
        now += gap
        new, wait = rate.take(due, now)
        if new is not None:
            due = new
            allowed.append(now)
        else:
            assert wait > 0
    for i, start in enumerate(allowed):
        for end in allowed[i:]:
            inside = sum(1 for t in allowed if start <= t <= end)
            assert inside <= burst + (end - start) // rate.interval_us
