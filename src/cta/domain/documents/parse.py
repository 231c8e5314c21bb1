"""Reading an MRZ: decide its format from its shape, then read and check every field.

Only a shape that is no MRZ at all raises (``MRZFormatError``); every problem inside a field
becomes an ``MRZIssue`` and reading goes on, so one document reports all its problems.
The century of two-digit years follows the rule stated in ``cta.domain.documents.dates``.
"""

from __future__ import annotations

from collections.abc import Container, Sequence
from datetime import date
from typing import NamedTuple

from cta.domain.documents.charset import FILLER
from cta.domain.documents.checks import Guarded, guarded, verify_check_digit
from cta.domain.documents.dates import read_birth_date, read_expiry_date
from cta.domain.documents.fast import (
    SHAPE_OF,
    SHAPES,
    Reading,
    new_document,
    proven_birth_date,
    read_fast,
    unread,
)
from cta.domain.documents.fields import (
    ALPHANUMERIC,
    DIGITS_ONLY,
    DIGITS_OR_FILLER,
    check_characters,
    check_document_code,
    read_code,
    read_name,
    read_sex,
)
from cta.domain.documents.formats import (
    COMPOSITE,
    FORMATS,
    Checked,
    Format,
    Span,
    format_for_shape,
)
from cta.domain.documents.model import MRZIssue, TravelDocument, new_issue
from cta.domain.errors import MRZFormatError

__all__ = ["parse_mrz"]

_SHAPES = "3×30 (TD1), 2×36 (TD2, MRV-B) or 2×44 (TD3, MRV-A)"


class _Guards(NamedTuple):
    """The check digits of one format, each with the data it guards (``Guarded``)."""

    number: Guarded
    birth: Guarded
    expiry: Guarded
    optional: Guarded | None  # TD3's personal number
    composite: Guarded | None  # not on visas


def _guards(fmt: Format) -> _Guards:
    optional, composite = fmt.optional_data_check, fmt.composite_check
    return _Guards(
        guarded(fmt.document_number_check, Checked(fmt.document_number, True)),
        guarded(fmt.birth_date_check, Checked(fmt.birth_date, False)),
        guarded(fmt.expiry_date_check, Checked(fmt.expiry_date, False)),
        None if optional is None else guarded(optional, Checked(fmt.optional_data, True)),
        None if composite is None else guarded(composite, *COMPOSITE[fmt.type]),
    )


# Made once per format, keyed by identity: the formats are constants of ``formats`` (a Format
# hashes all its spans, and an enum hashes in Python).
_GUARDS = {id(fmt): _guards(fmt) for fmt in FORMATS.values()}


def _guards_of(fmt: Format) -> _Guards:
    return _GUARDS.get(id(fmt)) or _guards(fmt)


def _split(text: str | Sequence[str]) -> list[str]:
    raw = text.splitlines() if isinstance(text, str) else text
    return [stripped for line in raw if (stripped := line.strip())]


def _shape_message(lines: Sequence[str]) -> str:
    if not lines:
        return f"no MRZ lines found; expected {_SHAPES}"
    lengths = ", ".join(str(len(line)) for line in lines)
    count = len(lines)
    return f"{count} line{'s' if count > 1 else ''} of {lengths} characters; expected {_SHAPES}"


def parse_mrz(
    text: str | Sequence[str], *, today: date, known_codes: Container[str] | None = None
) -> TravelDocument:
    """Read an MRZ (lines, or one string with newlines) as of ``today``; issues, not raises."""
    if isinstance(text, str):  # lines of MRZ characters joined by '\n': the fast path first
        shape = SHAPES.get(len(text))
        if shape is not None and text.isascii():
            data = text.encode()
            if data.translate(SHAPE_OF) == shape[0]:  # MRZ characters, '\n' where they go
                layout = shape[2] if text[0] == "V" else shape[1]
                read = layout[7](layout, text, data, today, known_codes)
                if isinstance(read, Reading):  # some field could not be proven clean
                    return _read(read[0], read[1], today, known_codes, read)
                return read
    # anything else (spaces, other line ends, a list of lines): split and strip first
    lines = _split(text)
    fmt = format_for_shape(lines)
    if fmt is None:
        raise MRZFormatError(_shape_message(lines))
    read = read_fast(fmt, tuple(lines), today, known_codes)
    if isinstance(read, Reading):  # some field could not be proven clean: explain it
        return _read(read[0], read[1], today, known_codes, read)
    return read


def _read_document_number(
    fmt: Format,
    guards: _Guards,
    lines: Sequence[str],
    issues: list[MRZIssue],
    digit: int | None = None,
) -> tuple[str, Span]:
    """The full document number and the span of optional data left after it; ``digit`` is
    the check digit of the nine characters when the fast path summed them.

    A TD1 or TD2 number longer than 9 characters has '<' as its check digit, and continues at
    the start of the optional data, followed by its check digit and '<' (Part 5 note j and
    §4.2.4; Part 6 note j).
    """
    span, check, optional = fmt.document_number, fmt.document_number_check, fmt.optional_data
    raw = span.of(lines)
    check_characters("document_number", "document number", raw, span, ALPHANUMERIC, issues)
    is_long = check.of(lines) == FILLER and raw[-1:] != FILLER
    if not (fmt.long_document_number and is_long):
        verify_check_digit(
            "document_number", "document number", guards.number, lines, issues, computed=digit
        )
        return raw.rstrip(FILLER), optional
    end = optional.of(lines).find(FILLER)
    if end < 2:
        message = (
            f"document number check digit is '<' ({check.where()}) but no continuation of a "
            f"long document number with its check digit and '<' follows ({optional.where()})"
        )
        after = (optional.line + 1, *optional.positions)
        issues.append(new_issue("document_number", message, check.line + 1, check.positions,
                                FILLER, "", "long_number_unfinished", (("after", after),)))
        return raw, optional
    line, start = optional.line, optional.start
    rest = Span(line, start, start + end - 1)
    check_characters(
        "document_number", "document number", rest.of(lines), rest, ALPHANUMERIC, issues
    )
    long_check = Span(line, start + end - 1, start + end)
    parts = guarded(long_check, Checked(span, True), Checked(rest, True))
    verify_check_digit("document_number", "document number", parts, lines, issues)
    return raw + rest.of(lines), Span(line, start + end + 1, optional.end)


def _reading_order(issue: MRZIssue) -> tuple[int, int]:
    """Issues are listed in the order an officer reads the MRZ: by line, then position."""
    return (issue.line or 0, issue.positions[0] if issue.positions else 0)


def _read_dates(
    fmt: Format,
    guards: _Guards,
    lines: Sequence[str],
    today: date,
    issues: list[MRZIssue],
    expiry: date | None = None,
    known_birth: date | None = None,
) -> tuple[date | None, int | None, date | None]:
    """Birth date, birth year and expiry date, each checked against its check digit.

    The expiry date is read first: a holder is born before the document expires, so the
    birth date's century is the latest that puts it on or before both (``dates``). A date
    the fast path proved (``expiry``, ``known_birth``) is taken as it is, and so is a birth
    date that its table entry proves once the expiry date is read (``proven_birth_date``).
    """
    span = fmt.expiry_date
    if expiry is None:
        raw = span.of(lines)
        if check_characters("expiry_date", "expiry date", raw, span, DIGITS_ONLY, issues):
            expiry = read_expiry_date(raw, span, today, issues)
        verify_check_digit("expiry_date", "expiry date", guards.expiry, lines, issues)
    if known_birth is not None:
        return known_birth, known_birth.year, expiry
    span = fmt.birth_date
    latest = min(today, expiry) if expiry is not None else today
    # the date and the check digit after it, in one table lookup: no issue when it proves them
    birth = proven_birth_date(lines[span.line][span.start : fmt.birth_date_check.end], latest)
    if birth is not None:
        return birth, birth.year, expiry
    birth_year = None
    raw = span.of(lines)
    if check_characters("birth_date", "birth date", raw, span, DIGITS_OR_FILLER, issues):
        birth, birth_year = read_birth_date(raw, span, latest, issues)
    verify_check_digit("birth_date", "birth date", guards.birth, lines, issues)
    return birth, birth_year, expiry


def _read_optional(
    fmt: Format,
    guards: _Guards,
    lines: Sequence[str],
    optional: Span,
    issues: list[MRZIssue],
    digit: int | None = None,
) -> tuple[str, str]:
    """The optional data fields (after a long document number), checked; fillers stripped.
    ``digit``: the personal number's check digit when the fast path summed it."""
    raw = optional.of(lines)
    check_characters("optional_data", "optional data", raw, optional, ALPHANUMERIC, issues)
    if guards.optional is not None:  # TD3 personal number, Part 4 §4.2.2.2
        verify_check_digit(
            "optional_data", "personal number", guards.optional, lines, issues,
            filler_when_empty=True, computed=digit,
        )  # fmt: skip
    if fmt.optional_data_2 is None:
        return raw.strip(FILLER), ""
    span = fmt.optional_data_2
    raw_2 = span.of(lines)
    check_characters("optional_data_2", "optional data", raw_2, span, ALPHANUMERIC, issues)
    return raw.strip(FILLER), raw_2.strip(FILLER)


def _read(
    fmt: Format,
    lines: tuple[str, ...],
    today: date,
    known_codes: Container[str] | None,
    known: Reading | None = None,
) -> TravelDocument:
    """Every field read and checked; every problem an issue (the full, explaining reader).

    ``known`` holds the fields the fast path proved clean, with their values: those steps are
    skipped (they would add no issue), the others run in full, in the same order. It is
    unpacked once: each attribute of a named tuple is a descriptor call in Python 3.11.
    """
    (
        _, _, code, state, number, nationality, expiry, birth, sex_box, optional_pair,
        composite, name, number_digit, optional_digit, composite_digit,
    ) = unread(fmt, lines) if known is None else known  # fmt: skip
    guards = _guards_of(fmt)
    issues: list[MRZIssue] = []
    if code is None:
        code = check_document_code(fmt, fmt.document_code.of(lines), issues)
    if state is None:
        span = fmt.issuing_state
        state = read_code("issuing_state", span.of(lines), span, known_codes, issues)
    optional, number_proven = fmt.optional_data, number is not None
    if number is None:
        number, optional = _read_document_number(fmt, guards, lines, issues, number_digit)
    if nationality is None:
        span = fmt.nationality
        nationality = read_code("nationality", span.of(lines), span, known_codes, issues)
    if birth is not None and expiry is not None:  # both proven: nothing to read
        birth_year: int | None = birth.year
    else:
        birth, birth_year, expiry = _read_dates(fmt, guards, lines, today, issues, expiry, birth)
    sex = sex_box[0] if sex_box is not None else read_sex(fmt.sex.of(lines), fmt.sex, issues)
    # after a long document number, the optional data begin later (the span the step gave)
    if optional_pair is not None and number_proven:
        optional_data, optional_data_2 = optional_pair
    else:
        optional_data, optional_data_2 = _read_optional(
            fmt, guards, lines, optional, issues, optional_digit
        )
    if guards.composite is not None and not composite:
        verify_check_digit(
            "composite_check_digit", "composite", guards.composite, lines, issues,
            computed=composite_digit,
        )  # fmt: skip
    warnings: list[MRZIssue] = []
    surname, given_names, truncated = name or read_name(
        fmt.name.of(lines), fmt.name, issues, warnings
    )
    return new_document(
        fmt.type, code, state, surname, given_names, number, nationality, birth,
        expiry, fmt.birth_date.of(lines), fmt.expiry_date.of(lines), sex, optional_data,
        optional_data_2, lines, truncated, birth_year,
        tuple(sorted(issues, key=_reading_order)) if len(issues) > 1 else tuple(issues),
        tuple(warnings) if warnings else (),
    )  # fmt: skip
