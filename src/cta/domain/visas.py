"""The common visa's number and machine readable zone, and what scanning it at the border says.

A visa number is the issuing state's code and a sequence of that state's node written in six
base-36 characters (``GEO00001Z``): nine characters, all the document number field of an
MRV-A or MRV-B holds (Doc 9303 Part 7 §4.2.2.1, positions 1-9 of line 2), and unique in the
area because each state numbers only its own visas.

The MRZ is written per Part 7 with our generator: document code ``V``, the issuing state, the
holder's names, the visa number, the holder's nationality, birth date and sex as the passport
gives them, and the visa's last day of validity as the expiry ("valid until") date. Part 7
leaves the optional data (MRV-A line 2 positions 29-44, MRV-B 29-36) to the issuing state; it
holds the number of the travel document the visa is affixed to, when it fits (an MRV-B has
8 characters for it: a 9-character passport number is then left out). Before a visa is
stored its MRZ is read back with our parser and must give back every field it was made from.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from dataclasses import dataclass
from datetime import date

from cta.domain.checks import Param, Reason
from cta.domain.documents import (
    DocumentFields,
    DocumentType,
    TravelDocument,
    generate_mrz,
    issues_in_english,
)
from cta.domain.documents import parse_mrz as _parse
from cta.domain.documents.formats import FORMATS
from cta.domain.errors import InvalidInputError, MRZFormatError

__all__ = ["SEQUENCE_DIGITS", "VISA_FORMATS", "IssuedVisa", "differing_fields", "read_visa",
           "scan_reasons", "visa_mrz", "visa_number"]

SEQUENCE_DIGITS = 6  # 36**6 (2.2 billion) visas per state
_BASE36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
VISA_FORMATS = {"MRV-A": DocumentType.MRVA, "MRV-B": DocumentType.MRVB}

# the fields of a read MRZ that must agree with the visa issued, as an officer names them
_COMPARED = (("document_code", "document code"), ("issuing_state", "issuing state"),
             ("surname", "surname"), ("given_names", "given names"),
             ("document_number", "visa number"), ("nationality", "nationality"),
             ("birth_date_raw", "birth date"), ("sex", "sex"),
             ("expiry_date_raw", "valid-until date"), ("optional_data", "optional data"))


def visa_number(state: str, sequence: int) -> str:
    """The number of the ``sequence``-th visa (1, 2, ...) that ``state`` issues."""
    if len(state) != 3 or not state.isalpha() or not state.isupper():
        raise ValueError(f"state {state!r} must be a three-letter code")
    if not 1 <= sequence < 36**SEQUENCE_DIGITS:
        raise ValueError(f"visa sequence {sequence} is outside 1 to {36**SEQUENCE_DIGITS - 1}")
    digits = ""
    rest = sequence
    while rest:
        rest, digit = divmod(rest, 36)
        digits = _BASE36[digit] + digits
    return state + digits.rjust(SEQUENCE_DIGITS, "0")


def _fields(
    passport: TravelDocument, number: str, state: str, valid_to: date, kind: DocumentType
) -> DocumentFields:
    room = FORMATS[kind].optional_data
    optional = passport.document_number if len(passport.document_number) <= (
        room.end - room.start) else ""  # fmt: skip
    return DocumentFields(
        type=kind, document_code="V", issuing_state=state, surname=passport.surname,
        given_names=passport.given_names, document_number=number,
        nationality=passport.nationality, birth_date=passport.birth_date_raw, sex=passport.sex,
        expiry_date=valid_to, optional_data=optional,
    )  # fmt: skip


def visa_mrz(
    passport: TravelDocument, *, number: str, state: str, valid_to: date, format: str,
    today: date, known_codes: Container[str] | None = None,
) -> tuple[str, ...]:  # fmt: skip
    """The MRZ of a visa for the holder of ``passport``, checked by reading it back."""
    kind = VISA_FORMATS.get(format)
    if kind is None:
        raise InvalidInputError(f"format {format!r} must be one of {', '.join(VISA_FORMATS)}")
    fields = _fields(passport, number, state, valid_to, kind)
    try:
        lines = generate_mrz(fields)
    except ValueError as exc:
        raise InvalidInputError(f"mrz: the visa's MRZ cannot be written: {exc}") from None
    read = _parse(lines, today=today, known_codes=known_codes)
    wrong = _read_back_problems(read, fields, passport)
    if wrong:
        raise InvalidInputError(f"mrz: the visa's MRZ does not read back: {'; '.join(wrong)}")
    return lines


def _read_back_problems(
    read: TravelDocument, fields: DocumentFields, passport: TravelDocument
) -> list[str]:
    problems = [f"{issue.field}: {issue.message}" for issue in read.errors]
    expected = {"type": fields.type, "document_code": "V", "issuing_state": fields.issuing_state,
                "document_number": fields.document_number, "nationality": fields.nationality,
                "birth_date_raw": passport.birth_date_raw, "expiry_date": fields.expiry_date,
                "optional_data": fields.optional_data, "sex": passport.sex or None}
    if not read.names_truncated:
        expected |= {"surname": passport.surname, "given_names": passport.given_names}
    for name, value in expected.items():
        if getattr(read, name) != value:
            problems.append(f"{name} reads {getattr(read, name)!r}, written {value!r}")
    return problems


@dataclass(frozen=True, slots=True)
class IssuedVisa:
    """A visa as the area's records hold it: its number, its MRZ, its document, its holder."""

    visa_number: str
    document_number: str
    mrz: tuple[str, ...]
    person_id: int | None = None


def differing_fields(read: TravelDocument, issued: TravelDocument) -> list[str]:
    """The fields, in an officer's words, where a read visa MRZ differs from the one issued."""
    differing = [f"{words} {getattr(read, name)!r} (issued: {getattr(issued, name)!r})"
                 for name, words in _COMPARED if getattr(read, name) != getattr(issued, name)]
    if not differing and read.lines != issued.lines:
        differing.append("the lines differ in their fillers or check digits")
    return differing


def scan_reasons(
    visa: TravelDocument, issued: IssuedVisa | None, passport: TravelDocument, *, on: date,
    known_codes: Container[str] | None = None,
) -> list[Reason]:  # fmt: skip
    """What the scan of a visa's MRZ beside the passport tells the officer: nothing when it is
    a visa issued in the area, unaltered, for this passport; else reasons ``D`` (a false visa,
    Schengen Borders Code Annex V Part B) that send the traveller to the second line."""
    if not visa.valid:
        problems = issues_in_english(visa.errors)  # each issue worded by a page
        return [_refer(f"the visa's machine readable zone fails validation: {problems}",
                       "visa_mrz_invalid", (("problems", problems),))]
    number = visa.document_number
    if issued is None:
        return [_refer(f"visa {number} was not issued in the area (no such visa in this "
                       "node's records: unknown, revoked, or not yet received from its state)",
                       "visa_not_issued_in_area", (("number", number),))]
    reasons: list[Reason] = []
    same = tuple(visa.lines) == tuple(issued.mrz)  # the usual case: one reading is enough
    stored = visa if same else _parse(issued.mrz, today=on, known_codes=known_codes)
    differing = differing_fields(visa, stored)
    if differing:
        reasons.append(_refer(f"visa {number} differs from the visa issued: "
                              + "; ".join(differing), "visa_differs",
                              (("number", number), ("differences", _differences(visa, stored)))))
    if issued.document_number != passport.document_number:
        reasons.append(_refer(f"visa {number} was issued for document {issued.document_number}, "
                              f"not for the document presented, {passport.document_number}",
                              "visa_for_other_document",
                              (("number", number), ("issued", issued.document_number),
                               ("presented", passport.document_number))))  # fmt: skip
    reasons += _holder_reasons(number, stored, passport)
    return reasons


def _differences(read: TravelDocument, issued: TravelDocument) -> tuple[tuple[str, str, str], ...]:
    """``differing_fields`` as values: each field's words, what was read and what was issued
    (quoted as the message quotes them), or only "lines" when the fields agree."""
    found = tuple((words, repr(getattr(read, name)), repr(getattr(issued, name)))
                  for name, words in _COMPARED if getattr(read, name) != getattr(issued, name))
    return found or (("lines", "", ""),)


def _holder_reasons(
    number: str, stored: TravelDocument, passport: TravelDocument
) -> list[Reason]:
    """Whether the visa issued names the holder of the passport (nationality, birth date and,
    unless either was truncated, names)."""
    pairs = [("nationality", stored.nationality, passport.nationality),
             ("birth date", stored.birth_date_raw, passport.birth_date_raw)]
    if not (stored.names_truncated or passport.names_truncated):
        pairs += [("surname", stored.surname, passport.surname),
                  ("given names", stored.given_names, passport.given_names)]
    differing = [f"{words} {a!r} on the visa, {b!r} in the passport" for words, a, b in pairs
                 if a != b]  # fmt: skip
    if not differing:
        return []
    values = tuple((words, repr(a), repr(b)) for words, a, b in pairs if a != b)
    return [_refer(f"visa {number} was issued to another person: {'; '.join(differing)}",
                   "visa_for_other_person", (("number", number), ("differences", values)))]


def _refer(message: str, key: str, params: tuple[tuple[str, Param], ...]) -> Reason:
    """A reason D, with its key and values for a page to word it."""
    return Reason("D", message, refuses=False, key=key, params=params)


def read_visa(
    lines: Sequence[str], *, on: date, known_codes: Container[str] | None = None
) -> TravelDocument:
    """A visa's MRZ read as of ``on``; InvalidInputError when the lines are not a visa's."""
    try:
        read = _parse(lines, today=on, known_codes=known_codes)
    except MRZFormatError as exc:
        raise InvalidInputError(f"visa_mrz: {exc}") from None
    if read.type not in (DocumentType.MRVA, DocumentType.MRVB):
        raise InvalidInputError(
            f"visa_mrz: the lines are a {read.type} MRZ, not a visa's (MRV-A or MRV-B, "
            "beginning with V): put the passport's MRZ in mrz", code="visa_mrz_not_a_visa",
            params={"type": read.type.value})
    return read
