"""Statistics give analysts counts, coarsened where a group is small (cta.services.statistics)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from cta.domain.errors import InvalidInputError
from cta.domain.roles import Role
from cta.services.node import ForbiddenError
from cta.services.statistics import crossing_statistics


class CannedAggregates:
    """An in-memory twin of SqlAggregates: the rows a query would give."""

    def crossings_by(self, first: date, last: date, by: str) -> list[dict[str, Any]]:
        return [
            {"key": "GEO-TBS", "direction": "entry", "count": 120},
            {"key": "GEO-TBS", "direction": "exit", "count": 3},
            {"key": "GEO-SARPI", "direction": "entry", "count": 40},
        ]

    def refusals_by(self, first: date, last: date, by: str) -> list[dict[str, Any]]:
        return [{"key": "GEO-SARPI", "count": 7}]


FIRST, LAST = date(2027, 1, 1), date(2027, 1, 31)


def test_an_analyst_gets_entries_exits_and_refusals_per_group() -> None:
    stats = crossing_statistics(CannedAggregates(), Role.ANALYST, FIRST, LAST, "crossing_point")
    assert stats["groups"] == [
        {"crossing_point": "GEO-SARPI", "entries": 40, "exits": 0, "refusals": 7},
        {"crossing_point": "GEO-TBS", "entries": 120, "exits": "<5", "refusals": 0},
    ]


def test_a_border_officer_may_not_read_aggregates() -> None:
    with pytest.raises(ForbiddenError):
        crossing_statistics(CannedAggregates(), Role.BORDER_OFFICER, FIRST, LAST, "day")


def test_a_period_that_runs_backwards_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="forwards"):
        crossing_statistics(CannedAggregates(), Role.ANALYST, LAST, FIRST, "day")
