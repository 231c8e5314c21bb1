"""Stays read from recorded crossings (cta.domain.travellers)."""

from __future__ import annotations

from datetime import date

from cta.domain.stays import Stay
from cta.domain.travellers import CrossingDay, anomaly_of_crossing, stays_from_crossings

ON = date(2027, 6, 1)


def entry(day: date) -> CrossingDay:
    return CrossingDay("entry", day)


def exit_(day: date) -> CrossingDay:
    return CrossingDay("exit", day)


def test_an_entry_and_its_exit_make_one_stay() -> None:
    found = stays_from_crossings([entry(date(2027, 1, 1)), exit_(date(2027, 1, 10))], ON)
    assert found.stays == (Stay(date(2027, 1, 1), date(2027, 1, 10)),)
    assert found.open_since is None
    assert found.anomalies == ()


def test_a_stay_with_no_exit_yet_runs_to_the_day_asked_about() -> None:
    found = stays_from_crossings([entry(date(2027, 5, 20))], ON)
    assert found.stays == (Stay(date(2027, 5, 20), ON),)
    assert found.open_since == date(2027, 5, 20)


def test_crossings_after_the_day_asked_about_are_not_counted() -> None:
    found = stays_from_crossings([entry(date(2027, 5, 20)), exit_(date(2027, 6, 5))], ON)
    assert found.stays == (Stay(date(2027, 5, 20), ON),)


def test_leaving_and_coming_back_the_same_day_makes_two_stays_that_share_it() -> None:
    day = date(2027, 3, 1)
    found = stays_from_crossings(
        [entry(date(2027, 2, 1)), exit_(day), entry(day), exit_(date(2027, 3, 5))], ON
    )
    assert found.stays == (Stay(date(2027, 2, 1), day), Stay(day, date(2027, 3, 5)))


def test_an_exit_without_an_entry_is_an_anomaly_and_adds_no_stay() -> None:
    found = stays_from_crossings([exit_(date(2027, 1, 10))], ON)
    assert found.stays == ()
    assert "no entry recorded" in found.anomalies[0]


def test_a_second_entry_without_an_exit_keeps_the_first_stay_going() -> None:
    """EES Art. 22: with no exit recorded the stay is taken to go on; it is never shortened."""
    found = stays_from_crossings(
        [entry(date(2027, 1, 1)), entry(date(2027, 2, 1)), exit_(date(2027, 2, 10))], ON
    )
    assert found.stays == (Stay(date(2027, 1, 1), date(2027, 2, 10)),)
    assert "no exit recorded" in found.anomalies[0]


# -- the anomaly a new crossing makes (issue 11: named in the crossing's answer) ---------------


def test_an_exit_while_no_stay_is_open_is_an_exit_without_entry() -> None:
    found = anomaly_of_crossing("exit", None, date(2026, 12, 6))
    assert found is not None and found.code == "exit_without_entry"
    assert found.message == "exit on 2026-12-06 with no entry recorded before it"


def test_an_entry_while_a_stay_is_open_is_an_entry_without_exit() -> None:
    found = anomaly_of_crossing("entry", date(2026, 12, 1), date(2026, 12, 6))
    assert found is not None and found.code == "entry_without_exit"
    assert "inside since 2026-12-01" in found.message


def test_crossings_that_follow_the_record_make_no_anomaly() -> None:
    assert anomaly_of_crossing("entry", None, date(2026, 12, 6)) is None
    assert anomaly_of_crossing("exit", date(2026, 12, 1), date(2026, 12, 6)) is None
