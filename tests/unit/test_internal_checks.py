"""Temporary checks at internal borders (``cta.domain.internal_checks``) and the check that
runs at such a point (``cta.domain.checks.decide_internal``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.errors import InvalidInputError
from cta.domain.internal_checks import (
    InternalCheckKinds,
    InternalCheckLimits,
    Reintroduction,
    ReintroductionState,
    beyond_limits,
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
    assert regime.internal_checks == InternalCheckKinds((LIMITS,), "default")
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
    start=st.integers(0, 366), length=st.integers(1, 30),  # declared a year ahead at most
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


# -- the 2024 amendment's kinds (Regulation (EU) 2024/1717; the union draft from 2027-07-01) ---

AMENDED = date(2027, 7, 1)
KINDS = load_regime("union-draft").as_if_on(AMENDED).internal_checks
DAY = timedelta(days=1)


def _of(kind: str | None, last: date, first: date = AMENDED) -> Reintroduction:
    return declare("GEO-IC-7", "GEO", _points("GEO-SADAKHLO"), first, last,  # type: ignore[arg-type]
                   "a serious threat", today=AMENDED, limits=KINDS, kind=kind)


def _prolonged(r: Reintroduction, *days: date) -> Reintroduction:
    for to in days:
        r = prolong(r, to, "the threat persists", today=r.first, limits=KINDS)
    return r


def test_the_union_draft_adopts_the_2024_kinds_in_a_later_version() -> None:
    assert KINDS is not None
    assert KINDS.names == ("unforeseeable", "foreseeable", "overall_risk")
    assert KINDS.unnamed == "foreseeable"
    assert KINDS.of("unforeseeable") == InternalCheckLimits(
        period_months=1, total_months=3, name="unforeseeable",
        key="internal_checks.unforeseeable")  # fmt: skip
    assert KINDS.of("foreseeable") == InternalCheckLimits(
        period_months=6, total_months=24, extensions=2, extension_months=6, name="foreseeable",
        key="internal_checks.foreseeable")  # fmt: skip
    assert KINDS.of("overall_risk").total_months == 24
    # the version before keeps its one kind: history is not rewritten
    before = load_regime("union-draft").as_if_on(AMENDED - DAY).internal_checks
    assert before == InternalCheckKinds((LIMITS,), "default")


def test_a_kind_is_named_or_the_regimes_unnamed_one_and_an_unknown_one_refused() -> None:
    assert _of(None, date(2027, 12, 31)).kind == "foreseeable"
    assert _of("overall_risk", date(2027, 12, 31)).kind == "overall_risk"
    with pytest.raises(InvalidInputError, match=r"kind: 'default' is not one of the regime's "
                       r"kinds of reintroduction: unforeseeable, foreseeable, overall_risk"):
        _of("default", date(2027, 7, 30))
    assert _declared().kind == "default"  # a regime of one kind: the old format


def test_unforeseeable_one_month_a_period_three_in_all_to_the_day() -> None:
    r = _of("unforeseeable", date(2027, 7, 31))  # the last day of its month
    with pytest.raises(InvalidInputError, match=r"a period of 32 days is beyond the limit: at "
                       r"most 1 month for one period \(the regime's "
                       r"internal_checks.unforeseeable.period_months\)"):
        _of("unforeseeable", date(2027, 8, 1))
    r = _prolonged(r, date(2027, 8, 31), date(2027, 9, 30))  # three months: the last day
    with pytest.raises(InvalidInputError, match=r"to 2027-10-01 is beyond the limit: checks "
                       r"from 2027-07-01 may run at most 3 months in all, to 2027-09-30 "
                       r"\(the regime's internal_checks.unforeseeable.total_months\)"):
        _prolonged(r, date(2027, 10, 1))
    with pytest.raises(InvalidInputError, match=r"a prolongation of 32 days .* at most 1 month"):
        _prolonged(_of("unforeseeable", date(2027, 7, 10)), date(2027, 8, 11))
    assert beyond_limits(r, KINDS) is None


def test_foreseeable_six_months_a_period_two_years_then_two_extensions_and_no_more() -> None:
    r = _of("foreseeable", date(2027, 12, 31))  # six months to the day
    with pytest.raises(InvalidInputError, match=r"a period of 185 days .* at most 6 months "
                       r"for one period \(the regime's internal_checks.foreseeable.period_months"):
        _of("foreseeable", date(2028, 1, 1))
    r = _prolonged(r, date(2028, 6, 30), date(2028, 12, 31), date(2029, 6, 30))  # two years
    with pytest.raises(InvalidInputError, match=r"an extension of 185 days is beyond the limit: "
                       r"at most 6 months, to 2029-12-31 \(the regime's "
                       r"internal_checks.foreseeable.extension_months\)"):
        _prolonged(r, date(2030, 1, 1))
    r = _prolonged(r, date(2029, 12, 31))  # the first extension, six months to the day
    r = _prolonged(r, date(2030, 3, 31))  # the second: at most twice
    assert beyond_limits(r, KINDS) is None
    with pytest.raises(InvalidInputError, match=r"extended 2 times already, the most \(the "
                       r"regime's internal_checks.foreseeable.extensions\)"):
        _prolonged(r, date(2030, 4, 1))


def test_an_extension_only_once_the_two_years_have_run() -> None:
    r = _prolonged(_of("foreseeable", date(2027, 12, 31)), date(2028, 6, 30),
                   date(2028, 12, 31), date(2029, 6, 20))  # ten days short of two years
    with pytest.raises(InvalidInputError, match=r"to 2029-07-05 is beyond the limit: checks "
                       r"from 2027-07-01 may run at most 24 months in all, to 2029-06-30 .*"
                       r"an extension beyond it \(internal_checks.foreseeable.extensions\) "
                       r"comes only once they have run to 2029-06-30"):
        _prolonged(r, date(2029, 7, 5))


def test_overall_risk_has_no_extension() -> None:
    r = _prolonged(_of("overall_risk", date(2027, 12, 31)), date(2028, 6, 30),
                   date(2028, 12, 31), date(2029, 6, 30))
    with pytest.raises(InvalidInputError, match=r"to 2029-07-01 is beyond the limit: .* "
                       r"internal_checks.overall_risk.total_months"):
        _prolonged(r, date(2029, 7, 1))


def test_a_kind_the_regime_no_longer_names_is_not_prolonged_and_is_flagged() -> None:
    old = _declared()  # "default", under the version before the kinds
    with pytest.raises(InvalidInputError, match=r"GEO-IC-1 is of kind 'default', not one of "
                       r"the regime's kinds .*: declare anew"):
        prolong(old, date(2027, 4, 20), "more", today=TODAY, limits=KINDS)
    assert beyond_limits(old, KINDS) is not None
    assert beyond_limits(old, LIMITS) is None


def test_beyond_limits_names_what_a_peers_reintroduction_passes() -> None:
    r = _of("unforeseeable", date(2027, 7, 31))
    long = Reintroduction(r.id, r.state, r.points, r.first, date(2027, 9, 1), r.ground,
                          kind="unforeseeable")  # fmt: skip
    assert "internal_checks.unforeseeable.period_months" in (beyond_limits(long, KINDS) or "")
    assert beyond_limits(r, KINDS) is None
    assert beyond_limits(r, None) is not None  # a regime without reintroductions
