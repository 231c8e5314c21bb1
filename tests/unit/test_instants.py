"""``cta.domain.instants``: one spelling of every time in every answer (RFC 3339, UTC)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from enum import Enum

from cta.domain.instants import jsonable, rfc3339


def test_a_time_without_a_zone_is_taken_as_utc_as_the_store_keeps_it() -> None:
    assert rfc3339(datetime(2026, 12, 6, 4, 17, 11, 459239)) == "2026-12-06T04:17:11.459239+00:00"


def test_a_time_with_another_offset_is_given_in_utc_with_its_offset() -> None:
    tbilisi = timezone(timedelta(hours=4))
    assert rfc3339(datetime(2026, 12, 6, 8, 0, tzinfo=tbilisi)) == "2026-12-06T04:00:00+00:00"


def test_jsonable_spells_times_and_days_everywhere_in_nested_values() -> None:
    class Colour(Enum):
        RED = "red"

    value = {"at": datetime(2026, 12, 6, 4, 0), "on": date(2026, 12, 6),
             "items": [(datetime(2026, 1, 1, tzinfo=UTC), Colour.RED)], "n": 1, "none": None,
             "flag": True, 7: "seven"}  # fmt: skip
    assert jsonable(value) == {
        "at": "2026-12-06T04:00:00+00:00", "on": "2026-12-06",
        "items": [["2026-01-01T00:00:00+00:00", "red"]], "n": 1, "none": None, "flag": True,
        "7": "seven"}  # fmt: skip
