"""The fast path: read an MRZ that has no issue at all, or give up (None) at the first doubt.

Almost every MRZ scanned at a border is valid, so this path only proves validity, with byte
tables and plain slices, and leaves every explanation to the full reader in ``parse``: when it
returns None the document is read again there, field by field, and the issues are written.
Any document it accepts, the full reader would accept with the same fields (tested).
"""

from __future__ import annotations

from collections.abc import Container
from datetime import date
from typing import cast

from cta.domain.documents.charset import MRZ_CHARACTERS, character_value
from cta.domain.documents.dates import birth_century_year, expiry_year
from cta.domain.documents.fields import document_code_problem
from cta.domain.documents.formats import FORMATS, Format
from cta.domain.documents.model import DocumentType, TravelDocument

__all__ = ["read_fast"]


def _table(weight: int) -> bytes:
    table = bytearray(256)
    for char in MRZ_CHARACTERS:
        table[ord(char)] = character_value(char) * weight % 10
    return bytes(table)


_TIMES_7, _TIMES_3, _TIMES_1 = _table(7), _table(3), _table(1)
_MRZ_BYTES = "".join(sorted(MRZ_CHARACTERS)).encode()
_DIGIT = b"0123456789"
_FILLER = ord("<")
_NO_DATA = b"<" * 14
_TD1 = FORMATS[DocumentType.TD1]
_VALID_CODES: dict[DocumentType, frozenset[bytes]] = {
    kind: frozenset(
        code.encode()
        for first in "ACIPV"
        for second in "<ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        if document_code_problem(kind, code := first + second) is None
    )
    for kind in DocumentType
}


class _Draft:
    """A ``TravelDocument`` under construction, turned into one when complete.

    The frozen dataclass's ``__init__`` sets each of its 18 fields through
    ``object.__setattr__``, which is a sixth of the time of a whole fast read. This class has
    the very same slots, so plain assignments fill them and ``__class__`` assignment (allowed
    between classes of the same layout) makes the result an ordinary, frozen TravelDocument.
    The fast-path tests compare every result with the one the dataclass constructor builds.
    """

    __slots__ = TravelDocument.__slots__

    def __init__(  # one argument per TravelDocument field, in its order
        self,
        kind: DocumentType,
        document_code: str,
        issuing_state: str,
        surname: str,
        given_names: str,
        document_number: str,
        nationality: str,
        birth_date: date,
        expiry_date: date,
        birth_date_raw: str,
        expiry_date_raw: str,
        sex: str | None,
        optional_data: str,
        optional_data_2: str,
        lines: tuple[str, ...],
        names_truncated: bool,
    ) -> None:
        self.type = kind
        self.document_code = document_code
        self.issuing_state = issuing_state
        self.surname = surname
        self.given_names = given_names
        self.document_number = document_number
        self.nationality = nationality
        self.birth_date = birth_date
        self.expiry_date = expiry_date
        self.birth_date_raw = birth_date_raw
        self.expiry_date_raw = expiry_date_raw
        self.sex = sex
        self.optional_data = optional_data
        self.optional_data_2 = optional_data_2
        self.lines = lines
        self.errors = ()
        self.names_truncated = names_truncated
        self.birth_year = birth_date.year
        self.warnings = ()
        self.__class__ = TravelDocument  # type: ignore[assignment]


def _check(data: bytes) -> int:
    """The 7-3-1 check digit (Part 3 §4.9) of MRZ bytes, as the byte of its digit."""
    return _DIGIT[
        (
            sum(data[0::3].translate(_TIMES_7))
            + sum(data[1::3].translate(_TIMES_3))
            + sum(data[2::3].translate(_TIMES_1))
        )
        % 10
    ]


def _code(raw: str, known_codes: Container[str] | None) -> str | None:
    code = raw.rstrip("<")
    if not code.isalpha() or (known_codes is not None and code not in known_codes):
        return None
    return code


def _dates(birth: bytes, expiry: bytes, today: date) -> tuple[date, date] | None:
    if not (birth.isdigit() and expiry.isdigit()):
        return None
    try:
        yy, month, day = int(expiry[:2]), int(expiry[2:4]), int(expiry[4:])
        expires = date(expiry_year(yy, today), month, day)
        yy, month, day = int(birth[:2]), int(birth[2:4]), int(birth[4:])
        latest = min(today, expires)  # born on or before the check and the expiry
        return date(birth_century_year(yy, month, day, latest), month, day), expires
    except ValueError:
        return None


def _name(raw: str) -> tuple[str, str] | None:
    """Surname and given names, or None when the field has a digit or no primary identifier."""
    if raw[0] == "<" or not raw.replace("<", "").isalpha():
        return None
    # After the first '<<' the primary identifier holds single fillers only (Part 3 §4.6)
    primary, _, secondary = raw.rstrip("<").partition("<<")
    return primary.replace("<", " "), " ".join(secondary.replace("<", " ").split())


def read_fast(
    fmt: Format, lines: tuple[str, ...], today: date, known_codes: Container[str] | None
) -> TravelDocument | None:
    """The document when it has no issue at all, else None."""
    for line in lines:
        if not line.isascii():
            return None
    data = [line.encode() for line in lines]
    for encoded in data:
        if encoded.translate(None, _MRZ_BYTES):
            return None
    if data[0][:2] not in _VALID_CODES[fmt.type]:
        return None
    if fmt.type is DocumentType.TD1:
        return _td1(lines, data, today, known_codes)
    return _two_line(fmt, lines, data[1], today, known_codes)


def _two_line(
    fmt: Format, lines: tuple[str, ...], low: bytes, today: date, known_codes: Container[str] | None
) -> TravelDocument | None:
    """TD2, TD3, MRV-A, MRV-B: the lower line is laid out alike up to position 28."""
    length = fmt.line_length
    if (
        low[9] != _check(low[0:9])
        or low[19] != _check(low[13:19])
        or low[27] != _check(low[21:27])
        or low[20] not in b"MF<"
    ):
        return None
    optional_end = fmt.optional_data.end
    if fmt.optional_data_check is not None:
        optional = low[28:42]
        # an unused personal number may have '<' as check digit (Part 4 §4.2.2.2, position 43)
        if low[42] != _check(optional) and not (low[42] == _FILLER and optional == _NO_DATA):
            return None
    if fmt.composite_check is not None and low[length - 1] != _check(
        low[0:10] + low[13:20] + low[21 : length - 1]
    ):
        return None
    top, bottom = lines
    return _document(
        fmt, lines, top[2:5], top[5:], bottom[0:9], bottom[10:13], bottom[13:19], bottom[21:27],
        bottom[20], bottom[28:optional_end], "", today, known_codes,
    )  # fmt: skip


def _td1(
    lines: tuple[str, ...], data: list[bytes], today: date, known_codes: Container[str] | None
) -> TravelDocument | None:
    """TD1 (Part 5 §4.2.2); long document numbers are left to the full reader."""
    up, mid = data[0], data[1]
    if (
        up[14] != _check(up[5:14])
        or mid[6] != _check(mid[0:6])
        or mid[14] != _check(mid[8:14])
        or mid[7] not in b"MF<"
        or mid[29] != _check(up[5:30] + mid[0:7] + mid[8:15] + mid[18:29])
    ):
        return None
    top, middle, name = lines
    return _document(
        _TD1, lines, top[2:5], name, top[5:14], middle[15:18], middle[0:6], middle[8:14],
        middle[7], top[15:30], middle[18:29].strip("<"), today, known_codes,
    )  # fmt: skip


def _document(
    fmt: Format,
    lines: tuple[str, ...],
    state: str,
    name_raw: str,
    number: str,
    nationality: str,
    birth_raw: str,
    expiry_raw: str,
    sex: str,
    optional: str,
    optional_2: str,
    today: date,
    known_codes: Container[str] | None,
) -> TravelDocument | None:
    """The document from its raw fields, or None when a code, a date or the name has an issue."""
    issuing_state = _code(state, known_codes)
    holder_nationality = _code(nationality, known_codes)
    dates = _dates(birth_raw.encode(), expiry_raw.encode(), today)
    name = _name(name_raw)
    if issuing_state is None or holder_nationality is None or dates is None or name is None:
        return None
    draft = _Draft(
        fmt.type,
        lines[0][:2].rstrip("<"),
        issuing_state,
        name[0],
        name[1],
        number.rstrip("<"),
        holder_nationality,
        dates[0],
        dates[1],
        birth_raw,
        expiry_raw,
        None if sex == "<" else sex,
        optional.strip("<"),
        optional_2,
        lines,
        name_raw[-1] != "<",
    )
    return cast(TravelDocument, draft)  # it is one, since its __class__ assignment
