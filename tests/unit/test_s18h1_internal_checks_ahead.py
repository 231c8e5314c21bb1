"""How far ahead this node's own declaration of internal checks may begin: a year at most
(``cta.domain.internal_checks.AHEAD_MONTHS``); a peer's reintroduction is filed as its state
declared it, whenever it begins."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cta.domain.errors import InvalidInputError
from cta.domain.internal_checks import (
    AHEAD_MONTHS,
    InternalCheckLimits,
    Reintroduction,
    beyond_limits,
    declare,
)
from cta.domain.travel_permits import add_months
from cta.policy.crossing_points import load_crossing_points

LIMITS = InternalCheckLimits(period_days=30, total_months=6)
POINTS = load_crossing_points()
TODAY = date(2027, 3, 1)


def _declared(first: date, days: int = 30) -> Reintroduction:
    return declare("GEO-IC-1", "GEO", [("GEO-SADAKHLO", POINTS.get("GEO-SADAKHLO"))], first,
                   first + timedelta(days=days - 1), "a serious threat", today=TODAY,
                   limits=LIMITS)  # fmt: skip


def test_checks_may_be_declared_to_begin_a_year_ahead_to_the_day() -> None:
    last_allowed = add_months(TODAY, AHEAD_MONTHS)
    assert last_allowed == date(2028, 3, 1)
    assert _declared(last_allowed).first == last_allowed


def test_checks_declared_to_begin_further_ahead_are_refused_naming_the_last_day() -> None:
    with pytest.raises(InvalidInputError, match=r"from 2028-03-02 is too far ahead: checks are "
                       r"declared to begin at most 12 months ahead, by 2028-03-01"):
        _declared(date(2028, 3, 2))


def test_the_year_2999_is_refused_not_stored() -> None:
    with pytest.raises(InvalidInputError, match="from 2999-12-01 is too far ahead"):
        _declared(date(2999, 12, 1))


def test_a_peers_reintroduction_far_ahead_is_not_flagged_by_this_limit() -> None:
    """The limit is this node's care for its own admins' typing; a peer's record is filed."""
    far = Reintroduction("ARM-IC-1", "ARM", ("ARM-BAGRATASHEN",), date(2999, 1, 1),
                         date(2999, 1, 30), "a serious threat")  # fmt: skip
    assert beyond_limits(far, LIMITS) is None
