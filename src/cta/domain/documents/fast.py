"""The fast path: read every field of an MRZ with byte tables and plain slices.

Almost every MRZ scanned at a border is valid, so this path proves validity field by field
without explaining anything. A field it cannot prove clean is left unread (None in the
``Reading``) and ``parse`` reads that field, and only that one, with the full explaining reader,
which writes its issues. A document clean in every field is returned at once. Any field read
here, the full reader would read with the same value and no issue (tested on generated
documents, clean and corrupted).
"""

from __future__ import annotations

from collections.abc import Callable, Container
from datetime import date
from typing import NamedTuple

from cta.domain.documents.charset import MRZ_CHARACTERS, character_value
from cta.domain.documents.fields import Name, document_code_problem
from cta.domain.documents.formats import FORMATS, Format
from cta.domain.documents.model import DocumentType, MRZIssue, TravelDocument

__all__ = [
    "SHAPES",
    "SHAPE_OF",
    "Draft",
    "Reading",
    "new_document",
    "proven_birth_date",
    "read_fast",
    "unread",
]


class Reading(NamedTuple):
    """What the fast path read of each step of the full reader; None: the full step must run.

    ``sex`` is boxed because None is a sex (unspecified); ``composite`` is True when the
    composite check digit is proven right (or the format has none).
    """

    fmt: Format
    lines: tuple[str, ...]
    code: str | None = None
    state: str | None = None
    number: str | None = None
    nationality: str | None = None
    expiry: date | None = None
    birth: date | None = None  # proven only with the expiry date, which sets its century
    sex: tuple[str | None] | None = None
    optional: tuple[str, str] | None = None
    composite: bool = False
    name: Name | None = None
    # the check digits the fast path summed (of the MRZ characters it proved), for the full
    # reader to compare rather than sum again: document number, personal number, composite
    number_digit: int | None = None
    optional_digit: int | None = None
    composite_digit: int | None = None


# ``Reading(...)`` and ``Name(...)`` without the named tuples' own ``__new__`` (a Python
# function; every corrupted document makes one of each): every field given, in order
_new_tuple = tuple.__new__


def unread(fmt: Format, lines: tuple[str, ...]) -> Reading:
    """A reading that leaves every field to the full reader."""
    return Reading(fmt, lines)


def _table(weight: int) -> bytes:
    table = bytearray(256)
    for char in MRZ_CHARACTERS:
        table[ord(char)] = character_value(char) * weight % 10
    return bytes(table)


# The 7-3-1 weights (Part 3 §4.9) as byte tables: value times weight, modulo 10.
_T7, _T3, _T1 = _table(7), _table(3), _table(1)
# Each MRZ character to 'x', the line break to itself, anything else to NUL: the text's shape
# (``_shape``) in one translate, compared with the format's in one comparison.
SHAPE_OF = bytes(
    ord("x") if chr(byte) in MRZ_CHARACTERS else byte if byte == 10 else 0 for byte in range(256)
)
_ZERO = ord("0")
_FILLER = ord("<")
_NO_OPTIONAL = ("", "")  # no optional data (all fillers), stripped
_NO_DATA_15, _NO_DATA_11 = "<" * 15, "<" * 11  # TD1's empty optional data, lines 1 and 2
# the two characters of each document code a format allows -> the code, fillers stripped
_VALID_CODES: dict[DocumentType, dict[str, str]] = {
    kind: {
        code: code.rstrip("<")
        for first in "ACIPV"
        for second in "<ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        if document_code_problem(kind, code := first + second) is None
    }
    for kind in DocumentType
}
_DAYS_IN_MONTH = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# YYMMDD and its check digit -> (yy, month, day, YYMMDD as a number, then the 7-3-1 sum of the
# seven characters modulo 10 when the first one has weight 7, 3 or 1, for composite digits,
# YYMMDD itself, and the date in 19YY and in 20YY, None when that year has no such day).
_Date = tuple[int, int, int, int, int, int, int, str, date | None, date | None]


def _calendar_day(year: int, month: int, day: int) -> date | None:
    """The date, or None when that year has no such day (29 February of a year not leap)."""
    try:
        return date(year, month, day)
    except ValueError:
        return None


# YYMMDD and its check digit -> its entry (``_Date``), filled a year at a time (``_add_year``)
_TABLE: dict[str, _Date] = {}
_YEARS_IN = bytearray(100)  # 1 for each two-digit year whose entries are in _TABLE
_PAIRS = [(f"{n:02d}", n // 10, n % 10) for n in range(100)]
_DIGIT = "0123456789"


def _add_year(yy: int) -> None:
    """Put every YYMMDD of the two-digit year ``yy`` in ``_TABLE`` (366 entries, under a
    millisecond), keyed with the check digit that makes it right. The table fills a year at a
    time as documents show them, so that no process pays for the whole century at import
    (about 90 ms, every ``cta`` process did) and a node that reads MRZs pays it in slices."""
    table = _TABLE
    y1, y2 = divmod(yy, 10)
    leap_19, leap_20 = yy % 4 == 0 and yy != 0, yy % 4 == 0  # 1900 is no leap year, 2000 is
    year = _PAIRS[yy][0]
    for month in range(1, 13):
        mm, m1, m2 = _PAIRS[month]
        # the sums of YYMM when its first digit has weight 7, 3 or 1
        head_7 = 7 * y1 + 3 * y2 + m1 + 7 * m2
        head_3 = 3 * y1 + y2 + 7 * m1 + 3 * m2
        head_1 = y1 + 7 * y2 + 3 * m1 + m2
        prefix, number = year + mm, yy * 10000 + month * 100
        for day in range(1, _DAYS_IN_MONTH[month] + 1):
            dd, d1, d2 = _PAIRS[day]
            total = head_7 + 3 * d1 + d2
            check = total % 10
            if month == 2 and day == 29:  # the only day that one century may lack
                in_19 = date(1900 + yy, 2, 29) if leap_19 else None
                in_20 = date(2000 + yy, 2, 29) if leap_20 else None
            else:
                in_19, in_20 = date(1900 + yy, month, day), date(2000 + yy, month, day)
            raw = prefix + dd
            table[raw + _DIGIT[check]] = (
                yy,
                month,
                day,
                number + day,
                (total + 7 * check) % 10,
                (head_3 + d1 + 7 * d2 + 3 * check) % 10,
                (head_1 + 7 * d1 + 3 * d2 + check) % 10,
                raw,
                in_19,
                in_20,
            )
    _YEARS_IN[yy] = 1  # after its entries: a reader that sees the mark finds them all


def _late(raw: str) -> _Date | None:
    """The entry of ``raw`` that ``_TABLE`` lacks: its year's entries added when they were not
    yet; None when it is no YYMMDD with its right check digit (then the full reader explains)."""
    yy = raw[:2]
    if yy.isascii() and yy.isdigit() and len(raw) == 7 and not _YEARS_IN[int(yy)]:
        _add_year(int(yy))
        return _TABLE.get(raw)
    return None


def _whole_table() -> dict[str, _Date]:
    """``_TABLE`` with every year in it (36,600 entries): for the tests that look at it whole."""
    for yy in range(100):
        if not _YEARS_IN[yy]:
            _add_year(yy)
    return _TABLE


def __getattr__(name: str) -> dict[str, _Date]:
    """``_DATES``, the whole table (PEP 562): built on first use, no longer at import."""
    if name == "_DATES":
        return _whole_table()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The last day of check seen, with what the century rule needs of it: the year 50 years
# before, the day as YYMMDD in a number, its century, then where a table entry (``_Date``)
# holds the date in the year the rule gives: for an expiry date, by its two-digit year, and for
# a birth date on or before the day's YYMMDD, then after it; 8 for 19YY, 9 for 20YY, 0 for any
# other century (worked out by ``_day``). Nearly every call of a process (a node, a batch) is
# made with the same day, so these are worked out once a day.
_Today = tuple[date, int, int, int, tuple[int, ...], int, int]
_today: _Today = (date.min, 0, 0, 0, (), 0, 0)
_SLOT = {1900: 8, 2000: 9}  # century -> where a table entry holds the date in it


def _today_of(today: date) -> _Today:
    global _today  # one tuple, replaced whole: a thread reads the old one or the new one
    year = today.year
    base, century = year - 50, year - year % 100
    _today = (
        today,
        base,
        year % 100 * 10000 + today.month * 100 + today.day,
        century,
        tuple(_SLOT.get((base + (yy - base) % 100) // 100 * 100, 0) for yy in range(100)),
        _SLOT.get(century, 0),
        _SLOT.get(century - 100, 0),
    )
    return _today


def _date_pair(
    birth: _Date | None, expiry: _Date | None, today: date
) -> tuple[date | None, date | None]:
    """Birth and expiry dates from their table entries; None for one not in the table, on a
    29 February of a year that is not a leap year, or a birth date whose expiry is not known.

    The century rule is the one of ``dates``: expiry within 50 years of today; birth the
    latest year that puts it on or before both today and the expiry date.
    """
    if expiry is None:
        return None, None
    day = _today
    if day[0] != today:
        day = _today_of(today)
    slot = day[4][expiry[0]]
    expires: date | None
    if slot:
        expires = expiry[slot]  # type: ignore[assignment]  # 8 or 9: a date or None
    else:
        base = day[1]
        expires = _day(base + (expiry[0] - base) % 100, expiry)
    if birth is None or expires is None:
        return None, expires
    if today <= expires:  # the latest day a holder may be born is today (as ``_born``)
        later = birth[3] > day[2]
        slot = day[6] if later else day[5]
        if slot:
            return birth[slot], expires  # type: ignore[return-value]  # 8 or 9, as above
        century = day[3] - 100 if later else day[3]
    else:  # or the expiry date, when it has passed
        year = expires.year
        century = year - year % 100
        if birth[3] > (year % 100) * 10000 + expires.month * 100 + expires.day:
            century -= 100
        if century == 1900:
            return birth[8], expires
        if century == 2000:
            return birth[9], expires
    return _day(century + birth[0], birth), expires


def _born(birth: _Date, latest: date) -> date | None:
    """The birth date of a table entry in the latest year on or before ``latest`` (the earlier
    of the day of the check and the expiry date); None on a 29 February of a year not leap."""
    year = latest.year
    century = year - year % 100
    if birth[3] > (year % 100) * 10000 + latest.month * 100 + latest.day:
        century -= 100
    if century == 1900:
        return birth[8]
    if century == 2000:
        return birth[9]
    return _day(century + birth[0], birth)


def proven_birth_date(raw: str, latest: date) -> date | None:
    """The birth date of ``raw`` (six characters and the check digit) when it proves one: six
    digits, its check digit right, and a day that exists in the year the century rule gives as
    of ``latest``; else None, and the full reader explains (``dates``, ``checks``).

    The full reader reads the expiry date first; when the fast path could not prove it, the
    birth date still need not be read again character by character once it is known.
    """
    birth = _TABLE.get(raw) or _late(raw)
    return None if birth is None else _born(birth, latest)


def _day(year: int, entry: _Date) -> date | None:
    """The date of ``entry`` in a year of another century than the table's two."""
    return _calendar_day(year, entry[1], entry[2])


def _name(raw: str) -> tuple[str, str, bool] | None:
    """Surname, given names and truncation when the name has letters only and a primary
    identifier, else None."""
    if raw[0] == "<":
        return None
    stripped = raw.rstrip("<")
    if not stripped.replace("<", "").isalpha():
        return None
    # After the first '<<' the primary identifier holds single fillers only (Part 3 §4.6)
    primary, _, secondary = stripped.partition("<<")
    if "<<" in secondary or secondary[:1] == "<":  # runs of fillers: one space each
        given = " ".join(secondary.replace("<", " ").split())
    else:  # the usual case: names apart by single fillers, none at either end
        given = secondary.replace("<", " ")
    return primary.replace("<", " "), given, raw[-1] != "<"


# Three MRZ characters -> their 7-3-1 sum modulo 10, the first at weight 7, put in the first
# time they are met (at most 37³ = 50,653 entries, a few MB; none at import). A document
# number is three lookups where the byte tables take three slices, translations and sums: a
# third less time for the one sum every document needs. Only the fast path asks, after its
# shape check: MRZ characters only. A plain dictionary read in a ``try`` (free in Python 3.11
# unless it raises), not a subclass with ``__missing__``: the interpreter specialises
# subscripts of a plain dictionary only.
_TRIPLES: dict[str, int] = {}


def _number_sum(number: str) -> int:
    """The sum of the nine characters of a document number, its three triples put in
    ``_TRIPLES`` (the fast path's lookup raised ``KeyError``: a triple not met before)."""
    total = 0
    for start in (0, 3, 6):
        triple = number[start : start + 3]
        value = _TRIPLES.get(triple)
        if value is None:
            value = (_T7[ord(triple[0])] + _T3[ord(triple[1])] + _T1[ord(triple[2])]) % 10
            _TRIPLES[triple] = value
        total += value
    return total


def _phase_0(data: bytes, start: int, end: int) -> int:
    """The 7-3-1 sum of ``data[start:end]``, its first byte at weight 7."""
    return (
        sum(data[start:end:3].translate(_T7))
        + sum(data[start + 1 : end : 3].translate(_T3))
        + sum(data[start + 2 : end : 3].translate(_T1))
    )


def _phase_1(data: bytes, start: int, end: int) -> int:
    """The 7-3-1 sum of ``data[start:end]``, its first byte at weight 3."""
    return (
        sum(data[start:end:3].translate(_T3))
        + sum(data[start + 1 : end : 3].translate(_T1))
        + sum(data[start + 2 : end : 3].translate(_T7))
    )


def _phase_2(data: bytes, start: int, end: int) -> int:
    """The 7-3-1 sum of ``data[start:end]``, its first byte at weight 1."""
    return (
        sum(data[start:end:3].translate(_T1))
        + sum(data[start + 1 : end : 3].translate(_T7))
        + sum(data[start + 2 : end : 3].translate(_T3))
    )


def _two_line(
    layout: _Layout, text: str, data: bytes, today: date, known_codes: Container[str] | None
) -> TravelDocument | Reading:
    """TD2, TD3, MRV-A, MRV-B: the lower line is laid out alike up to position 28.

    One long function on purpose: this runs for nine documents in ten, and each call, tuple
    or attribute saved shows in ``python -m bench mrz``.
    """
    fmt, codes, length, optional_end, personal_number, has_composite, no_data, _ = layout
    low = length + 1  # where the lower line starts in the text
    triples = _TRIPLES
    try:
        number_sum = (
            triples[text[low : low + 3]]
            + triples[text[low + 3 : low + 6]]
            + triples[text[low + 6 : low + 9]]
        )
    except KeyError:
        number_sum = _number_sum(text[low : low + 9])
    number_digit = number_sum % 10
    number = text[low : low + 9].rstrip("<") if data[low + 9] - _ZERO == number_digit else None
    table = _TABLE
    birth, expiry = table.get(text[low + 13 : low + 20]), table.get(text[low + 21 : low + 28])
    if birth is None:  # not a date with its check digit, or a year not in the table yet
        birth = _late(text[low + 13 : low + 20])
    if expiry is None:
        expiry = _late(text[low + 21 : low + 28])
    born, expires = _date_pair(birth, expiry, today)
    optional_raw = text[low + 28 : low + optional_end]
    empty = optional_raw == no_data  # '<' has the value 0: no sum to make
    optional: tuple[str, str] | None = _NO_OPTIONAL if empty else (optional_raw.strip("<"), "")
    composite = True
    composite_digit = optional_digit = None
    if has_composite:
        if personal_number:  # TD3 (Part 4 §4.2.2.2)
            check = data[low + 42]
            if empty:  # an unused personal number may have '<' as check digit (position 43)
                extra = optional_digit = 0
                if check != _ZERO and check != _FILLER:
                    optional = None
            else:
                extra = _phase_0(data, low + 28, low + 42)
                optional_digit = extra % 10
                if check - _ZERO != optional_digit:
                    optional = None
            extra += _T1[check]
        else:  # TD2: the optional data come at weight 7 first in the composite
            extra = 0 if empty else _phase_0(data, low + 28, low + 35)
        # birth date at weight 3 first, expiry date at weight 1 first
        total = (
            number_sum
            + _T7[data[low + 9]]
            + (birth[5] if birth else _phase_1(data, low + 13, low + 20))
            + (expiry[6] if expiry else _phase_2(data, low + 21, low + 28))
            + extra
        )
        composite_digit = total % 10
        composite = data[low + length - 1] - _ZERO == composite_digit
    code = codes.get(text[:2])
    # country codes: 1-3 letters then fillers, known when a list is given
    raw = text[2:5].rstrip("<")
    state = raw if raw.isalpha() and (known_codes is None or raw in known_codes) else None
    raw = text[low + 10 : low + 13].rstrip("<")
    nationality = raw if raw.isalpha() and (known_codes is None or raw in known_codes) else None
    sex = text[low + 20]
    name = _name(text[5:length])
    lines = (text[:length], text[low:])
    if (
        code is not None
        and state is not None
        and number is not None
        and nationality is not None
        and birth is not None
        and expiry is not None
        and born is not None
        and expires is not None
        and sex in "MF<"
        and optional is not None
        and composite
        and name is not None
    ):
        return new_document(
            fmt.type, code, state, name[0], name[1], number, nationality,
            born, expires, birth[7], expiry[7], None if sex == "<" else sex,
            optional[0], "", lines, name[2], born.year,
        )  # fmt: skip
    return _new_tuple(
        Reading,
        (
            fmt,
            lines,
            code,
            state,
            number,
            nationality,
            expires,
            born,
            ((None if sex == "<" else sex),) if sex in "MF<" else None,
            optional,
            composite,
            None if name is None else _new_tuple(Name, name),
            number_digit,
            optional_digit,
            composite_digit,
        ),
    )


def _td1(
    layout: _Layout, text: str, data: bytes, today: date, known_codes: Container[str] | None
) -> TravelDocument | Reading:
    """TD1 (Part 5 §4.2.2); a long document number is left to the full reader."""
    triples = _TRIPLES
    try:
        number_sum = triples[text[5:8]] + triples[text[8:11]] + triples[text[11:14]]
    except KeyError:
        number_sum = _number_sum(text[5:14])
    number_digit = number_sum % 10
    number = text[5:14].rstrip("<") if data[14] - _ZERO == number_digit else None
    table = _TABLE
    birth, expiry = table.get(text[31:38]), table.get(text[39:46])
    if birth is None:  # not a date with its check digit, or a year not in the table yet
        birth = _late(text[31:38])
    if expiry is None:
        expiry = _late(text[39:46])
    born, expires = _date_pair(birth, expiry, today)
    first, second = text[15:30], text[49:60]  # the optional data ('<' has the value 0)
    composite_sum = (
        number_sum
        + _T7[data[14]]
        + (birth[5] if birth else _phase_1(data, 31, 38))
        + (expiry[6] if expiry else _phase_2(data, 39, 46))
    )
    if first != _NO_DATA_15:  # optional data, at weight 3 first in the composite
        composite_sum += _phase_1(data, 15, 30)
    if second != _NO_DATA_11:  # optional data of line 2, at weight 7 first
        composite_sum += _phase_0(data, 49, 60)
    composite_digit = composite_sum % 10
    composite = data[60] - _ZERO == composite_digit
    code = layout[1].get(text[:2])
    # country codes: 1-3 letters then fillers, known when a list is given
    raw = text[2:5].rstrip("<")
    state = raw if raw.isalpha() and (known_codes is None or raw in known_codes) else None
    raw = text[46:49].rstrip("<")
    nationality = raw if raw.isalpha() and (known_codes is None or raw in known_codes) else None
    sex = text[38]
    name = _name(text[62:])
    lines = (text[:30], text[31:61], text[62:])
    # a long document number moves the optional data (Part 5 note j): read with the number
    optional = (first.strip("<"), second.strip("<")) if number is not None else None
    if (
        code is not None
        and state is not None
        and optional is not None
        and nationality is not None
        and birth is not None
        and expiry is not None
        and born is not None
        and expires is not None
        and sex in "MF<"
        and composite
        and name is not None
    ):
        return new_document(
            DocumentType.TD1, code, state, name[0], name[1], text[5:14].rstrip("<"),
            nationality, born, expires, birth[7], expiry[7], None if sex == "<" else sex,
            optional[0], optional[1], lines, name[2], born.year,
        )  # fmt: skip
    return _new_tuple(
        Reading,
        (
            layout[0],
            lines,
            code,
            state,
            number,
            nationality,
            expires,
            born,
            ((None if sex == "<" else sex),) if sex in "MF<" else None,
            optional,
            composite,
            None if name is None else _new_tuple(Name, name),
            number_digit,
            None,
            composite_digit,
        ),
    )


# One layout per format, as plain values (a dictionary keyed by an enum hashes in Python):
# the format, its document codes, the line length, where the optional data end, and whether
# the optional data have a check digit (TD3) and the lower line a composite one (not visas), and
# the optional data when empty (all fillers), then its reader (``_two_line`` or ``_td1``).
_Layout = tuple[
    Format, dict[str, str], int, int, bool, bool, str, Callable[..., "TravelDocument | Reading"]
]


def _layout(kind: DocumentType, reader: Callable[..., TravelDocument | Reading]) -> _Layout:
    fmt = FORMATS[kind]
    return (
        fmt,
        _VALID_CODES[kind],
        fmt.line_length,
        fmt.optional_data.end,
        fmt.optional_data_check is not None,
        fmt.composite_check is not None,
        "<" * (fmt.optional_data.end - fmt.optional_data.start),
        reader,
    )


def _shape(count: int, length: int) -> bytes:
    """A text of ``count`` lines of ``length`` MRZ characters joined by '\\n', translated by
    ``SHAPE_OF``."""
    return b"\n".join([b"x" * length] * count)


_TD1 = _layout(DocumentType.TD1, _td1)
# text length -> (its shape, layout, layout when the document code begins with V): how
# ``parse_mrz`` tells an MRZ's text, lines of MRZ characters joined by '\n', and reads it with
# the layout's reader (written out there, not in a function of this module, to spare a call
# level on every document)
SHAPES: dict[int, tuple[bytes, _Layout, _Layout]] = {
    89: (
        _shape(2, 44),
        _layout(DocumentType.TD3, _two_line),
        _layout(DocumentType.MRVA, _two_line),
    ),
    73: (
        _shape(2, 36),
        _layout(DocumentType.TD2, _two_line),
        _layout(DocumentType.MRVB, _two_line),
    ),
    92: (_shape(3, 30), _TD1, _TD1),
}
_BY_TYPE = {layout[0].type: layout for layout in (*SHAPES[89][1:], *SHAPES[73][1:], _TD1)}


def read_fast(
    fmt: Format, lines: tuple[str, ...], today: date, known_codes: Container[str] | None
) -> TravelDocument | Reading:
    """Lines already of ``fmt``'s shape: the document when clean, else what could be read."""
    text = "\n".join(lines)
    if not text.isascii():
        return unread(fmt, lines)
    data = text.encode()
    if data.translate(SHAPE_OF) != SHAPES[len(data)][0]:
        return unread(fmt, lines)
    layout = _BY_TYPE[fmt.type]
    return layout[7](layout, text, data, today, known_codes)


class Draft:
    """A ``TravelDocument`` under construction, turned into one when complete (``new_document``).

    The frozen dataclass's ``__init__`` sets each of its 18 fields through
    ``object.__setattr__``, which is a sixth of the time of a whole fast read. This class has
    the very same slots, so plain assignments fill them and ``__class__`` assignment (allowed
    between classes of the same layout) makes the result an ordinary, frozen TravelDocument.
    The fast-path tests compare every result with the one the dataclass constructor builds.
    """

    __slots__ = TravelDocument.__slots__
    # the slots' types, for the type checker (annotations alone add no class attribute)
    type: DocumentType
    document_code: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: date | None
    expiry_date: date | None
    birth_date_raw: str
    expiry_date_raw: str
    sex: str | None
    optional_data: str
    optional_data_2: str
    lines: tuple[str, ...]
    errors: tuple[MRZIssue, ...]
    names_truncated: bool
    birth_year: int | None
    warnings: tuple[MRZIssue, ...]


_new = object.__new__


def new_document(  # one argument per TravelDocument field, in its order
    kind: DocumentType,
    document_code: str,
    issuing_state: str,
    surname: str,
    given_names: str,
    document_number: str,
    nationality: str,
    birth_date: date | None,
    expiry_date: date | None,
    birth_date_raw: str,
    expiry_date_raw: str,
    sex: str | None,
    optional_data: str,
    optional_data_2: str,
    lines: tuple[str, ...],
    names_truncated: bool,
    birth_year: int | None,
    errors: tuple[MRZIssue, ...] = (),
    warnings: tuple[MRZIssue, ...] = (),
) -> TravelDocument:
    """``TravelDocument(...)``, built as a ``Draft``. A function, not ``Draft.__init__``: calling
    a class goes through ``type.__call__`` and runs ``__init__`` in a nested interpreter call,
    a tenth of a microsecond more on every document."""
    document = _new(Draft)
    document.type = kind
    document.document_code = document_code
    document.issuing_state = issuing_state
    document.surname = surname
    document.given_names = given_names
    document.document_number = document_number
    document.nationality = nationality
    document.birth_date = birth_date
    document.expiry_date = expiry_date
    document.birth_date_raw = birth_date_raw
    document.expiry_date_raw = expiry_date_raw
    document.sex = sex
    document.optional_data = optional_data
    document.optional_data_2 = optional_data_2
    document.lines = lines
    document.errors = errors
    document.names_truncated = names_truncated
    document.birth_year = birth_year
    document.warnings = warnings
    document.__class__ = TravelDocument  # type: ignore[assignment]
    return document  # type: ignore[return-value]  # it is one, since its __class__ assignment
