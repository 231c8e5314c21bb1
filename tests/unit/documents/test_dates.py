"""MRZ dates (Doc 9303 Part 3 §4.8) and CTA's century rule (cta.domain.documents.dates)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from cta.domain.documents import DocumentFields, DocumentType, generate_mrz, parse_mrz
from tests.unit.documents import specimens
from tests.unit.documents.specimens import TODAY, replace


def _td3(
    birth: date | str, expiry: date | str = date(2030, 1, 1), sex: str = "F"
) -> tuple[str, ...]:
    fields = DocumentFields(
        DocumentType.TD3, "P", "UTO", "ERIKSSON", "ANNA MARIA", "L898902C3", "UTO", birth, sex,
        expiry,
    )  # fmt: skip
    return generate_mrz(fields)


def test_a_traveller_born_on_the_day_of_the_check_is_born_this_century() -> None:
    document = parse_mrz(_td3(TODAY), today=TODAY)
    assert document.valid
    assert document.birth_date == TODAY


def test_a_birth_date_one_day_after_the_check_is_read_a_century_earlier() -> None:
    """A birth date is never after the day of the check: 261130 on 29 Nov 2026 is 1926."""
    document = parse_mrz(_td3("261130"), today=TODAY)
    assert document.valid
    assert document.birth_date == date(1926, 11, 30)


def test_a_birth_year_00_is_2000_and_a_29_february_of_a_leap_year_reads() -> None:
    document = parse_mrz(_td3("000229"), today=TODAY)
    assert document.birth_date == date(2000, 2, 29)


def test_an_expiry_date_49_years_ahead_is_in_the_future() -> None:
    """Expiry years are read in [today.year - 50, today.year + 49]."""
    assert parse_mrz(_td3(TODAY, "751231"), today=TODAY).expiry_date == date(2075, 12, 31)


def test_an_expiry_date_50_years_ahead_is_read_as_50_years_ago() -> None:
    assert parse_mrz(_td3(TODAY, "760101"), today=TODAY).expiry_date == date(1976, 1, 1)


def test_an_old_expiry_date_of_the_specimen_stays_in_the_past() -> None:
    """Part 4 Figure A-1 expired 15 April 2012; parsing does not judge expiry."""
    document = parse_mrz(specimens.TD3, today=TODAY)
    assert document.valid
    assert document.expiry_date == date(2012, 4, 15)


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), st.integers(0, 99))
def test_the_birth_century_is_the_latest_one_not_after_the_day_of_the_check(
    today: date, age: int
) -> None:
    born = today - timedelta(days=age * 365 + age // 4)
    if born.year < today.year - 99 or born.year < 1:  # a hundred years make the century ambiguous
        return
    document = parse_mrz(_td3(born, expiry=today + timedelta(days=3650)), today=today)
    assert document.birth_date == born


def test_a_birth_date_whose_day_and_month_are_unknown_keeps_its_year_and_raw_text() -> None:
    """Part 3 §4.8: unknown parts of a birth date are filler characters."""
    lines = _td3("74<<<<")
    document = parse_mrz(lines, today=TODAY)
    assert document.valid
    assert document.birth_date is None
    assert document.birth_date_raw == "74<<<<"
    assert document.birth_year == 1974
    assert document.birth_year_known
    assert document.to_json()["birth_date"] is None


def test_a_wholly_unknown_birth_date_is_valid_but_has_no_year() -> None:
    document = parse_mrz(_td3("<<<<<<", sex="<"), today=TODAY)
    assert document.valid
    assert document.birth_date is None
    assert not document.birth_year_known
    assert document.sex is None


def test_the_check_digit_of_a_partly_unknown_birth_date_is_still_verified() -> None:
    lines = replace(_td3("74<<<<"), 2, 20, "7")
    document = parse_mrz(lines, today=TODAY)
    fields = {issue.field: issue.message for issue in document.errors}
    assert fields["birth_date"] == "birth date check digit is 7, expected 1 (line 2, position 20)"


def test_a_birth_date_in_month_13_is_no_calendar_date() -> None:
    lines = _td3("741312")
    document = parse_mrz(lines, today=TODAY)
    assert document.birth_date is None
    messages = [issue.message for issue in document.errors]
    assert messages == [
        "birth date 741312 is not a calendar date: month 13 is not 01-12 (line 2, positions 14-19)"
    ]


def test_a_29_february_in_a_common_year_is_no_calendar_date() -> None:
    document = parse_mrz(_td3(TODAY, "270229"), today=TODAY)
    assert [issue.message for issue in document.errors] == [
        "expiry date 270229 is not a calendar date: 2027 is not a leap year "
        "(line 2, positions 22-27)"
    ]


def test_a_day_31_in_april_is_no_calendar_date_even_when_the_year_is_unknown() -> None:
    document = parse_mrz(_td3("<<0431"), today=TODAY)
    assert [issue.field for issue in document.errors] == ["birth_date"]
    assert "day 31 does not exist in month 04" in document.errors[0].message


def test_a_filler_in_an_expiry_date_is_an_issue_because_only_birth_dates_may_be_unknown() -> None:
    lines = replace(_td3(TODAY), 2, 26, "<<")
    document = parse_mrz(lines, today=TODAY)
    assert document.expiry_date is None
    assert document.expiry_date_raw.endswith("<<")
    first = document.errors[0]
    assert first.field == "expiry_date"
    assert first.message.startswith("expiry date has '<' at line 2 position 26 where a digit is")


def test_a_birth_date_after_the_expiry_date_is_read_a_century_earlier() -> None:
    """A holder is born before the document expires: 261002 with expiry 2026-01-12 is 1926."""
    document = parse_mrz(_td3(date(1926, 10, 2), expiry=date(2026, 1, 12)), today=TODAY)
    assert document.birth_date == date(1926, 10, 2)
