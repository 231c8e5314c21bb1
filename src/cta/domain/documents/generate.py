"""Writing an MRZ from document fields (for visas CTA issues, and for test documents).

Values must already be MRZ-ready (A-Z, 0-9, and space or '<' where a filler may stand):
transliteration of names is the job of ``cta.domain.names``. Anything else raises
``ValueError`` naming the field. Only names are shortened, by the truncation rules of
Part 4 §4.2.3 (see ``mrz_name``); every other value that does not fit is an error.
"""

from __future__ import annotations

from datetime import date, timedelta

from cta.domain.documents.charset import DIGITS, FILLER, LETTERS, MRZ_CHARACTERS, check_digit
from cta.domain.documents.dates import birth_century_year, expiry_year
from cta.domain.documents.fields import document_code_problem
from cta.domain.documents.formats import COMPOSITE, FORMATS, Format, Span
from cta.domain.documents.model import DocumentFields

__all__ = ["check_dates_read_back", "generate_mrz", "mrz_name"]

_ALPHANUMERIC = LETTERS | DIGITS


def _text(field: str, value: str) -> str:
    """A number or optional data with spaces as fillers; ValueError on other characters."""
    text = value.replace(" ", FILLER)
    for char in text:
        if char not in MRZ_CHARACTERS:
            raise ValueError(
                f"{field.replace('_', ' ')} {value!r} holds {char!r}: only A-Z, 0-9, "
                "space or '<' may be written in the MRZ"
            )
    return text


def _code(field: str, value: str, length: int) -> str:
    """A country or document code of 1 to ``length`` capital letters, padded with fillers."""
    code = value.rstrip(FILLER)
    if not 1 <= len(code) <= length or not LETTERS.issuperset(code):
        raise ValueError(
            f"{field.replace('_', ' ')} {value!r} must be 1-{length} capital letters A-Z"
        )
    return code.ljust(length, FILLER)


def _date(field: str, value: date | str, *, unknown_allowed: bool) -> str:
    """YYMMDD (Part 3 §4.8); a raw string may use '<' for unknown parts of a birth date."""
    if isinstance(value, date):
        return f"{value.year % 100:02d}{value.month:02d}{value.day:02d}"
    allowed = DIGITS | {FILLER} if unknown_allowed else DIGITS
    if len(value) != 6 or not allowed.issuperset(value):
        what = "digits and '<'" if unknown_allowed else "digits"
        raise ValueError(f"{field.replace('_', ' ')} {value!r} must be 6 {what} YYMMDD")
    return value


def check_dates_read_back(birth_date: date, expiry_date: date, today: date) -> None:
    """ValueError naming the field unless both dates read back as themselves on ``today``.

    An MRZ prints two-digit years; a reader gives them the century of ``dates`` (an expiry date
    within 50 years before to 49 after the year of the check; a birth date on or before both
    the check and the expiry date, within the century before), so 9999-12-31 would read back as
    1999-12-31: a document that says another date than it was made with is refused.
    """
    if birth_date > expiry_date:
        raise ValueError(f"birth date {birth_date} is after the expiry date {expiry_date}: a "
                         "holder is born before the document expires")  # fmt: skip
    year = expiry_year(expiry_date.year % 100, today)
    if year != expiry_date.year:
        raise ValueError(
            f"expiry date {expiry_date} would read back in {year}: the MRZ prints two-digit "
            f"years, and an expiry date is read from {today.year - 50} to {today.year + 49} "
            f"(50 years before to 49 after the year of the check, {today.year})"
        )
    latest = min(today, expiry_date)
    year = birth_century_year(birth_date.year % 100, birth_date.month, birth_date.day, latest)
    if year != birth_date.year:
        raise ValueError(
            f"birth date {birth_date} would read back in {year}: the MRZ prints two-digit "
            f"years, and a birth date is read from {_century_before(latest)} to {latest} (on "
            "or before the day of the check and the expiry date, within a hundred years)"
        )


def _century_before(day: date) -> date:
    """The first day after ``day`` a hundred years earlier (the first that reads back)."""
    if day.year <= 100:
        return date.min
    try:
        return day.replace(year=day.year - 100) + timedelta(days=1)
    except ValueError:  # 29 February, in a year a hundred years earlier that is not leap
        return date(day.year - 100, 3, 1)


def _sex(value: str | None) -> str:
    """M, F, or '<' for unspecified; 'X' of the visual zone is '<' in the MRZ (Part 4 note p)."""
    if value in (None, "", FILLER, "X"):
        return FILLER
    if value in ("M", "F"):
        return value
    raise ValueError(f"sex {value!r} must be 'M', 'F', 'X', '<' or None")


class _Lines:
    """MRZ lines under construction, all fillers at first."""

    def __init__(self, fmt: Format) -> None:
        self.chars = [[FILLER] * fmt.line_length for _ in range(fmt.line_count)]

    def put(self, field: str, span: Span, value: str) -> None:
        if len(value) > span.end - span.start:
            raise ValueError(
                f"{field.replace('_', ' ')} {value.rstrip(FILLER)!r} is too long: "
                f"{span.end - span.start} characters fit ({span.where()})"
            )
        self.chars[span.line][span.start : span.start + len(value)] = value

    def get(self, span: Span) -> str:
        return "".join(self.chars[span.line][span.start : span.end])

    def check(self, span: Span, *covered: Span) -> None:
        self.put("check digit", span, check_digit("".join(self.get(s) for s in covered)))


def _document_number(fmt: Format, lines: _Lines, number: str) -> Span:
    """Write the number (long TD1/TD2 numbers per Part 5/6 note j); the optional data span left."""
    span, optional = fmt.document_number, fmt.optional_data
    if len(number) <= 9 or not fmt.long_document_number:
        lines.put("document_number", span, number)
        lines.check(fmt.document_number_check, span)
        return optional
    if not _ALPHANUMERIC.issuperset(number):
        raise ValueError(f"a long document number {number!r} may hold only A-Z and 0-9")
    continuation = number[9:] + check_digit(number) + FILLER
    lines.put("document_number", span, number[:9])
    lines.put("document_number", optional, continuation)
    return Span(optional.line, optional.start + len(continuation), optional.end)


def generate_mrz(fields: DocumentFields) -> tuple[str, ...]:
    """The MRZ lines of a document of ``fields.type`` holding ``fields``."""
    fmt = FORMATS[fields.type]
    lines = _Lines(fmt)
    _write_header(fmt, lines, fields)
    optional = _document_number(fmt, lines, _text("document_number", fields.document_number))
    _write_holder(fmt, lines, fields)
    _write_optional(fmt, lines, fields, optional)
    if fmt.composite_check is not None:
        lines.check(fmt.composite_check, *(part.span for part in COMPOSITE[fmt.type]))
    return tuple("".join(line) for line in lines.chars)


def _write_header(fmt: Format, lines: _Lines, fields: DocumentFields) -> None:
    """Document code, issuing state and name."""
    code = _code("document_code", fields.document_code, 2)
    problem = document_code_problem(fmt.type, code)
    if problem is not None:
        raise ValueError(problem)
    lines.put("document_code", fmt.document_code, code)
    lines.put("issuing_state", fmt.issuing_state, _code("issuing_state", fields.issuing_state, 3))
    primary = name_components("surname", fields.surname)
    if not primary:
        raise ValueError("surname is empty: a single name is written as the surname (Part 3 §4.6)")
    secondary = name_components("given_names", fields.given_names)
    lines.put("name", fmt.name, mrz_name(primary, secondary, fmt.name.end - fmt.name.start))


def _write_holder(fmt: Format, lines: _Lines, fields: DocumentFields) -> None:
    """Nationality, birth date, sex and expiry date, with the dates' check digits."""
    lines.put("nationality", fmt.nationality, _code("nationality", fields.nationality, 3))
    birth = _date("birth_date", fields.birth_date, unknown_allowed=True)
    lines.put("birth_date", fmt.birth_date, birth)
    lines.check(fmt.birth_date_check, fmt.birth_date)
    lines.put("sex", fmt.sex, _sex(fields.sex))
    expiry = _date("expiry_date", fields.expiry_date, unknown_allowed=False)
    lines.put("expiry_date", fmt.expiry_date, expiry)
    lines.check(fmt.expiry_date_check, fmt.expiry_date)


def _write_optional(fmt: Format, lines: _Lines, fields: DocumentFields, optional: Span) -> None:
    """Optional data (after a long document number), its TD3 check digit, TD1 line 2 data.

    An empty TD3 personal number keeps '<' as check digit (Part 4 §4.2.2.2 allows '<' or 0).
    """
    lines.put("optional_data", optional, _text("optional_data", fields.optional_data))
    if fmt.optional_data_check is not None and lines.get(fmt.optional_data).strip(FILLER):
        lines.check(fmt.optional_data_check, fmt.optional_data)
    if fmt.optional_data_2 is not None:
        optional_2 = _text("optional_data_2", fields.optional_data_2)
        lines.put("optional_data_2", fmt.optional_data_2, optional_2)
    elif fields.optional_data_2:
        raise ValueError(f"optional data 2 exists only on a TD1, not on a {fmt.type}")


def name_components(field: str, value: str) -> list[str]:
    """The components of a name written with spaces or '<' between them; ValueError if not
    MRZ-ready (only A-Z; Part 3 §4.6 forbids digits and punctuation in names)."""
    components = value.replace(FILLER, " ").split()
    for component in components:
        for char in component:
            if char not in LETTERS:
                raise ValueError(
                    f"{field} {value!r} holds {char!r}: a name in the MRZ may hold only A-Z "
                    "and spaces or '<' between its parts (transliterate it first)"
                )
    return components


def mrz_name(primary: list[str], secondary: list[str], length: int) -> str:
    """The name field of ``length`` characters, truncated per Part 4 §4.2.3 when needed.

    Part 3 §4.6: primary identifier, '<<', secondary identifier, components separated by '<',
    fillers to the end. When that is too long, Part 4 §4.2.3 (and Parts 5, 6 §4.2.3, Part 7
    §4.2.2.1) removes characters from components of the primary identifier until '<<' and the
    first letter of the secondary identifier fit, then keeps as much of the secondary
    identifier as fits, so that the last position holds a letter (the sign of truncation).
    """
    surname = FILLER.join(primary)
    text = surname + "<<" + FILLER.join(secondary) if secondary else surname
    if len(text) <= length:
        return text.ljust(length, FILLER)
    if not secondary:
        return _cut(surname, length)
    if len(surname) > length - 3:
        surname = _cut(surname, length - 3)
    return _cut(surname + "<<" + FILLER.join(secondary), length)


def _cut(text: str, length: int) -> str:
    """``text`` shortened to ``length`` characters ending with a letter.

    When the cut falls on a filler, the last letter of the nearest component of two or more
    letters before it is removed (components lose letters from their end only, so each stays a
    prefix of the original), until a letter comes to the last position.
    """
    if len(text) <= length:
        return text
    while text[length - 1] == FILLER:
        at = _last_removable(text, length - 1)
        if at is None:  # only initials before the cut: nothing may be removed
            return text[:length].rstrip(FILLER).ljust(length, FILLER)
        text = text[:at] + text[at + 1 :]
    return text[:length]


def _last_removable(text: str, before: int) -> int | None:
    """Index of the last letter of the nearest component of 2+ letters ending before ``before``."""
    for index in range(before - 1, 0, -1):
        if text[index] != FILLER != text[index - 1] and text[index + 1] == FILLER:
            return index
    return None
