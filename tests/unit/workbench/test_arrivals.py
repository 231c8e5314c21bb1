"""The shipped arrival figures, and the checks that keep a bad table out."""

from __future__ import annotations

import pytest

from cta.domain.arrivals import COLUMNS, parse_arrivals
from cta.domain.errors import PolicyError
from cta.services.workbench import load_arrivals

STATES = ("AZE", "ARM", "GEO")
CODES = ("RUS", "TUR", "USA", "DEU", "FRA")
HEADER = ",".join(COLUMNS)
URL = "https://example.org/figures"


def test_each_state_sums_to_its_published_total() -> None:
    sources = load_arrivals().sources
    assert sources["GEO"].total == 7_423_471  # MIA entries of foreigners, 2024
    assert sources["ARM"].total == 1_839_004  # Statistical Committee, January-September 2023
    assert sources["AZE"].total == 1_477_900  # State Statistics Committee, January-July 2025


def test_every_state_has_a_period_a_measure_and_a_source() -> None:
    for state in STATES:
        source = load_arrivals().sources[state]
        assert source.period and source.measure and source.url.startswith("https://")


def test_the_eu_group_counts_the_27_member_states_of_the_eu() -> None:
    (eu,) = [f for f in load_arrivals().for_state("GEO") if f.code == "EU27"]
    assert len(eu.members) == 27 and "DEU" in eu.members and eu.visitors == 466_300


def _row(code: str = "RUS", members: str = "RUS", visitors: str = "10", state: str = "GEO") -> str:
    return f"{state},2024,entries,{code},{members},{visitors},{URL}"


def _parse(*rows: str) -> object:
    return parse_arrivals("\n".join([HEADER, *rows]) + "\n", file="t.csv", states=STATES,
                          codes=CODES)  # fmt: skip


def test_a_good_table_parses() -> None:
    _parse(_row(), _row("EU2", "DEU FRA", "5"), _row("OTHER", "", "7"))


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ((_row(state="FRA"),), "t.csv:2: state 'FRA' is not a member state"),
        ((_row(visitors="-4"),), "not a whole number"),
        ((_row("XYZ", "XYZ"),), "unknown nationality 'XYZ'"),
        ((_row("OTHER", "RUS"),), "OTHER is the rest"),
        ((_row("EU2", ""),), "members are empty"),
        ((_row(), _row()), "GEO RUS given twice"),
        ((_row(), _row("EU2", "RUS DEU")), "RUS is counted in two rows"),
        ((_row(), "GEO,2023,entries,TUR,TUR,3," + URL), "same period, measure and source"),
        ((_row().replace(URL, "nowhere"),), "source address"),
    ],
)
def test_a_bad_table_is_refused_with_file_line_and_problem(
    rows: tuple[str, ...], says: str
) -> None:
    with pytest.raises(PolicyError, match=says):
        _parse(*rows)


def test_a_wrong_header_is_refused() -> None:
    with pytest.raises(PolicyError, match=r"t\.csv:1: header must be"):
        parse_arrivals("a,b\n", file="t.csv", states=STATES, codes=CODES)
