"""Field rules: characters, codes, sex, document codes, names, long TD1 document numbers."""

from __future__ import annotations

import pytest

from cta.domain.documents import DocumentType, check_digit, parse_mrz
from tests.unit.documents import specimens
from tests.unit.documents.specimens import TODAY, replace


def _fields(lines: tuple[str, ...], **kwargs: object) -> dict[str, str]:
    document = parse_mrz(lines, today=TODAY, **kwargs)  # type: ignore[arg-type]
    return {issue.field: issue.message for issue in document.errors}


def test_a_lowercase_letter_in_a_name_is_an_issue_not_silently_uppercased() -> None:
    lines = replace(specimens.TD3, 1, 6, "e")
    document = parse_mrz(lines, today=TODAY)
    assert document.surname == "eRIKSSON"
    assert [issue.message for issue in document.errors] == [
        "name has 'e' at line 1 position 6 where a letter or '<' is expected "
        "(lowercase letters are not MRZ characters)"
    ]


def test_a_wholly_lowercase_mrz_reports_every_field_once() -> None:
    lines = tuple(line.lower() for line in specimens.TD3)
    fields = _fields(lines)
    assert {"document_code", "issuing_state", "document_number", "nationality", "sex"} <= set(
        fields
    )
    assert {"optional_data", "name"} <= set(fields)
    assert fields["name"].endswith("; 16 more characters of this field not allowed")


def test_a_character_outside_the_mrz_set_is_named() -> None:
    fields = _fields(replace(specimens.TD2, 2, 30, "-"))
    assert fields["optional_data"] == (
        "optional data has '-' at line 2 position 30 where A-Z, 0-9 or '<' is expected "
        "('-' is not an MRZ character)"
    )


def test_a_digit_in_a_name_is_an_issue_named_as_an_ocr_confusion() -> None:
    """Part 3 §4.6: numeric characters shall not be used in the name fields."""
    fields = _fields(replace(specimens.TD3, 1, 21, "0"))  # MARIA read as 0ARIA
    assert fields["name"].startswith("name has '0' at line 1 position 21 where a letter or '<'")
    assert "(OCR confusion with 'O' or 'Q' or 'D'?)" in fields["name"]


def test_a_name_field_that_begins_with_one_filler_has_no_primary_identifier() -> None:
    lines = replace(specimens.TD1, 3, 1, "<ANNA<MARIA<<<<<<<<<<<<<<<<<<<")
    fields = _fields(lines)
    assert fields["name"] == (
        "name field begins with '<': the primary identifier is missing (line 3, positions 1-30)"
    )


def test_a_single_name_after_two_fillers_is_read_with_a_warning_naming_the_field() -> None:
    """``P<IND<<LAKSHMI<<...``: a single name printed as the secondary identifier, as some
    states do (ICAO puts it in the primary one). Valid, read as printed, with a warning."""
    lines = replace(specimens.TD1, 3, 1, "<<ANNA<MARIA<<<<<<<<<<<<<<<<<<")
    document = parse_mrz(list(lines), today=TODAY)
    assert document.valid, document.errors
    assert (document.surname, document.given_names) == ("", "ANNA MARIA")
    [warning] = document.warnings
    assert warning.field == "name" and "begins with '<<'" in warning.message
    assert "(line 3, positions 1-30)" in warning.message
    assert document.to_json()["warnings"] == [warning.to_json()]


def test_a_td3_passport_with_a_single_name_after_two_fillers_is_valid() -> None:
    top = "P<IND<<LAKSHMI" + "<" * 30
    document = parse_mrz([top, specimens.TD3[1]], today=TODAY)
    assert document.valid and document.given_names == "LAKSHMI" and document.surname == ""
    assert [w.field for w in document.warnings] == ["name"]


def test_a_name_field_of_fillers_only_is_still_an_issue() -> None:
    lines = replace(specimens.TD1, 3, 1, "<" * 30)
    assert "name" in _fields(lines)


def test_a_conforming_name_has_no_warning() -> None:
    document = parse_mrz(list(specimens.TD3), today=TODAY)
    assert document.warnings == () and document.to_json()["warnings"] == []


def test_issuing_state_and_nationality_outside_the_known_codes_are_issues() -> None:
    known = {"AZE", "ARM", "GEO", "D"}
    fields = _fields(specimens.TD3, known_codes=known)
    assert fields == {
        "issuing_state": "issuing state 'UTO' is not a known ICAO 9303 code "
        "(line 1, positions 3-5)",
        "nationality": "nationality 'UTO' is not a known ICAO 9303 code (line 2, positions 11-13)",
    }
    assert parse_mrz(specimens.TD3, today=TODAY, known_codes={"UTO"}).valid


def test_germany_is_the_one_letter_code_d_with_two_fillers() -> None:
    """Part 3 §5, Part A: Germany is D (not DEU) in the MRZ."""
    lines = replace(specimens.TD1, 1, 3, "D<<")
    document = parse_mrz(lines, today=TODAY, known_codes={"D", "UTO"})
    assert document.valid
    assert document.issuing_state == "D"


@pytest.mark.parametrize("code", ["U<O", "<<<", "U7O"])
def test_a_country_code_must_be_letters_followed_by_fillers(code: str) -> None:
    fields = _fields(replace(specimens.TD3, 2, 11, code))
    assert fields["nationality"].startswith("nationality")


def test_sex_x_is_an_issue_because_the_mrz_prints_an_unspecified_sex_as_a_filler() -> None:
    """Part 4 §4.2.2.2 (F, M or <) and note p: X appears only in the visual zone."""
    document = parse_mrz(replace(specimens.TD3, 2, 21, "X"), today=TODAY)
    assert document.sex is None
    assert [issue.field for issue in document.errors] == ["sex"]
    assert document.errors[0].message.startswith(
        "sex is 'X', expected 'M', 'F' or '<' (line 2, position 21); 'X' is printed only"
    )


def test_an_unspecified_sex_is_a_filler_and_reads_as_none() -> None:
    document = parse_mrz(replace(specimens.TD1, 2, 8, "<"), today=TODAY)
    assert document.valid
    assert document.sex is None


@pytest.mark.parametrize(
    ("lines", "code", "valid"),
    [
        (specimens.TD3, "PO", True),  # Part 4 §4.2.2.1: P and one letter at the State's discretion
        (specimens.TD3, "I<", False),  # a TD3 must be a passport (Part 4 note m)
        (specimens.TD1, "ID", True),
        (specimens.TD1, "AC", True),  # crew member certificate (Part 5 Appendix C)
        (specimens.TD1, "AI", False),  # Part 5 note k (ii)
        (specimens.TD1, "IV", False),  # Part 5 note k (i)
        (specimens.TD1, "P<", False),  # Part 5 note k: A, C or I
        (specimens.TD1, "V<", False),
        (specimens.TD2, "AC", False),  # Part 6 note k: C not after A
        (specimens.TD2, "CV", False),
        (specimens.TD2, "AI", True),  # Part 6 forbids only V and AC
        (specimens.MRVA, "VA", True),  # Part 7 §4.2.2.1
        (specimens.MRVB, "VC", True),
        (specimens.TD3, "P1", False),
    ],
)
def test_document_codes_follow_the_icao_rules_of_each_format(
    lines: tuple[str, ...], code: str, valid: bool
) -> None:
    fields = _fields(replace(lines, 1, 1, code))
    assert ("document_code" not in fields) is valid


def test_a_document_code_issue_names_the_letters_allowed_and_the_source() -> None:
    fields = _fields(replace(specimens.TD1, 1, 1, "AI"))
    assert fields["document_code"] == (
        "document code 'AI' is not allowed on a TD1 (Part 5 note k) (line 1, positions 1-2)"
    )
    fields = _fields(replace(specimens.TD2, 1, 1, "P<"))
    assert fields["document_code"].startswith("document code 'P<' must begin with A or C or I")


def test_a_visa_code_on_a_two_line_document_makes_it_a_visa() -> None:
    """A TD2-sized MRZ whose document code starts with V is an MRV-B (Part 7 §7), whose last
    positions are optional data, not a composite check digit."""
    document = parse_mrz(replace(specimens.TD2, 1, 1, "V<"), today=TODAY)
    assert document.type is DocumentType.MRVB
    assert document.optional_data == "6"
    document = parse_mrz(replace(specimens.TD3, 1, 1, "V<"), today=TODAY)
    assert document.type is DocumentType.MRVA


def test_a_name_that_fills_the_whole_field_may_be_truncated() -> None:
    """Part 4 §4.2.3.4: a letter in position 44 means the name must be treated as truncated."""
    lines = replace(specimens.TD3, 1, 6, "PAPANDROPOULOUS<<JONATHON<WARREN<TREVOR")
    document = parse_mrz(lines, today=TODAY)
    assert document.valid
    assert document.names_truncated
    assert document.surname == "PAPANDROPOULOUS"
    assert document.given_names == "JONATHON WARREN TREVOR"
    assert not parse_mrz(specimens.TD3, today=TODAY).names_truncated


def test_truncated_names_of_the_part_5_examples_are_read_as_printed() -> None:
    """Part 5 §4.2.3.2 b)."""
    lines = replace(specimens.TD1, 3, 1, "BENNELONG<WOOLOOM<WA<WARN<<D<P")
    document = parse_mrz(lines, today=TODAY)
    assert document.valid
    assert document.names_truncated
    assert document.surname == "BENNELONG WOOLOOM WA WARN"
    assert document.given_names == "D P"


def test_a_name_with_only_a_primary_identifier_has_no_given_names() -> None:
    """Part 4 §4.2.3.1 f)."""
    lines = replace(specimens.TD3, 1, 6, "ARKFREITH<<<<<<<<<<<<<<<<<<<<<<<<<<<<<<")
    document = parse_mrz(lines, today=TODAY)
    assert (document.surname, document.given_names) == ("ARKFREITH", "")


LONG_TD1 = (
    "I<UTOD23145890<ABC12346<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
)


def test_a_td1_document_number_longer_than_9_characters_continues_in_the_optional_data() -> None:
    """Part 5 note j and §4.2.4: '<' in position 15, the rest and its check digit from 16."""
    assert check_digit("D23145890ABC1234") == "6"  # over positions 6-14 and 16-22
    document = parse_mrz(LONG_TD1, today=TODAY)
    assert document.valid
    assert document.document_number == "D23145890ABC1234"
    assert document.optional_data == ""


def test_the_optional_data_after_a_long_td1_document_number_is_kept() -> None:
    lines = replace(LONG_TD1, 1, 25, "XY")
    lines = replace(lines, 2, 30, "9")  # the composite covers line 1 positions 6-30
    document = parse_mrz(lines, today=TODAY)
    assert document.valid, document.errors
    assert document.optional_data == "XY"


def test_a_wrong_check_digit_of_a_long_td1_document_number_is_found_where_it_stands() -> None:
    fields = _fields(replace(LONG_TD1, 1, 23, "5"))
    assert fields["document_number"].startswith(
        "document number check digit is 5, expected 6 (line 1, position 23)"
    )


def test_a_filler_check_digit_without_a_continuation_is_an_issue() -> None:
    lines = replace(specimens.TD1, 1, 15, "<")
    fields = _fields(lines)
    assert fields["document_number"].startswith(
        "document number check digit is '<' (line 1, position 15) but no continuation"
    )
