"""The common visa's number and MRZ (cta.domain.visas): numbers are 9 characters and never
repeat, generated MRV-A and MRV-B lines read back as the fields they were made from with the
check digits of Part 3 §4.9, and a scanned visa MRZ that is not the visa issued says why."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.checks import Outcome, decide
from cta.domain.documents import DocumentFields, DocumentType, generate_mrz, parse_mrz
from cta.domain.errors import InvalidInputError
from cta.domain.regime import Category
from cta.domain.visas import (
    SEQUENCE_DIGITS,
    IssuedVisa,
    read_visa,
    scan_reasons,
    visa_mrz,
    visa_number,
)
from tests.unit.checks.builders import check, small_regime

TODAY = date(2026, 12, 6)


def passport_of(number: str = "Z1234567", *, surname: str = "SHARMA",
                given_names: str = "PRIYA DEVI", sex: str | None = "F",
                birth: date | str = date(1990, 5, 1)) -> list[str]:  # fmt: skip
    return list(generate_mrz(DocumentFields(
        type=DocumentType.TD3, document_code="P", issuing_state="IND", surname=surname,
        given_names=given_names, document_number=number, nationality="IND", birth_date=birth,
        sex=sex, expiry_date=date(2032, 1, 1))))  # fmt: skip


def oracle_check_digit(text: str) -> str:
    """Part 3 §4.9, written out slowly: digits as themselves, A=10 ... Z=35, '<'=0, weights
    7, 3, 1 repeating, the sum modulo 10."""
    def value(char: str) -> int:
        if char.isdigit():
            return int(char)
        return 0 if char == "<" else ord(char) - ord("A") + 10
    return str(sum(value(c) * (7, 3, 1)[i % 3] for i, c in enumerate(text)) % 10)


def make(
    fmt: str = "MRV-A", passport: list[str] | None = None, valid_to: date = date(2027, 3, 1),
    number: str = "GEO000001",
) -> tuple[str, ...]:
    document = parse_mrz(passport or passport_of(), today=TODAY)
    return visa_mrz(document, number=number, state="GEO", valid_to=valid_to, format=fmt,
                    today=TODAY)  # fmt: skip


# -- the number ----------------------------------------------------------------------------------


def test_a_visa_number_is_the_state_and_six_base36_characters() -> None:
    assert visa_number("GEO", 1) == "GEO000001"
    assert visa_number("ARM", 36) == "ARM000010"
    assert visa_number("AZE", 36**SEQUENCE_DIGITS - 1) == "AZEZZZZZZ"


@given(st.integers(1, 36**SEQUENCE_DIGITS - 1), st.integers(1, 36**SEQUENCE_DIGITS - 1))
def test_two_sequences_never_share_a_number(a: int, b: int) -> None:
    assert len(visa_number("GEO", a)) == 9
    assert (visa_number("GEO", a) == visa_number("GEO", b)) == (a == b)
    assert int(visa_number("GEO", a)[3:], 36) == a


@pytest.mark.parametrize(("state", "sequence"), [("GEO", 0), ("GEO", 36**6), ("GE", 1),
                                                 ("geo", 1)])  # fmt: skip
def test_a_number_out_of_range_is_refused(state: str, sequence: int) -> None:
    with pytest.raises(ValueError):
        visa_number(state, sequence)


# -- the MRZ -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("fmt", "kind", "length"), [("MRV-A", DocumentType.MRVA, 44),
                                                     ("MRV-B", DocumentType.MRVB, 36)])
def test_a_visa_mrz_reads_back_as_the_visa_and_its_holder(
    fmt: str, kind: DocumentType, length: int
) -> None:
    lines = make(fmt)
    assert [len(line) for line in lines] == [length, length]
    read = parse_mrz(lines, today=TODAY)
    assert read.valid and read.type is kind and read.document_code == "V"
    assert (read.issuing_state, read.document_number, read.nationality) == (
        "GEO", "GEO000001", "IND")
    assert (read.surname, read.given_names, read.sex) == ("SHARMA", "PRIYA DEVI", "F")
    assert read.birth_date == date(1990, 5, 1) and read.expiry_date == date(2027, 3, 1)
    assert read.optional_data == "Z1234567"  # the passport's number (Part 7: optional data)


@pytest.mark.parametrize("fmt", ["MRV-A", "MRV-B"])
def test_the_check_digits_are_those_of_part_3(fmt: str) -> None:
    line = make(fmt)[1]
    assert line[9] == oracle_check_digit(line[0:9])  # visa number
    assert line[19] == oracle_check_digit(line[13:19])  # birth date
    assert line[27] == oracle_check_digit(line[21:27])  # valid until
    assert line[0:9] == "GEO000001" and line[10:13] == "IND" and line[20] == "F"


def test_an_mrv_b_leaves_out_a_passport_number_that_does_not_fit() -> None:
    """MRV-B holds 8 characters of optional data; MRV-A 16."""
    long = passport_of("Z12345678")
    assert parse_mrz(make("MRV-B", long), today=TODAY).optional_data == ""
    assert parse_mrz(make("MRV-A", long), today=TODAY).optional_data == "Z12345678"


@given(
    surname=st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=30),
    given_names=st.lists(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=12),
                         max_size=3),
    sex=st.sampled_from(["M", "F", None]),
    birth=st.dates(date(1930, 1, 1), TODAY),
    days=st.integers(0, 3000),
    fmt=st.sampled_from(["MRV-A", "MRV-B"]),
    sequence=st.integers(1, 36**SEQUENCE_DIGITS - 1),
)
def test_every_generated_visa_mrz_is_valid_and_carries_its_number_and_validity(
    surname: str, given_names: list[str], sex: str | None, birth: date, days: int, fmt: str,
    sequence: int,
) -> None:  # fmt: skip
    number = visa_number("ARM", sequence)
    valid_to = TODAY + timedelta(days=days)
    holder = passport_of(surname=surname, given_names=" ".join(given_names), sex=sex,
                         birth=birth)  # fmt: skip
    read = parse_mrz(make(fmt, holder, valid_to, number), today=TODAY)
    assert read.valid, read.errors
    assert (read.document_number, read.expiry_date, read.birth_date, read.sex) == (
        number, valid_to, birth, sex)
    if not read.names_truncated:
        assert (read.surname, read.given_names) == (surname, " ".join(given_names))


def test_an_unknown_format_is_refused_naming_the_field() -> None:
    with pytest.raises(InvalidInputError, match="format"):
        make("MRV-C")


# -- the scan at the border ----------------------------------------------------------------------


def issued(lines: tuple[str, ...], document: str = "Z1234567") -> IssuedVisa:
    return IssuedVisa("GEO000001", document, lines, person_id=1)


def altered(lines: tuple[str, ...], start: int, text: str) -> tuple[str, ...]:
    """The lines with ``text`` written at ``start`` of line 2 and its check digit made right."""
    line = lines[1][:start] + text + oracle_check_digit(text) + lines[1][start + len(text) + 1:]
    return (lines[0], line)


def scan(lines: tuple[str, ...] | list[str], record: IssuedVisa | None,
         passport: list[str] | None = None) -> list[str]:  # fmt: skip
    holder = parse_mrz(passport or passport_of(), today=TODAY)
    reasons = scan_reasons(read_visa(lines, on=TODAY), record, holder, on=TODAY)
    assert all(r.code == "D" and not r.refuses for r in reasons)
    return [r.message for r in reasons]


def test_the_visa_issued_for_this_passport_says_nothing() -> None:
    lines = make()
    assert scan(lines, issued(lines)) == []


def test_a_visa_with_its_validity_altered_and_check_digit_made_right_is_named() -> None:
    lines = make()
    forged = altered(lines, 21, "271231")
    assert parse_mrz(forged, today=TODAY).valid  # the check digits do not catch it
    assert scan(forged, issued(lines)) == [
        "visa GEO000001 differs from the visa issued: valid-until date '271231' (issued: "
        "'270301')"]


def test_an_unknown_visa_number_is_not_a_visa_of_the_area() -> None:
    (message,) = scan(make(), None)
    assert "GEO000001 was not issued in the area" in message


def test_a_visa_for_another_passport_or_another_person_is_named() -> None:
    lines = make()
    (other_document,) = scan(lines, issued(lines, "X7654321"))
    assert "issued for document X7654321, not for the document presented, Z1234567" in (
        other_document)
    someone = passport_of(surname="KHAN", birth=date(1985, 1, 2))
    (other_person,) = scan(lines, issued(lines), someone)
    assert "issued to another person" in other_person and "KHAN" in other_person


def test_a_visa_mrz_failing_its_check_digits_is_said_so() -> None:
    lines = make()
    broken = (lines[0], lines[1][:9] + str((int(lines[1][9]) + 1) % 10) + lines[1][10:])
    (message,) = scan(broken, issued(lines))
    assert message.startswith("the visa's machine readable zone fails validation")


def test_a_passport_in_place_of_the_visa_is_an_input_error() -> None:
    with pytest.raises(InvalidInputError, match="visa_mrz"):
        read_visa(passport_of(), on=TODAY)
    with pytest.raises(InvalidInputError, match="visa_mrz"):
        read_visa(["V<GEO", "123"], on=TODAY)


def test_a_false_visa_refers_a_traveller_the_check_would_admit() -> None:
    lines = make()
    holder = parse_mrz(passport_of(), today=TODAY)
    reasons = scan_reasons(read_visa(altered(lines, 21, "271231"), on=TODAY), issued(lines),
                           holder, on=TODAY)  # fmt: skip
    regime = small_regime(Category.VISA_EXEMPT)
    assert decide(check(holder, regime=regime, on=TODAY)).outcome is Outcome.ADMIT
    referred = decide(check(holder, regime=regime, on=TODAY, visa_reasons=reasons))
    assert referred.outcome is Outcome.REFER and [r.code for r in referred.reasons] == ["D"]
    assert referred.latest_exit is not None  # a referral, not a refusal: the stay still counts
