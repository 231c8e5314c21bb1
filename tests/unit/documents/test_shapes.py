"""Only text that is no MRZ of any shape raises; the message says what was found."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.documents import DocumentType, parse_mrz
from cta.domain.errors import CTAError, MRZFormatError
from tests.unit.documents import specimens
from tests.unit.documents.specimens import TODAY

EXPECTED = "expected 3×30 (TD1), 2×36 (TD2, MRV-B) or 2×44 (TD3, MRV-A)"


def test_a_td1_with_a_short_last_line_names_every_length_found() -> None:
    lines = (*specimens.TD1[:2], specimens.TD1[2][:29])
    with pytest.raises(MRZFormatError) as raised:
        parse_mrz(lines, today=TODAY)
    assert str(raised.value) == f"3 lines of 30, 30, 29 characters; {EXPECTED}"


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("", "no MRZ lines found"),
        ("\n  \n", "no MRZ lines found"),
        (specimens.TD3[0], "1 line of 44 characters"),
        ("\n".join((*specimens.TD3, specimens.TD3[1])), "3 lines of 44, 44, 44 characters"),
        ("\n".join((specimens.TD3[0], specimens.TD2[1])), "2 lines of 44, 36 characters"),
        ("\n".join(specimens.TD1[:2]), "2 lines of 30, 30 characters"),
    ],
)
def test_text_of_no_mrz_shape_raises_a_format_error_naming_what_was_found(
    text: str, found: str
) -> None:
    with pytest.raises(MRZFormatError) as raised:
        parse_mrz(text, today=TODAY)
    assert str(raised.value) == f"{found}; {EXPECTED}"
    assert isinstance(raised.value, CTAError)


def test_the_shape_alone_decides_the_format_and_a_v_makes_it_a_visa() -> None:
    assert parse_mrz(specimens.TD1, today=TODAY).type is DocumentType.TD1
    assert parse_mrz(specimens.TD2, today=TODAY).type is DocumentType.TD2
    assert parse_mrz(specimens.TD3, today=TODAY).type is DocumentType.TD3
    assert parse_mrz(specimens.MRVA, today=TODAY).type is DocumentType.MRVA
    assert parse_mrz(specimens.MRVB, today=TODAY).type is DocumentType.MRVB


def test_a_field_problem_never_raises_even_when_every_character_is_wrong() -> None:
    document = parse_mrz(("?" * 44, "?" * 44), today=TODAY)
    assert not document.valid
    assert document.type is DocumentType.TD3
    assert document.birth_date is None and document.expiry_date is None


@given(
    st.sampled_from([(3, 30), (2, 36), (2, 44)]),
    st.data(),
    st.dates(min_value=date(1950, 1, 1), max_value=date(2150, 12, 31)),
)
def test_any_text_of_an_mrz_shape_is_read_without_raising(
    shape: tuple[int, int], data: st.DataObject, today: date
) -> None:
    count, length = shape
    alphabet = st.sampled_from("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<<<<<<<<<<<<MFVPIaé- ")
    line = st.text(alphabet=alphabet, min_size=length, max_size=length).map(
        lambda text: "<" + text[1:-1] + "<"  # surrounding blanks would be stripped
    )
    lines = [data.draw(line) for _ in range(count)]
    document = parse_mrz(lines, today=today)
    assert document.valid == (not document.errors)
    for issue in document.errors:
        assert issue.message and issue.field
        assert issue.line is None or 1 <= issue.line <= count
