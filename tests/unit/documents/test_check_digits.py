"""Check digits (Doc 9303 Part 3 §4.9): the computation, and how a failing one is reported."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.documents import DocumentType, check_digit, parse_mrz
from cta.domain.documents.checks import guarded
from cta.domain.documents.formats import COMPOSITE, FORMATS, Checked
from tests.unit.documents import specimens
from tests.unit.documents.specimens import TODAY, replace

MRZ_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ<"


def oracle(value: str) -> str:
    """Part 3 §4.9 step by step: values, weights 7-3-1, sum, remainder of division by 10."""
    total = 0
    for index, char in enumerate(value):
        if char == "<":
            number = 0
        elif char.isdigit():
            number = int(char)
        else:
            number = ord(char) - ord("A") + 10
        total += number * [7, 3, 1][index % 3]
    return str(total % 10)


def test_the_check_digit_of_27_july_1952_is_3() -> None:
    """Part 3, Appendix A, Example 1: 520727 -> 3."""
    assert check_digit("520727") == "3"


def test_the_check_digit_of_document_number_ab2134_is_5() -> None:
    """Part 3, Appendix A, Example 2: AB2134<<< -> 5."""
    assert check_digit("AB2134<<<") == "5"


def test_the_composite_check_digits_of_the_part_3_examples() -> None:
    """Part 3, Appendix A, Examples 3 (TD3: 8), 4 (TD1: 2) and 5 (TD2: 8)."""
    td3 = "HA672242<6YTO5802254M9601086<<<<<<<<<<<<<<0"
    assert check_digit(td3[0:10] + td3[13:20] + td3[21:43]) == "8"
    upper, middle = "I<YTOD231458907<<<<<<<<<<<<<<<", "3407127M9507122YTO<<<<<<<<<<<"
    assert check_digit(upper[5:30] + middle[0:7] + middle[8:15] + middle[18:29]) == "2"
    td2 = "HA672242<6YTO5802254M9601086<<<<<<<"
    assert check_digit(td2[0:10] + td2[13:20] + td2[21:35]) == "8"


@given(st.text(alphabet=MRZ_ALPHABET, max_size=60))
def test_the_check_digit_agrees_with_the_step_by_step_oracle(value: str) -> None:
    assert check_digit(value) == oracle(value)


@pytest.mark.parametrize("value", ["ab12", "AB-12", "ÄB12", "AB 12"])
def test_a_check_digit_of_characters_outside_the_mrz_set_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="is not an MRZ character"):
        check_digit(value)


def _issues(lines: tuple[str, ...]) -> dict[str, str]:
    document = parse_mrz(lines, today=TODAY)
    assert not document.valid
    return {issue.field: issue.message for issue in document.errors}


def test_a_td3_whose_document_number_check_digit_is_wrong_names_field_position_and_expected_digit() -> None:  # noqa: E501  # fmt: skip
    """Part 4 §4.2.4: positions 1-9, check digit in position 10."""
    lines = replace(specimens.TD3, 2, 10, "4")
    document = parse_mrz(lines, today=TODAY)
    issue = next(issue for issue in document.errors if issue.field == "document_number")
    assert issue.message.startswith(
        "document number check digit is 4, expected 6 (line 2, position 10)"
    )
    assert (issue.line, issue.positions, issue.found, issue.expected) == (2, (10, 10), "4", "6")
    # the composite covers the check digit too, so it fails with it
    assert {issue.field for issue in document.errors} == {
        "document_number",
        "composite_check_digit",
    }


def test_a_td3_whose_birth_date_check_digit_is_wrong_says_so() -> None:
    messages = _issues(replace(specimens.TD3, 2, 20, "3"))
    assert messages["birth_date"] == "birth date check digit is 3, expected 2 (line 2, position 20)"


def test_a_td3_whose_expiry_date_check_digit_is_wrong_says_so() -> None:
    messages = _issues(replace(specimens.TD3, 2, 28, "1"))
    assert messages["expiry_date"].startswith(
        "expiry date check digit is 1, expected 9 (line 2, position 28)"
    )


def test_a_td3_whose_personal_number_check_digit_is_wrong_says_so() -> None:
    """Part 4 §4.2.2.2 position 43."""
    messages = _issues(replace(specimens.TD3, 2, 43, "2"))
    assert messages["optional_data"].startswith(
        "personal number check digit is 2, expected 1 (line 2, position 43)"
    )


def test_a_td3_whose_composite_check_digit_alone_is_wrong_reports_only_the_composite() -> None:
    """Part 4 §4.2.4: composite over positions 1-10, 14-20 and 22-43, in position 44."""
    messages = _issues(replace(specimens.TD3, 2, 44, "5"))
    assert messages == {
        "composite_check_digit": "composite check digit is 5, expected 0 (line 2, position 44)"
    }


def test_an_empty_personal_number_may_have_a_filler_or_a_zero_as_check_digit() -> None:
    """Part 4 §4.2.2.2 position 43: "may be zero or the filler character"."""
    with_zero = "HA672242<6YTO5802254M9601086<<<<<<<<<<<<<<08"  # Part 3, Example 3
    with_filler = with_zero[:42] + "<8"
    for lower in (with_zero, with_filler):
        assert parse_mrz((specimens.TD3[0], lower), today=TODAY).valid


def test_a_filled_personal_number_may_not_have_a_filler_as_check_digit() -> None:
    messages = _issues(replace(specimens.TD3, 2, 43, "<"))
    assert messages["optional_data"].startswith(
        "personal number check digit is '<', expected 1 (line 2, position 43)"
    )


def test_each_td1_check_digit_is_verified_where_part_5_puts_it() -> None:
    """Part 5 §4.2.4: number in line 1 position 15, dates in line 2 positions 7 and 15,
    composite in line 2 position 30."""
    cases = [
        (1, 15, "3", "document_number", "document number check digit is 3, expected 7"),
        (2, 7, "5", "birth_date", "birth date check digit is 5, expected 2"),
        (2, 15, "0", "expiry_date", "expiry date check digit is 0, expected 9"),
        (2, 30, "1", "composite_check_digit", "composite check digit is 1, expected 6"),
    ]
    for line, position, digit, field, message in cases:
        messages = _issues(replace(specimens.TD1, line, position, digit))
        assert messages[field].startswith(f"{message} (line {line}, position {position})")


def test_the_td1_composite_covers_the_optional_data_of_both_lines() -> None:
    """Part 5 §4.2.4: line 1 positions 6-30 and line 2 positions 19-29 are in the composite."""
    for line, position in ((1, 20), (2, 20)):
        messages = _issues(replace(specimens.TD1, line, position, "1"))
        assert set(messages) == {"composite_check_digit"}


def test_the_td2_composite_covers_the_optional_data() -> None:
    """Part 6 §4.2.4: positions 1-10, 14-20, 22-35."""
    messages = _issues(replace(specimens.TD2, 2, 30, "X"))
    assert set(messages) == {"composite_check_digit"}


def test_a_visa_has_no_composite_check_digit_so_its_optional_data_is_free() -> None:
    """Part 7 §4.2.2.2: positions 29-44 are optional data, without check digit."""
    document = parse_mrz(replace(specimens.MRVA, 2, 39, "ABCDE"), today=TODAY)
    assert document.valid
    assert document.optional_data == "6ZE184226BABCDE"


def test_a_letter_misread_for_a_digit_in_a_date_is_named_as_an_ocr_confusion() -> None:
    lines = replace(specimens.TD3, 2, 16, "O")
    document = parse_mrz(lines, today=TODAY)
    messages = {issue.field: issue.message for issue in document.errors if issue.field}
    assert document.birth_date is None
    birth = [issue.message for issue in document.errors if issue.field == "birth_date"]
    assert birth[0] == (
        "birth date has 'O' at line 2 position 16 where a digit is expected "
        "(OCR confusion with '0'?)"
    )
    assert birth[1] == (
        "birth date check digit is 2, expected 6 (line 2, position 20); "
        "likely an OCR confusion: 'O' at line 2 position 16 may be '0'"
    )
    assert "'O' at line 2 position 16 may be '0'" in messages["composite_check_digit"]


def test_a_digit_misread_for_a_letter_in_a_document_number_is_named_as_an_ocr_confusion() -> None:
    lines = replace(specimens.TD3, 2, 2, "B")  # L898902C3 read as LB98902C3
    messages = _issues(lines)
    assert messages["document_number"].startswith(
        "document number check digit is 6, expected 5 (line 2, position 10); "
        "likely an OCR confusion: 'B' at line 2 position 2 may be '8'"
    )


def test_a_letter_printed_as_check_digit_is_named_with_its_look_alike_digit() -> None:
    lines = replace(specimens.TD1, 1, 15, "T")  # 7 misread as T
    messages = _issues(lines)
    assert messages["document_number"] == (
        "document number check digit is 'T', expected 7 (line 1, position 15); "
        "a check digit must be a digit; likely an OCR confusion: 'T' at line 1 position 15 "
        "may be '7'"
    )


@pytest.mark.parametrize(
    ("lines", "composite"),
    [(specimens.TD2, True), (specimens.MRVA, False), (specimens.MRVB, False)],
)
@pytest.mark.parametrize(
    ("position", "field", "label"),
    [(10, "document_number", "document number"), (20, "birth_date", "birth date"),
     (28, "expiry_date", "expiry date")],
)  # fmt: skip
def test_td2_and_visa_check_digits_stand_where_part_6_and_part_7_put_them(
    lines: tuple[str, ...], composite: bool, position: int, field: str, label: str
) -> None:
    """Part 6 §4.2.4 and Part 7 §4.2.2.2 / §7.2.2.2: positions 10, 20 and 28 of line 2;
    only the TD2 has a composite (position 36)."""
    printed = lines[1][position - 1]
    wrong = str((int(printed) + 5) % 10)
    messages = _issues(replace(lines, 2, position, wrong))
    assert messages[field].startswith(
        f"{label} check digit is {wrong}, expected {printed} (line 2, position {position})"
    )
    assert ("composite_check_digit" in messages) is composite


@pytest.mark.parametrize("kind", list(DocumentType))
def test_the_slices_of_a_guarded_check_digit_read_the_data_of_its_spans_in_order(
    kind: DocumentType,
) -> None:
    """Adjacent spans are read with one slice (``guarded``): the same characters, in order."""
    fmt = FORMATS[kind]
    # every position of every line holds a character of its own
    lines = tuple(
        "".join(chr(0x100 + 64 * line + position) for position in range(fmt.line_length))
        for line in range(fmt.line_count)
    )
    guards = [(fmt.document_number_check, (Checked(fmt.document_number, True),))]
    if kind in COMPOSITE:
        assert fmt.composite_check is not None
        guards.append((fmt.composite_check, COMPOSITE[kind]))
    for check, parts in guards:
        guard = guarded(check, *parts)
        joined = "".join(lines[line][start:end] for line, start, end in guard.slices)
        assert joined == "".join(part.span.of(lines) for part in parts)
        assert guard.parts == parts and guard.check == check
    if kind is DocumentType.TD3:  # number, dates and optional data: three slices of line 2
        assert guarded(fmt.composite_check, *COMPOSITE[kind]).slices == (
            (1, 0, 10),
            (1, 13, 20),
            (1, 21, 43),
        )
