"""The statistics pages' figures are sums of cells published once each (cta.domain.statistics,
docs/statistics.md "The pages' figures"): no small count is ever shown, and changing a small cell
to another count that publishes the same value changes no figure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from cta.domain.disclosure import SMALL, Cell, published, rounded
from cta.domain.regime import Category as C
from cta.domain.regime import NationalityRule, StayLimit
from cta.domain.statistics import (
    ApplicationRow,
    decision_bucket,
    flows,
    internal_checks_by_day,
    longest_stay,
    overstays,
    refusals_by_reason,
    time_to_decision,
    week_ends,
)

SECRET = b"a node's statistics secret"
DAY = date(2027, 3, 1)
POINTS = ("GEO-TBS", "GEO-KUT", "ARM-EVN", "AZE-GYD")

exits = st.lists(st.tuples(st.integers(0, 6).map(lambda n: DAY + timedelta(days=n)),
                           st.sampled_from((*POINTS, None)), st.sampled_from(POINTS),
                           st.integers(1, 9)), max_size=30)  # fmt: skip


def _flow_cells(counts: list[tuple[date, str | None, str, int]]) -> dict[tuple[date, str, str],
                                                                       int]:  # fmt: skip
    """The slow, obvious grouping: each exit's cell by states."""
    cells: dict[tuple[date, str, str], int] = {}
    for day, entered, left, n in counts:
        key = (day, entered[:3] if entered else "none", left[:3])
        cells[key] = cells.get(key, 0) + n
    return cells


@settings(max_examples=200, deadline=None)
@given(exits)
def test_every_flow_is_the_sum_of_its_published_cells(
    counts: list[tuple[date, str | None, str, int]],
) -> None:
    figure = flows(counts, SECRET)
    expected: dict[tuple[str, str], int] = {}
    for (day, came, left), n in _flow_cells(counts).items():
        value = rounded(f"flows|{day.isoformat()}|{came}|{left}", n, SECRET)
        assert value == 0 or value >= SMALL
        expected[(came, left)] = expected.get((came, left), 0) + value
    assert dict(figure.rows) == {k: (v,) for k, v in expected.items() if v}


@settings(max_examples=200, deadline=None)
@given(exits, st.integers(1, SMALL - 1), st.integers(1, SMALL - 1))
def test_a_small_cell_changed_to_a_count_publishing_the_same_changes_no_flow(
    counts: list[tuple[date, str | None, str, int]], before: int, after: int
) -> None:
    name = f"flows|{DAY.isoformat()}|GEO|ARM"
    if rounded(name, before, SECRET) != rounded(name, after, SECRET):
        return
    rest = [c for c in counts if _flow_cells([c]).keys() != {(DAY, "GEO", "ARM")}]
    one = flows([*rest, (DAY, "GEO-TBS", "ARM-EVN", before)], SECRET)
    other = flows([*rest, (DAY, "GEO-KUT", "ARM-EVN", after)], SECRET)
    assert one == other


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 3), st.sampled_from(("GEO-SADAKHLO", "GEO-GUGUTI")),
                          st.sampled_from(("USA", "IRN", "RUS")),
                          st.sampled_from(("internal_checks", "internal_refusals", "entries")),
                          st.integers(1, 9)), max_size=30, unique_by=lambda c: c[:4]))
def test_internal_checks_per_day_are_sums_of_their_published_cells(
    raw: list[tuple[int, str, str, str, int]],
) -> None:
    cells = [(Cell(DAY + timedelta(days=d), point, nationality, measure), n)
             for d, point, nationality, measure, n in raw]  # fmt: skip
    expected: dict[tuple[str], list[int]] = {}
    for cell, n in cells:
        if cell.measure != "entries":  # the crossings' cells are not checks
            value = published(cell, n, SECRET)
            assert value == 0 or value >= SMALL
            sums = expected.setdefault((cell.day.isoformat(),), [0, 0])
            sums[cell.measure == "internal_refusals"] += value
    figure = internal_checks_by_day(cells, SECRET)
    assert dict(figure.rows) == {k: tuple(v) for k, v in expected.items() if any(v)}


def test_a_refusal_counts_once_under_each_of_its_letters() -> None:
    refusals = [(DAY, "GEO-TBS", "USA", ["C", "E", "C"])] * 6
    assert dict(refusals_by_reason(refusals, SECRET).rows) == {("C",): (6,), ("E",): (6,)}


def test_time_to_decision_in_whole_days_and_buckets_in_order() -> None:
    at = datetime(2027, 3, 1, 9, tzinfo=UTC)
    assert decision_bucket(at, at + timedelta(hours=23)) == "under_1"
    assert decision_bucket(at, at + timedelta(days=2, hours=23)) == "1_2"
    assert decision_bucket(at, at + timedelta(days=31)) == "over_30"
    rows = ([ApplicationRow("visa", "refused", at, at + timedelta(days=40))] * 5
            + [ApplicationRow("authorization", "granted", at, at + timedelta(hours=1))] * 6
            + [ApplicationRow("visa", "manual", at, None)] * 9)  # fmt: skip
    assert time_to_decision(rows, SECRET).rows == ((("under_1",), (6, 0)),
                                                   (("over_30",), (0, 5)))  # fmt: skip


def test_week_ends_are_sundays_and_the_last_day() -> None:
    assert week_ends(date(2026, 10, 1), date(2026, 10, 31)) == [
        date(2026, 10, 4), date(2026, 10, 11), date(2026, 10, 18), date(2026, 10, 25),
        date(2026, 10, 31)]  # fmt: skip
    assert week_ends(date(2026, 10, 5), date(2026, 10, 5)) == [date(2026, 10, 5)]


def test_an_overstay_is_a_stay_longer_than_the_nationality_may_stay() -> None:
    on = date(2026, 10, 4)
    limits = {"USA": 90, "GEO": None}
    stays = [(on, "USA", on - timedelta(days=89), 6),  # day 90: within
             (on, "USA", on - timedelta(days=90), 7),  # day 91: over
             (on, "GEO", on - timedelta(days=400), 9)]  # member nationals: no limit
    assert overstays(stays, limits.get, SECRET).rows == ((("2026-10-04",), (7,)),)
    rule = NationalityRule(C.VISA_EXEMPT, StayLimit(90, 180), per_entry=30)
    assert longest_stay(rule) == 30
    assert longest_stay(NationalityRule(C.FREE_MOVEMENT)) is None
