"""The ICAO Doc 9303 specimens read as valid documents with the fields printed in their VIZ."""

from __future__ import annotations

from datetime import date

import pytest

from cta.domain.documents import DocumentType, parse_mrz
from cta.domain.errors import MRZFormatError
from tests.unit.documents import specimens
from tests.unit.documents.specimens import TODAY


def test_the_part_4_passport_specimen_is_a_valid_td3_of_anna_maria_eriksson() -> None:
    """Part 4, Appendix A, Figure A-1."""
    document = parse_mrz(specimens.TD3, today=TODAY)
    assert document.valid
    assert document.type is DocumentType.TD3
    assert document.document_code == "P"
    assert document.issuing_state == "UTO"
    assert document.surname == "ERIKSSON"
    assert document.given_names == "ANNA MARIA"
    assert document.document_number == "L898902C3"
    assert document.nationality == "UTO"
    assert document.birth_date == date(1974, 8, 12)
    assert document.expiry_date == date(2012, 4, 15)
    assert document.sex == "F"
    assert document.optional_data == "ZE184226B"
    assert document.optional_data_2 == ""
    assert not document.names_truncated
    assert document.lines == specimens.TD3


def test_the_part_4_figure_a2_specimen_is_valid_once_its_extra_filler_is_removed() -> None:
    """Part 4, Appendix A, Figure A-2 is printed with 45 characters a line; the 44 read."""
    with pytest.raises(MRZFormatError, match="2 lines of 45, 45 characters"):
        parse_mrz(specimens.TD3_IVANOVA_AS_PRINTED, today=TODAY)
    document = parse_mrz(specimens.TD3_IVANOVA, today=TODAY)
    assert document.valid
    assert (document.surname, document.given_names) == ("IVANOVA", "ANNA")
    assert document.optional_data == "184226"
    assert document.expiry_date == date(2025, 4, 15)


def test_the_part_5_identity_card_specimen_is_a_valid_td1() -> None:
    """Part 5, Appendix A, Figure A-1."""
    document = parse_mrz(specimens.TD1, today=TODAY)
    assert document.valid
    assert document.type is DocumentType.TD1
    assert document.document_code == "I"
    assert document.document_number == "D23145890"
    assert document.nationality == "UTO"
    assert document.birth_date == date(1974, 8, 12)
    assert document.expiry_date == date(2012, 4, 15)
    assert (document.surname, document.given_names) == ("ERIKSSON", "ANNA MARIA")
    assert document.optional_data == document.optional_data_2 == ""


def test_the_part_6_official_travel_document_specimen_is_a_valid_td2() -> None:
    """Part 6, Appendix A, Figure A-1."""
    document = parse_mrz(specimens.TD2, today=TODAY)
    assert document.valid
    assert document.type is DocumentType.TD2
    assert document.document_number == "D23145890"
    assert document.sex == "F"
    assert (document.surname, document.given_names) == ("ERIKSSON", "ANNA MARIA")


def test_the_part_7_mrv_a_specimen_is_a_valid_visa_of_a_holder_of_unspecified_nationality() -> None:
    """Part 7, Appendix A, Figure A-1: nationality XXX, valid until 10 December 1996."""
    document = parse_mrz(specimens.MRVA, today=TODAY)
    assert document.valid
    assert document.type is DocumentType.MRVA
    assert document.document_code == "V"
    assert document.document_number == "L8988901C"
    assert document.nationality == "XXX"
    assert document.expiry_date == date(1996, 12, 10)
    assert document.optional_data == "6ZE184226B"


def test_the_part_7_mrv_b_specimen_is_a_valid_visa() -> None:
    """Part 7, Appendix A, Figure A-3."""
    document = parse_mrz(specimens.MRVB, today=TODAY)
    assert document.valid
    assert document.type is DocumentType.MRVB
    assert document.expiry_date == date(1996, 12, 10)
    assert document.optional_data == ""


def test_the_part_7_construction_example_keeps_a_filler_inside_the_document_number() -> None:
    """Part 7, Appendix B, Figure B-1: number L898902C followed by a filler, born 6 Aug 1969."""
    document = parse_mrz(specimens.MRVA_CONSTRUCTION, today=TODAY)
    assert document.valid
    assert document.document_number == "L898902C"
    assert document.birth_date == date(1969, 8, 6)
    assert document.expiry_date == date(1994, 6, 23)


def test_a_document_reads_the_same_from_one_string_with_newlines_and_surrounding_blanks() -> None:
    text = "\n  " + specimens.TD3[0] + "  \n\n\t" + specimens.TD3[1] + "\r\n"
    assert parse_mrz(text, today=TODAY) == parse_mrz(list(specimens.TD3), today=TODAY)


def test_the_json_form_has_exactly_the_documented_keys_and_iso_dates() -> None:
    payload = parse_mrz(specimens.TD1, today=TODAY).to_json()
    assert list(payload) == [
        "type",
        "valid",
        "document_code",
        "issuing_state",
        "surname",
        "given_names",
        "document_number",
        "nationality",
        "birth_date",
        "expiry_date",
        "birth_date_raw",
        "expiry_date_raw",
        "sex",
        "optional_data",
        "optional_data_2",
        "errors",
        "warnings",
    ]
    assert payload["type"] == "TD1"
    assert payload["birth_date"] == "1974-08-12"
    assert payload["errors"] == []
