"""What the officer's pages arrange from the node's answers: the MRZ lines as a reader types
them, how recent each other state's records are, the traveller's timeline and window."""

from __future__ import annotations

from datetime import UTC, date, datetime

from cta.entrypoints.web.i18n import language
from cta.entrypoints.web.officer_view import freshness, mrz_lines, timeline, window

NOW = datetime(2027, 3, 10, 12, 0, tzinfo=UTC)


def test_the_mrz_is_read_as_typed_blank_lines_and_spaces_dropped() -> None:
    assert mrz_lines("p<geo tester<<anna\n\n  l898902c36geo \r\n") == [
        "P<GEOTESTER<<ANNA", "L898902C36GEO"]


def test_each_other_state_s_records_say_how_recent_they_are() -> None:
    heads = [{"origin": "GEO", "last_record_at": "2027-03-10T11:00:00+00:00"},
             {"origin": "ARM", "last_record_at": "2027-03-10T11:57:00+00:00"},
             {"origin": "AZE", "last_record_at": None},
             {"origin": "ARM", "last_record_at": "2027-03-07T11:00:00+00:00"}]
    said = freshness(language("en"), heads, "GEO", NOW)
    assert said == ["Records from ARM up to 3 minutes ago.", "No records from AZE yet.",
                    "Records from ARM up to 3 days ago."]
    russian = freshness(language("ru"), heads[1:2], "GEO", NOW)
    assert russian == ["Записи от ARM: последняя 3 минуты назад."]


FILE = {
    "crossings": [
        {"direction": "entry", "crossing_point": "GEO-TBS", "local_date": date(2027, 1, 1),
         "origin": None, "override_reason": None},
        {"direction": "exit", "crossing_point": "ARM-EVN", "local_date": date(2027, 1, 10),
         "origin": "ARM", "override_reason": None},
        {"direction": "entry", "crossing_point": "GEO-TBS", "local_date": date(2027, 3, 1),
         "origin": None, "override_reason": "seen by phone"},
    ],
    "refusals": [{"crossing_point": "GEO-TBS", "local_date": date(2026, 12, 1),
                  "reasons": [{"code": "C", "message": "x"}, {"code": "A", "message": "y"}]}],
    "visas": [],
    "authorizations": [{"valid_from": date(2026, 12, 20), "valid_to": date(2028, 12, 20),
                        "territorial_validity": ["GEO", "ARM"]}],
}


def test_the_timeline_is_newest_first_with_what_each_event_was() -> None:
    events = timeline(language("en"), FILE)
    assert [(e.day, e.kind) for e in events] == [
        (date(2027, 3, 1), "entry"), (date(2027, 1, 10), "exit"), (date(2027, 1, 1), "entry"),
        (date(2026, 12, 20), "authorisation"), (date(2026, 12, 1), "refusal")]
    assert events[0].detail == "Against the check: seen by phone"
    assert events[1].text == "Exit at Zvartnots International Airport"
    assert events[1].detail == "Recorded by Armenia"
    assert events[4].text == "Entry refused at Tbilisi International Airport (A, C)"
    assert events[3].detail == "Valid only in: Georgia, Armenia"


def test_the_window_counts_every_day_of_the_stays_and_the_open_one() -> None:
    days = window(FILE, date(2027, 3, 10))
    assert len(days) == 180 and days[-1].day == date(2027, 3, 10)
    present = [d for d in days if d.present]
    assert len(present) == 10 + 10  # 1-10 January, and 1-10 March still inside
    assert days[-1].used == 20 and not any(d.over for d in days)
