"""The fast path for valid documents agrees with the full field-by-field reader."""

from __future__ import annotations

from collections.abc import Container
from dataclasses import FrozenInstanceError, fields, replace
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.documents import (
    DocumentFields,
    DocumentType,
    TravelDocument,
    check_digit,
    generate_mrz,
    parse_mrz,
)
from cta.domain.documents.dates import read_birth_date
from cta.domain.documents.fast import _DATES, proven_birth_date
from cta.domain.documents.fields import DIGITS_OR_FILLER, check_characters
from cta.domain.documents.formats import FORMATS, Span, format_for_shape
from cta.domain.documents.parse import _read
from tests.unit.documents import specimens
from tests.unit.documents.specimens import TODAY
from tests.unit.documents.test_generate import document_fields

DOCUMENT_FORMAT = FORMATS[DocumentType.TD3]
NOISE = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<<<<<<<ox-"


@given(
    document_fields(),
    st.integers(min_value=0),
    st.sampled_from(NOISE),
    st.sampled_from([None, {"UTO", "D", "AZE"}]),
)
def test_a_document_with_or_without_one_changed_character_reads_the_same_on_both_paths(
    fields: DocumentFields, where: int, char: str, known_codes: set[str] | None
) -> None:
    lines = list(generate_mrz(fields))
    line = where % len(lines)
    position = where // len(lines) % len(lines[line])
    lines[line] = lines[line][:position] + char + lines[line][position + 1 :]
    fmt = format_for_shape(lines)
    assert fmt is not None
    slow = _read(fmt, tuple(lines), TODAY, known_codes)
    assert parse_mrz(lines, today=TODAY, known_codes=known_codes) == slow


def test_a_valid_document_read_on_the_fast_path_is_an_ordinary_frozen_travel_document() -> None:
    document = parse_mrz(specimens.TD3, today=TODAY)
    assert type(document) is TravelDocument
    assert document == _read(DOCUMENT_FORMAT, specimens.TD3, TODAY, None)
    assert hash(document) == hash(_read(DOCUMENT_FORMAT, specimens.TD3, TODAY, None))
    with pytest.raises(FrozenInstanceError):
        document.sex = "M"  # type: ignore[misc]
    assert replace(document, sex="M").sex == "M"


MRZ_CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"
todays = st.dates(date(1951, 1, 1), date(2098, 12, 31))
known_code_sets = st.sampled_from([None, {"UTO", "D", "AZE"}, frozenset({"UTO", "ARM", "GEO"})])


def _both_paths(lines: list[str], today: date, known_codes: Container[str] | None) -> None:
    """The document from the text, from its lines and from the full reader alone are equal."""
    fmt = format_for_shape(lines)
    assert fmt is not None
    full = _read(fmt, tuple(lines), today, known_codes)
    assert parse_mrz("\n".join(lines), today=today, known_codes=known_codes) == full
    assert parse_mrz(lines, today=today, known_codes=known_codes) == full
    assert parse_mrz("\r\n".join(lines) + "\n", today=today, known_codes=known_codes) == full


@given(
    document_fields(),
    st.lists(st.tuples(st.integers(min_value=0), st.sampled_from(MRZ_CHARACTERS)), max_size=3),
    todays,
    known_code_sets,
)
def test_a_document_with_up_to_three_changed_characters_reads_the_same_on_both_paths(
    fields: DocumentFields,
    changes: list[tuple[int, str]],
    today: date,
    known_codes: Container[str] | None,
) -> None:
    """Changed check digits, look-alikes, fillers: each field the fast path proves clean, the
    full reader would read with the same value and no issue; the rest it explains alike."""
    lines = list(generate_mrz(fields))
    for where, char in changes:
        line = where % len(lines)
        position = where // len(lines) % len(lines[line])
        lines[line] = lines[line][:position] + char + lines[line][position + 1 :]
    _both_paths(lines, today, known_codes)


@given(
    document_fields(),
    st.sampled_from(["birth_date", "expiry_date"]),
    st.text(alphabet="0123456789", min_size=6, max_size=6),
    todays,
)
def test_any_six_digits_as_a_date_with_right_check_digits_read_the_same_on_both_paths(
    fields: DocumentFields, which: str, digits: str, today: date
) -> None:
    """Months 00 or 13, 30 February, 29 February in a year that is not leap, both centuries."""
    try:
        lines = list(generate_mrz(replace(fields, **{which: digits})))
    except ValueError:
        return  # a raw date generate_mrz refuses (it does not write every six digits)
    _both_paths(lines, today, None)


def test_the_table_of_dates_has_every_day_of_a_century_with_its_check_digit() -> None:
    table = _DATES
    assert len(table) == 100 * 366
    assert all(
        check_digit(key[:6]) == key[6] and entry[7] == key[:6] for key, entry in table.items()
    )
    assert "0002299" in table  # 29 February: its year decides, as the full reader does
    assert "0013013" not in table and "7402304" not in table  # no month 13, no 30 February


def test_a_document_with_issues_is_an_ordinary_frozen_travel_document() -> None:
    lines = (specimens.TD3[0], specimens.TD3[1][:27] + "0" + specimens.TD3[1][28:])
    document = parse_mrz(lines, today=TODAY)
    assert [issue.field for issue in document.errors] == ["expiry_date", "composite_check_digit"]
    built = TravelDocument(
        **{field.name: getattr(document, field.name) for field in fields(document)}
    )
    assert type(document) is TravelDocument
    assert document == built and hash(document) == hash(built)
    with pytest.raises(FrozenInstanceError):
        document.errors = ()  # type: ignore[misc]


@given(st.text(alphabet="0123456789<A", min_size=7, max_size=7), todays)
def test_a_birth_date_its_table_entry_proves_is_the_one_read_character_by_character(
    raw: str, latest: date
) -> None:
    """The full reader takes ``proven_birth_date`` instead of reading the birth date when it
    gives a date: the characters, the calendar and the check digit would then add no issue."""
    proven = proven_birth_date(raw, latest)
    if proven is None:
        return
    span, issues = Span(1, 13, 19), []
    assert check_characters("birth_date", "birth date", raw[:6], span, DIGITS_OR_FILLER, issues)
    assert read_birth_date(raw[:6], span, latest, issues) == (proven, proven.year)
    assert check_digit(raw[:6]) == raw[6] and not issues


@pytest.mark.parametrize(
    "name",
    [
        "SMITH<<<JOHN",  # a run of fillers after the first '<<'
        "SMITH<<JOHN<<PAUL",
        "SMITH<<JOHN<<<<PAUL<MARY",
        "SMITH<JONES<<ANNA<MARIA",
        "SMITH",  # no given names
        "SMITH<<",
        "<<LAKSHMI",  # a single name as given names (a warning)
        "<SMITH<<JOHN",
        "SMITH<<J0HN",  # a digit
        "SMITHXXXXXXXXXXXXXXXXXXXXXXXXXXXXX<<JOHN",  # up to the last position: truncated
        "SMITH<<JOHN<<<<<<<<<<<<<<<<<<<<<<<<<<<<X",
    ],
)
def test_names_with_runs_of_fillers_read_the_same_on_both_paths(name: str) -> None:
    field = (name + "<" * 39)[:39]
    lines = [specimens.TD3[0][:5] + field, specimens.TD3[1]]
    _both_paths(lines, TODAY, None)
