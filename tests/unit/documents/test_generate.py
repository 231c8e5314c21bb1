"""Generating MRZs: the specimens come back, bad values are refused, and every generated MRZ
reads back as the fields it was made from."""

from __future__ import annotations

from dataclasses import replace as with_changes
from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cta.domain.documents import DocumentFields, DocumentType, generate_mrz, parse_mrz
from tests.unit.documents import specimens
from tests.unit.documents.specimens import TODAY

ERIKSSON = DocumentFields(
    type=DocumentType.TD3,
    document_code="P",
    issuing_state="UTO",
    surname="ERIKSSON",
    given_names="ANNA MARIA",
    document_number="L898902C3",
    nationality="UTO",
    birth_date=date(1974, 8, 12),
    sex="F",
    expiry_date=date(2012, 4, 15),
    optional_data="ZE184226B",
)


def test_the_fields_of_the_specimens_generate_the_specimens() -> None:
    """Part 4 Figure A-1, Part 5 Figure A-1, Part 6 Figure A-1, Part 7 Figures A-1 and A-3."""
    assert generate_mrz(ERIKSSON) == specimens.TD3
    card = with_changes(ERIKSSON, document_number="D23145890", optional_data="")
    assert generate_mrz(with_changes(card, type=DocumentType.TD1, document_code="I")) == (
        specimens.TD1
    )
    assert generate_mrz(with_changes(card, type=DocumentType.TD2, document_code="I")) == (
        specimens.TD2
    )
    visa = with_changes(
        ERIKSSON,
        document_code="V",
        document_number="L8988901C",
        nationality="XXX",
        expiry_date=date(1996, 12, 10),
    )
    assert generate_mrz(with_changes(visa, type=DocumentType.MRVA, optional_data="6ZE184226B")) == (
        specimens.MRVA
    )
    assert generate_mrz(with_changes(visa, type=DocumentType.MRVB, optional_data="")) == (
        specimens.MRVB
    )


def test_a_name_too_long_for_the_passport_is_truncated_in_its_secondary_identifier() -> None:
    """Part 4 §4.2.3.2 a): NILAVADHANANANDA<<CHAYAPA<DEJTHAMRONG<K."""
    fields = with_changes(
        ERIKSSON, surname="NILAVADHANANANDA", given_names="CHAYAPA DEJTHAMRONG KRASUANG"
    )
    assert generate_mrz(fields)[0] == "P<UTONILAVADHANANANDA<<CHAYAPA<DEJTHAMRONG<K"


def test_a_primary_identifier_too_long_leaves_room_for_the_first_given_name_letter() -> None:
    """Part 4 §4.2.3.3: the primary identifier loses letters so '<<' and a letter fit."""
    fields = with_changes(
        ERIKSSON,
        surname="BENNELONG WOOLOOMOOLOO WARRANDYTE WARNAMBOOL",
        given_names="DINGO POTOROO",
    )
    line = generate_mrz(fields)[0]
    assert line == "P<UTOBENNELONG<WOOLOOMOOLOO<WARRANDYTE<WA<<D"
    document = parse_mrz(generate_mrz(fields), today=TODAY)
    assert document.valid and document.names_truncated


def test_a_truncated_name_never_ends_with_a_filler() -> None:
    """Part 5 §4.2.2.3: the last position of a truncated name holds a letter."""
    fields = with_changes(
        ERIKSSON,
        type=DocumentType.TD1,
        document_code="I",
        surname="NILAVADHANANANDA",
        given_names="ARNPOL PETCH CHARONGUANG",
    )
    assert generate_mrz(fields)[2] == "NILAVADHANANANDA<<ARNPOL<PETCH"
    fields = with_changes(fields, given_names="ARNPOLX PETCH CHARONGUANG")  # cut after PETCH
    assert generate_mrz(fields)[2] == "NILAVADHANANANDA<<ARNPOLX<PETC"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"surname": "Eriksson"}, "surname"),
        ({"surname": "O'CONNOR"}, "surname"),
        ({"given_names": "ANNA 2"}, "given_names"),
        ({"surname": ""}, "surname"),
        ({"document_number": "L898902C3X"}, "document number"),
        ({"document_number": "l898902c3"}, "document number"),
        ({"optional_data": "ZE184226B123456"}, "optional data"),
        ({"issuing_state": "UTOP"}, "issuing state"),
        ({"nationality": "U1"}, "nationality"),
        ({"document_code": "I"}, "document code"),
        ({"birth_date": "7408"}, "birth date"),
        ({"expiry_date": "12<<15"}, "expiry date"),
        ({"sex": "male"}, "sex"),
        ({"optional_data_2": "X"}, "optional data 2"),
    ],
)
def test_a_value_that_is_not_mrz_ready_is_refused_naming_its_field(
    change: dict[str, str], field: str
) -> None:
    with pytest.raises(ValueError, match=field):
        generate_mrz(with_changes(ERIKSSON, **change))  # type: ignore[arg-type]


def test_an_x_for_sex_is_written_as_a_filler() -> None:
    """Part 4 note p: X in the visual zone, '<' in the MRZ."""
    assert generate_mrz(with_changes(ERIKSSON, sex="X"))[1][20] == "<"


def test_a_long_document_number_is_refused_where_no_format_continues_it() -> None:
    """Part 4 §4.2.2.2 and Part 7 note j: 9 characters only."""
    with pytest.raises(ValueError, match="document number 'L898902C3AB' is too long"):
        generate_mrz(with_changes(ERIKSSON, document_number="L898902C3AB"))


LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
ALPHANUMERIC = LETTERS + "0123456789"
CODES = {
    DocumentType.TD1: ["I", "ID", "A", "C", "AC", "IP", "CR"],
    DocumentType.TD2: ["I", "ID", "A", "AI", "C"],
    DocumentType.TD3: ["P", "PO", "PD", "PS"],
    DocumentType.MRVA: ["V", "VA", "VC"],
    DocumentType.MRVB: ["V", "VB"],
}
NAME_LENGTH = {
    DocumentType.TD1: 30,
    DocumentType.TD2: 31,
    DocumentType.TD3: 39,
    DocumentType.MRVA: 39,
    DocumentType.MRVB: 31,
}
# (longest document number, optional data length) of each format
NUMBER_AND_OPTIONAL = {
    DocumentType.TD1: (22, 15),  # Part 5 note j: up to 13 more characters in 16-28
    DocumentType.TD2: (14, 7),  # Part 6 note j: up to 5 more characters in 29-33
    DocumentType.TD3: (9, 14),
    DocumentType.MRVA: (9, 16),
    DocumentType.MRVB: (9, 8),
}
component = st.text(alphabet=LETTERS, min_size=1, max_size=12)
states = st.sampled_from(["UTO", "D", "AZE", "ARM", "GEO", "XXA", "GBD", "EUE"])


@st.composite
def document_fields(draw: st.DrawFn, today: date = TODAY) -> DocumentFields:
    kind = draw(st.sampled_from(list(DocumentType)))
    longest, optional_length = NUMBER_AND_OPTIONAL[kind]
    number = draw(st.text(alphabet=ALPHANUMERIC, min_size=1, max_size=longest))
    if len(number) > 9:
        optional_length -= len(number) - 9 + 2  # the rest, its check digit and '<'
    born = draw(st.dates(today - timedelta(days=99 * 365), today))
    birth: date | str = born
    unknown = draw(st.sampled_from(["", "day", "month and day", "all"]))
    if unknown:
        raw = f"{born.year % 100:02d}{born.month:02d}{born.day:02d}"
        birth = {"day": raw[:4] + "<<", "month and day": raw[:2] + "<<<<", "all": "<" * 6}[unknown]
    return DocumentFields(
        type=kind,
        document_code=draw(st.sampled_from(CODES[kind])),
        issuing_state=draw(states),
        surname=" ".join(draw(st.lists(component, min_size=1, max_size=3))),
        given_names=" ".join(draw(st.lists(component, max_size=3))),
        document_number=number,
        nationality=draw(states),
        birth_date=birth,
        sex=draw(st.sampled_from(["M", "F", None])),
        # a document expires after its holder is born (the century rule relies on it)
        expiry_date=draw(st.dates(max(born, date(today.year - 50, 1, 1)),
                                  date(today.year + 49, 12, 31))),
        optional_data=draw(st.text(alphabet=ALPHANUMERIC, max_size=optional_length)),
        optional_data_2=draw(st.text(alphabet=ALPHANUMERIC, max_size=11))
        if kind is DocumentType.TD1
        else "",
    )


def _name_length(fields: DocumentFields) -> int:
    if not fields.given_names:
        return len(fields.surname)
    return len(fields.surname) + 2 + len(fields.given_names)


@given(document_fields())
def test_every_generated_mrz_reads_back_as_its_fields_without_issue(
    fields: DocumentFields,
) -> None:
    assume(_name_length(fields) <= NAME_LENGTH[fields.type])
    lines = generate_mrz(fields)
    document = parse_mrz(lines, today=TODAY)
    assert document.errors == ()
    assert document.type is fields.type
    assert document.document_code == fields.document_code
    assert document.issuing_state == fields.issuing_state
    assert document.surname == fields.surname
    assert document.given_names == fields.given_names
    assert document.document_number == fields.document_number
    assert document.nationality == fields.nationality
    if isinstance(fields.birth_date, date):
        assert document.birth_date == fields.birth_date
    else:
        assert document.birth_date is None
        assert document.birth_date_raw == fields.birth_date
    assert document.expiry_date == fields.expiry_date
    assert document.sex == fields.sex
    assert document.optional_data == fields.optional_data
    assert document.optional_data_2 == fields.optional_data_2


@given(
    document_fields(),
    st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=20), min_size=1, max_size=5),
    st.lists(st.text(alphabet=LETTERS, min_size=1, max_size=20), min_size=1, max_size=5),
)
def test_a_name_too_long_is_truncated_to_prefixes_ending_with_a_letter(
    fields: DocumentFields, surname: list[str], given_names: list[str]
) -> None:
    """Part 4 §4.2.3: components lose letters from their end; the field ends with a letter."""
    fields = with_changes(fields, surname=" ".join(surname), given_names=" ".join(given_names))
    assume(_name_length(fields) > NAME_LENGTH[fields.type])
    document = parse_mrz(generate_mrz(fields), today=TODAY)
    assert document.errors == ()
    assert document.names_truncated
    read_surname = document.surname.split()
    assert read_surname and len(read_surname) <= len(surname)
    assert all(
        original.startswith(read) for read, original in zip(read_surname, surname, strict=False)
    )
    read_given = document.given_names.split()
    assert read_given and len(read_given) <= len(given_names)
    assert all(
        original.startswith(read) for read, original in zip(read_given, given_names, strict=False)
    )
