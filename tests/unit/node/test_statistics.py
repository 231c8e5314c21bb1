"""Statistics give analysts counts that no combination of answers turns back into a small
count (cta.services.statistics, cta.domain.disclosure, docs/statistics.md)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cta.domain.disclosure import MEASURES, SMALL, Cell, published
from cta.domain.errors import InvalidInputError
from cta.domain.roles import Role
from cta.services.node import ForbiddenError
from cta.services.statistics import crossing_statistics

SECRET = b"a node's statistics secret"
FIRST, LAST = date(2027, 1, 1), date(2027, 1, 31)


class CellAggregates:
    """An in-memory twin of SqlAggregates: counts per cell."""

    def __init__(self, counts: dict[Cell, int], secret: bytes = SECRET) -> None:
        self.counts = counts
        self._secret = secret

    def cells(self, first: date, last: date) -> list[dict[str, Any]]:
        return [{"day": c.day, "crossing_point": c.crossing_point, "nationality": c.nationality,
                 "measure": c.measure, "count": n}
                for c, n in self.counts.items() if first <= c.day <= last and n]  # fmt: skip

    def secret(self) -> bytes:
        return self._secret


def cell(day: int, point: str = "GEO-TBS", nationality: str = "USA",
         measure: str = "entries") -> Cell:  # fmt: skip
    return Cell(FIRST + timedelta(days=day), point, nationality, measure)


def test_an_analyst_gets_entries_exits_and_refusals_per_group() -> None:
    counts = {cell(0): 120, cell(0, measure="exits"): 30, cell(1, "GEO-SARPI"): 40,
              cell(2, "GEO-SARPI", measure="refusals"): 7}  # fmt: skip
    stats = crossing_statistics(CellAggregates(counts), Role.ANALYST, FIRST, LAST,
                                "crossing_point")  # fmt: skip
    assert stats["groups"] == [
        {"crossing_point": "GEO-SARPI", "entries": 40, "exits": 0, "refusals": 7,
         "internal_checks": 0, "internal_refusals": 0},
        {"crossing_point": "GEO-TBS", "entries": 120, "exits": 30, "refusals": 0,
         "internal_checks": 0, "internal_refusals": 0},
    ]
    assert "docs/statistics.md" in stats["method"]


def test_a_small_cell_is_published_as_0_or_5_the_same_way_every_time() -> None:
    for day in range(200):
        for count in range(1, SMALL):
            value = published(cell(day), count, SECRET)
            assert value in (0, SMALL)
            assert published(cell(day), count, SECRET) == value
    assert published(cell(0), 0, SECRET) == 0
    assert published(cell(0), 5, SECRET) == 5
    assert published(cell(0), 12, SECRET) == 12


def test_small_cells_round_without_bias() -> None:
    """Over many cells of 2 the published values average about 2: totals stay about right."""
    values = [published(cell(day, nationality=n), 2, SECRET)
              for day in range(500) for n in ("USA", "IND", "CHN", "TUR")]  # fmt: skip
    assert 1.8 < sum(values) / len(values) < 2.2


def test_a_border_officer_may_not_read_aggregates() -> None:
    with pytest.raises(ForbiddenError):
        crossing_statistics(CellAggregates({}), Role.BORDER_OFFICER, FIRST, LAST, "day")


def test_a_period_that_runs_backwards_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="forwards"):
        crossing_statistics(CellAggregates({}), Role.ANALYST, LAST, FIRST, "day")


# -- no differencing ---------------------------------------------------------------------------

POINTS = ("GEO-TBS", "GEO-SARPI")
NATIONALITIES = ("USA", "IND", "TUV")
DAYS = 12

datasets = st.dictionaries(
    st.builds(cell, st.integers(0, DAYS - 1), st.sampled_from(POINTS),
              st.sampled_from(NATIONALITIES), st.sampled_from(MEASURES)),
    st.integers(1, 9),
    max_size=40,
)  # fmt: skip
queries = st.lists(
    st.tuples(st.integers(0, DAYS - 1), st.integers(0, DAYS - 1),
              st.sampled_from(["day", "crossing_point", "nationality"])),
    min_size=1, max_size=15,
)  # fmt: skip


def answers(counts: dict[Cell, int], asked: list[tuple[int, int, str]]) -> list[Any]:
    aggregates = CellAggregates(counts)
    return [
        crossing_statistics(aggregates, Role.ANALYST, FIRST + timedelta(days=min(a, b)),
                            FIRST + timedelta(days=max(a, b)), by)["groups"]  # type: ignore[arg-type]
        for a, b, by in asked
    ]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(counts=datasets, asked=queries)
def test_every_figure_is_a_sum_of_published_cells(
    counts: dict[Cell, int], asked: list[tuple[int, int, str]]
) -> None:
    """So any sum or difference of figures from any answers is a sum or difference of
    published cells, and a small cell is published as 0 or 5, never as its count."""
    for (a, b, by), groups in zip(asked, answers(counts, asked), strict=True):
        first, last = FIRST + timedelta(days=min(a, b)), FIRST + timedelta(days=max(a, b))
        for group in groups:
            for measure in MEASURES:
                scope = [c for c in counts if first <= c.day <= last and c.measure == measure
                         and c.key(by) == group[by]]  # type: ignore[arg-type]  # fmt: skip
                assert group[measure] == sum(published(c, counts[c], SECRET) for c in scope)
                assert group[measure] == 0 or group[measure] >= SMALL


@settings(max_examples=300, deadline=None)
@given(counts=datasets, asked=queries, data=st.data())
def test_no_answer_changes_when_a_small_cell_changes_within_its_published_value(
    counts: dict[Cell, int], asked: list[tuple[int, int, str]], data: st.DataObject
) -> None:
    """Every other count that publishes the same value gives the same answers to every query,
    so no combination of answers can tell a small cell's count: take the issue's reproduction
    (a range to D minus the range to D-1) or any other."""
    small = [c for c, n in counts.items() if n < SMALL]
    if not small:
        return
    chosen = data.draw(st.sampled_from(small))
    shown = published(chosen, counts[chosen], SECRET)
    same = [n for n in range(SMALL)
            if n != counts[chosen] and published(chosen, n, SECRET) == shown]  # fmt: skip
    if not same:  # the only count in 1..4 that rounds this way (the secret is not the analyst's)
        return
    other = {**counts, chosen: data.draw(st.sampled_from(same))}
    assert answers(other, asked) == answers(counts, asked)


def test_the_reproduction_no_longer_recovers_a_one_day_count() -> None:
    """``from=2027-01-01&to=D`` minus ``to=D-1``, by nationality: the day's 3 travellers of
    a rare nationality come out as 0 or 5, whichever the node's secret rounds them to."""
    counts = {cell(day, nationality="USA"): 40 for day in range(10)}
    counts[cell(9, nationality="TUV")] = 3
    for secret in (b"one node", b"another node", b"a third"):
        aggregates = CellAggregates(counts, secret)
        to_d, to_before = (
            crossing_statistics(aggregates, Role.ANALYST, FIRST, FIRST + timedelta(days=last),
                                "nationality")["groups"]
            for last in (9, 8)
        )  # fmt: skip

        def tuv(groups: list[dict[str, Any]]) -> int:
            return sum(g["entries"] for g in groups if g["nationality"] == "TUV")

        assert tuv(to_d) - tuv(to_before) in (0, SMALL)
