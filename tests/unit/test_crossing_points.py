"""Crossing points: the shipped table of airports, land crossings and sea ports of the area."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from cta.domain.crossing_points import (
    CrossingKind,
    CrossingMode,
    CrossingPoint,
    CrossingPoints,
    local_date,
)
from cta.domain.errors import PolicyError
from cta.policy.crossing_points import COLUMNS, load_crossing_points, parse_crossing_points

HEADER = ",".join(COLUMNS)
GOOD_ROW = "GEO-SADAKHLO,GEO,Sadakhlo,სადახლო,internal,ARM,road,41.250,44.800,Asia/Tbilisi,gnta"
FILE = "crossing_points.csv"

# Rough boxes around each state (south, north, west, east), Nakhchivan included.
BOXES = {
    "GEO": (41.0, 43.6, 39.9, 46.8),
    "ARM": (38.8, 41.35, 43.4, 46.7),
    "AZE": (38.3, 41.95, 44.7, 50.7),
}
ZONES = {"GEO": "Asia/Tbilisi", "ARM": "Asia/Yerevan", "AZE": "Asia/Baku"}


def point(**changes: object) -> CrossingPoint:
    fields: dict[str, object] = {
        "code": "GEO-TBS",
        "state": "GEO",
        "name": "Tbilisi International Airport",
        "name_local": "",
        "kind": CrossingKind.EXTERNAL,
        "border_with": "",
        "mode": CrossingMode.AIR,
        "latitude": 41.6692,
        "longitude": 44.9547,
        "time_zone": "Asia/Tbilisi",
    }
    fields.update(changes)
    return CrossingPoint(**fields)  # type: ignore[arg-type]


def parse(*rows: str) -> CrossingPoints:
    return parse_crossing_points("\n".join([HEADER, *rows]) + "\n", file=FILE)


@pytest.mark.parametrize(
    ("code", "state", "kind", "mode", "border_with"),
    [
        ("GEO-TBS", "GEO", "external", "air", ""),
        ("GEO-KUT", "GEO", "external", "air", ""),
        ("GEO-BUS", "GEO", "external", "air", ""),
        ("ARM-EVN", "ARM", "external", "air", ""),
        ("ARM-LWN", "ARM", "external", "air", ""),
        ("AZE-GYD", "AZE", "external", "air", ""),
        ("AZE-NAJ", "AZE", "external", "air", ""),
        ("GEO-SADAKHLO", "GEO", "internal", "road", "ARM"),
        ("ARM-BAGRATASHEN", "ARM", "internal", "road", "GEO"),
        ("GEO-TSITELI-KHIDI", "GEO", "internal", "road", "AZE"),
        ("AZE-QIRMIZI-KORPU", "AZE", "internal", "road", "GEO"),
        ("GEO-KAZBEGI", "GEO", "external", "road", "RUS"),
        ("GEO-SARPI", "GEO", "external", "road", "TUR"),
        ("AZE-ASTARA", "AZE", "external", "road", "IRN"),
        ("AZE-SADARAK", "AZE", "external", "road", "TUR"),
        ("ARM-AGARAK", "ARM", "external", "road", "IRN"),
        ("GEO-BATUMI-PORT", "GEO", "external", "sea", ""),
        ("AZE-BAKU-PORT", "AZE", "external", "sea", ""),
    ],
)
def test_the_named_points_exist_with_their_state_kind_mode_and_zone(
    code: str, state: str, kind: str, mode: str, border_with: str
) -> None:
    found = load_crossing_points().get(code)
    assert found is not None
    assert (found.state, found.kind, found.mode, found.border_with) == (
        state,
        kind,
        mode,
        border_with,
    )
    assert found.time_zone == ZONES[state]


def test_every_point_lies_inside_a_rough_box_around_its_state() -> None:
    for found in load_crossing_points():
        south, north, west, east = BOXES[found.state]
        assert south <= found.latitude <= north, found.code
        assert west <= found.longitude <= east, found.code


def test_every_airport_and_sea_port_is_external() -> None:
    ports = [p for p in load_crossing_points() if p.mode in (CrossingMode.AIR, CrossingMode.SEA)]
    assert len(ports) >= 14
    assert all(p.kind is CrossingKind.EXTERNAL and p.border_with == "" for p in ports)


def test_sadakhlo_is_internal_and_so_is_every_crossing_into_a_member() -> None:
    table = load_crossing_points()
    sadakhlo = table.get("GEO-SADAKHLO")
    assert sadakhlo is not None
    assert not sadakhlo.is_external
    for found in table:
        into_member = found.border_with in ZONES
        assert (found.kind is CrossingKind.INTERNAL) == into_member, found.code


def test_no_crossing_point_joins_armenia_and_azerbaijan_today() -> None:
    pairs = {(p.state, p.border_with) for p in load_crossing_points()}
    assert ("ARM", "AZE") not in pairs
    assert ("AZE", "ARM") not in pairs


def test_a_two_sided_crossing_appears_once_per_side() -> None:
    table = load_crossing_points()
    assert "GEO-SADAKHLO" in table
    assert "ARM-BAGRATASHEN" in table
    assert {p.state for p in table if p.name.startswith("Red Bridge")} == {"GEO", "AZE"}


def test_points_are_found_by_the_state_that_runs_them() -> None:
    table = load_crossing_points()
    for state in ("AZE", "ARM", "GEO"):
        points = table.of_state(state)
        assert points
        assert all(p.state == state for p in points)
    assert sum(len(table.of_state(s)) for s in ("AZE", "ARM", "GEO")) == len(table)
    assert table.of_state("TUR") == ()
    assert "XXX-NOWHERE" not in table
    assert table.get("XXX-NOWHERE") is None


def test_the_table_is_read_once_per_process() -> None:
    assert load_crossing_points() is load_crossing_points()


def test_half_past_eight_in_the_evening_utc_is_the_next_day_in_tbilisi() -> None:
    instant = datetime(2026, 3, 14, 20, 30, tzinfo=UTC)
    assert local_date(point(), instant) == date(2026, 3, 15)


def test_just_before_eight_in_the_evening_utc_is_still_the_same_day_in_yerevan() -> None:
    zvartnots = load_crossing_points().get("ARM-EVN")
    assert zvartnots is not None
    assert local_date(zvartnots, datetime(2026, 12, 31, 19, 59, tzinfo=UTC)) == date(2026, 12, 31)
    assert local_date(zvartnots, datetime(2026, 12, 31, 20, 0, tzinfo=UTC)) == date(2027, 1, 1)


def test_the_local_date_does_not_depend_on_the_offset_the_instant_was_given_in() -> None:
    in_utc = datetime(2026, 6, 1, 21, 0, tzinfo=UTC)
    in_new_york = in_utc.astimezone(timezone(timedelta(hours=-4)))
    assert local_date(point(), in_new_york) == local_date(point(), in_utc) == date(2026, 6, 2)


def test_a_naive_instant_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        local_date(point(), datetime(2026, 3, 14, 20, 30))


def test_a_good_row_loads() -> None:
    table = parse(GOOD_ROW)
    assert len(table) == 1
    sadakhlo = table.get("GEO-SADAKHLO")
    assert sadakhlo == point(
        code="GEO-SADAKHLO",
        name="Sadakhlo",
        name_local="სადახლო",
        kind=CrossingKind.INTERNAL,
        border_with="ARM",
        mode=CrossingMode.ROAD,
        latitude=41.25,
        longitude=44.8,
    )


@pytest.mark.parametrize(
    ("row", "problem"),
    [
        (GOOD_ROW.replace("GEO-SADAKHLO", "sadakhlo"), "is not STATE-NAME"),
        (GOOD_ROW.replace(",GEO,", ",TUR,"), "is not a member state"),
        (GOOD_ROW.replace("GEO-SADAKHLO", "ARM-SADAKHLO"), "does not start with its state"),
        (GOOD_ROW.replace(",Sadakhlo,", ", ,"), "the name is empty"),
        (GOOD_ROW.replace("internal", "inner"), "kind 'inner' is not one of"),
        (GOOD_ROW.replace("road", "foot"), "mode 'foot' is not one of"),
        (GOOD_ROW.replace("internal", "external"), "is internal, not external"),
        (GOOD_ROW.replace(",ARM,", ",GEO,"), "is the point's own state"),
        (GOOD_ROW.replace(",ARM,", ",Armenia,"), "is not an ISO 3166-1 alpha-3 code"),
        (GOOD_ROW.replace(",ARM,road", ",ARM,air"), "must be empty for mode air"),
        (GOOD_ROW.replace("41.250", "91.0"), "latitude 91.0 is outside"),
        (GOOD_ROW.replace("44.800", "east"), "longitude 'east' is not a number"),
        (GOOD_ROW.replace("44.800", "nan"), "longitude nan is outside"),
        (GOOD_ROW.replace("Asia/Tbilisi", "Asia/Atlantis"), "is not an IANA time zone"),
        (GOOD_ROW.replace("Asia/Tbilisi", "../etc/passwd"), "is not an IANA time zone"),
        (GOOD_ROW.replace(",gnta", ",A Source"), "is not a short source id"),
    ],
)
def test_a_bad_row_names_the_file_the_line_and_the_problem(row: str, problem: str) -> None:
    good = GOOD_ROW.replace("GEO-SADAKHLO", "GEO-SADAKHLO-RAIL").replace("road", "rail")
    with pytest.raises(PolicyError, match=problem) as raised:
        parse(good, row)
    assert raised.value.file == FILE
    assert raised.value.line == 3
    assert str(raised.value).startswith(f"{FILE}:3: ")


def test_an_airport_that_claims_to_be_internal_is_refused() -> None:
    row = "GEO-TBS,GEO,Tbilisi,,internal,,air,41.6692,44.9547,Asia/Tbilisi,airportsdata"
    with pytest.raises(PolicyError, match="is external, not internal"):
        parse(row)


def test_a_code_given_twice_names_the_first_line() -> None:
    with pytest.raises(PolicyError, match="already given on line 2") as raised:
        parse(GOOD_ROW, GOOD_ROW)
    assert raised.value.line == 3


def test_a_row_with_a_missing_column_names_its_line() -> None:
    with pytest.raises(PolicyError, match="10 columns, expected 11") as raised:
        parse(GOOD_ROW.rsplit(",", 1)[0])
    assert raised.value.line == 2


def test_a_wrong_header_is_refused_on_line_1() -> None:
    with pytest.raises(PolicyError, match="header must be") as raised:
        parse_crossing_points("code,state\n", file=FILE)
    assert raised.value.line == 1


def test_an_empty_table_is_refused() -> None:
    with pytest.raises(PolicyError, match="no crossing points"):
        parse()


def test_the_collection_refuses_a_code_given_twice() -> None:
    with pytest.raises(ValueError, match="appears twice"):
        CrossingPoints([point(), point()])
