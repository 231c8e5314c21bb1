"""Temporary checks at internal borders (``cta.domain.internal_checks``) and the check that
runs at such a point (``cta.domain.checks.decide_internal``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.errors import InvalidInputError
from cta.domain.internal_checks import (
    InternalCheckLimits,
    Reintroduction,
    ReintroductionState,
    declare,
    end,
    in_force_at,
    prolong,
)
from cta.policy.crossing_points import load_crossing_points
from cta.policy.loader import load_regime

LIMITS = InternalCheckLimits(period_days=30, total_months=6)
POINTS = load_crossing_points()
TODAY = date(2027, 3, 1)


def _points(*codes: str) -> list[tuple[str, object]]:
    return [(code, POINTS.get(code)) for code in codes]


def _declared(first: date = TODAY, last: date = date(2027, 3, 30)) -> Reintroduction:
    return declare("GEO-IC-1", "GEO", _points("GEO-SADAKHLO"), first, last,  # type: ignore[arg-type]
                   "a serious threat", today=TODAY, limits=LIMITS)


def test_the_union_draft_allows_30_days_a_period_and_six_months_in_all() -> None:
    regime = load_regime("union-draft").as_if_on(TODAY)
    assert regime.internal_checks == LIMITS
    assert load_regime("status-quo/GEO").as_if_on(TODAY).internal_checks is None


def test_checks_run_from_the_first_day_to_the_last_and_end_by_themselves() -> None:
    r = _declared()
    assert r.state_on(TODAY - timedelta(days=1)) is ReintroductionState.PLANNED
    assert r.in_force(TODAY, "GEO-SADAKHLO")
    assert r.in_force(date(2027, 3, 30), "GEO-SADAKHLO")
    assert not r.in_force(date(2027, 3, 31), "GEO-SADAKHLO")  # the day after its last day
    assert r.state_on(date(2027, 3, 31)) is ReintroductionState.LAPSED
    assert not r.in_force(TODAY, "GEO-GUGUTI")  # a point not named: no check there


def test_a_declaration_names_its_own_internal_points_only() -> None:
    def attempt(codes: tuple[str, ...]) -> None:
        declare("GEO-IC-2", "GEO", _points(*codes), TODAY, TODAY,  # type: ignore[arg-type]
                "threat", today=TODAY, limits=LIMITS)

    with pytest.raises(InvalidInputError, match="run by ARM"):
        attempt(("ARM-BAGRATASHEN",))
    with pytest.raises(InvalidInputError, match="external border"):
        attempt(("GEO-TBS",))
    with pytest.raises(InvalidInputError, match="not a known"):
        attempt(("GEO-NOWHERE",))
    with pytest.raises(InvalidInputError, match="at least one"):
        attempt(())
    attempt(("GEO-SADAKHLO", "GEO-SADAKHLO-RAIL"))


def test_a_declaration_beyond_the_limit_is_refused_naming_it() -> None:
    with pytest.raises(InvalidInputError, match="at most 30 days"):
        _declared(TODAY, TODAY + timedelta(days=30))
    with pytest.raises(InvalidInputError, match="past"):
        _declared(TODAY - timedelta(days=1), TODAY)
    with pytest.raises(InvalidInputError, match="no reintroduction"):
        declare("GEO-IC-3", "GEO", _points("GEO-SADAKHLO"), TODAY, TODAY,  # type: ignore[arg-type]
                "threat", today=TODAY, limits=None)
    with pytest.raises(InvalidInputError, match="ground"):
        declare("GEO-IC-3", "GEO", _points("GEO-SADAKHLO"), TODAY, TODAY,  # type: ignore[arg-type]
                "  ", today=TODAY, limits=LIMITS)


def test_prolongations_of_30_days_up_to_six_months_in_all() -> None:
    r = _declared()
    for to in (date(2027, 4, 29), date(2027, 5, 29), date(2027, 6, 28), date(2027, 7, 28),
               date(2027, 8, 27), date(2027, 8, 31)):
        r = prolong(r, to, "the threat persists", today=r.last_day, limits=LIMITS)
    assert r.last_day == date(2027, 8, 31) and len(r.prolongations) == 6
    with pytest.raises(InvalidInputError, match="6 months in all, to 2027-08-31"):
        prolong(r, date(2027, 9, 1), "more", today=TODAY, limits=LIMITS)
    with pytest.raises(InvalidInputError, match="at most 30 days"):
        prolong(_declared(), date(2027, 5, 1), "more", today=TODAY, limits=LIMITS)


def test_a_lapsed_or_ended_reintroduction_cannot_be_prolonged_only_declared_anew() -> None:
    r = _declared()
    with pytest.raises(InvalidInputError, match="lapsed after 2027-03-30: declare"):
        prolong(r, date(2027, 4, 20), "late", today=date(2027, 3, 31), limits=LIMITS)
    ended = end(r, today=date(2027, 3, 10))
    assert ended.in_force(date(2027, 3, 9)) and not ended.in_force(date(2027, 3, 10))
    assert ended.final_day == date(2027, 3, 9)
    with pytest.raises(InvalidInputError, match="ended on 2027-03-10: declare"):
        prolong(ended, date(2027, 4, 20), "again", today=date(2027, 3, 10), limits=LIMITS)
    with pytest.raises(InvalidInputError, match="already"):
        end(ended, today=date(2027, 3, 11))
    with pytest.raises(InvalidInputError, match="lapsed"):
        end(r, today=date(2027, 4, 1))


def test_in_force_at_a_point_picks_the_reintroduction_in_force_there() -> None:
    a = _declared()
    b = declare("GEO-IC-2", "GEO", _points("GEO-GUGUTI"), TODAY, TODAY,  # type: ignore[arg-type]
                "threat", today=TODAY, limits=LIMITS)
    assert in_force_at([a, b], "GEO-GUGUTI", TODAY) == b
    assert in_force_at([a, b], "GEO-SADAKHLO", date(2027, 3, 2)) == a
    assert in_force_at([a, b], "GEO-GUGUTI", date(2027, 3, 2)) is None


@given(
    start=st.integers(0, 400), length=st.integers(1, 30),
    steps=st.lists(st.integers(1, 40), max_size=10), probe=st.integers(-5, 400),
)  # fmt: skip
def test_property_never_beyond_the_limits_and_never_in_force_after_the_last_day(
    start: int, length: int, steps: list[int], probe: int
) -> None:
    first = TODAY + timedelta(days=start)
    r = _declared(first, first + timedelta(days=length - 1))
    for step in steps:
        try:
            r = prolong(r, r.last_day + timedelta(days=step), "go on", today=r.last_day,
                        limits=LIMITS)  # fmt: skip
        except InvalidInputError:
            assert step > 30 or r.last_day + timedelta(days=step) > LIMITS.last_allowed_day(first)
    assert r.last_day <= LIMITS.last_allowed_day(first)
    day = first + timedelta(days=probe)
    assert r.in_force(day, "GEO-SADAKHLO") == (first <= day <= r.last_day)
    assert not r.in_force(r.last_day + timedelta(days=1))


def test_a_ground_with_an_invisible_character_is_refused_where_it_is_typed() -> None:
    """The peers refuse a reintroduction whose ground holds a control or invisible character
    (``cta.domain.peer_filings``): a soft hyphen in a ground was taken here, and the other
    states never heard of the checks (the sweep of session 16)."""
    with pytest.raises(InvalidInputError, match=r"ground: '\\xad' at position 5 .* remove it"):
        declare("GEO-IC-1", "GEO", _points("GEO-SADAKHLO"), TODAY,  # type: ignore[arg-type]
                date(2027, 3, 30), "road\u00adworks", today=TODAY, limits=LIMITS)
    with pytest.raises(InvalidInputError, match=r"ground: '\\u202e' at position 1"):
        prolong(_declared(), date(2027, 4, 5), "\u202eevil", today=TODAY, limits=LIMITS)
    lines = prolong(_declared(), date(2027, 4, 5), "still\na threat", today=TODAY, limits=LIMITS)
    assert lines.prolongations[0].ground == "still\na threat"
