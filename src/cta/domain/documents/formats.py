"""Where each field stands in each MRZ format (Doc 9303 Parts 4 to 7, data structure tables)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from cta.domain.documents.model import DocumentType

__all__ = ["COMPOSITE", "FORMATS", "Checked", "Format", "Span", "format_for_shape"]


@dataclass(frozen=True, slots=True)
class Span:
    """Characters ``start`` to ``end`` (0-based, end exclusive) of line ``line`` (0-based)."""

    line: int
    start: int
    end: int

    def of(self, lines: Sequence[str]) -> str:
        """The characters of this span."""
        return lines[self.line][self.start : self.end]

    @property
    def positions(self) -> tuple[int, int]:
        """1-based inclusive positions within the line, as the ICAO tables number them."""
        return (self.start + 1, self.end)

    def where(self, index: int | None = None) -> str:
        """Words for an officer: "line 2, positions 14-19" or, for one character, "position 16"."""
        if index is not None:
            return f"line {self.line + 1} position {self.start + index + 1}"
        if self.end - self.start == 1:
            return f"line {self.line + 1}, position {self.end}"
        return f"line {self.line + 1}, positions {self.start + 1}-{self.end}"


class Checked(NamedTuple):
    """A span covered by a check digit, and whether letters may stand in it."""

    span: Span
    letters: bool


@dataclass(frozen=True, slots=True)
class Format:
    """One MRZ format: its shape and the span of each field."""

    type: DocumentType
    line_count: int
    line_length: int
    document_code: Span
    issuing_state: Span
    name: Span
    document_number: Span
    document_number_check: Span
    nationality: Span
    birth_date: Span
    birth_date_check: Span
    sex: Span
    expiry_date: Span
    expiry_date_check: Span
    optional_data: Span
    optional_data_check: Span | None = None  # TD3 only (Part 4 §4.2.2.2)
    optional_data_2: Span | None = None  # TD1 only (Part 5 §4.2.2.2)
    composite_check: Span | None = None  # not on visas (Part 7)
    long_document_number: bool = False  # Part 5 note j, Part 6 note j


def _two_line(kind: DocumentType, length: int, *, visa: bool) -> Format:
    """TD2, TD3 and both visas share the lower line up to the optional data (Parts 4, 6, 7)."""
    last = length - 1  # 0-based index of the last character
    optional_end = length if visa else (last - 1 if kind is DocumentType.TD3 else last)
    return Format(
        type=kind,
        line_count=2,
        line_length=length,
        document_code=Span(0, 0, 2),
        issuing_state=Span(0, 2, 5),
        name=Span(0, 5, length),
        document_number=Span(1, 0, 9),
        document_number_check=Span(1, 9, 10),
        nationality=Span(1, 10, 13),
        birth_date=Span(1, 13, 19),
        birth_date_check=Span(1, 19, 20),
        sex=Span(1, 20, 21),
        expiry_date=Span(1, 21, 27),
        expiry_date_check=Span(1, 27, 28),
        optional_data=Span(1, 28, optional_end),
        optional_data_check=Span(1, 42, 43) if kind is DocumentType.TD3 else None,
        composite_check=None if visa else Span(1, last, length),
        long_document_number=kind is DocumentType.TD2,
    )


TD1 = Format(
    type=DocumentType.TD1,
    line_count=3,
    line_length=30,
    document_code=Span(0, 0, 2),
    issuing_state=Span(0, 2, 5),
    document_number=Span(0, 5, 14),
    document_number_check=Span(0, 14, 15),
    optional_data=Span(0, 15, 30),
    birth_date=Span(1, 0, 6),
    birth_date_check=Span(1, 6, 7),
    sex=Span(1, 7, 8),
    expiry_date=Span(1, 8, 14),
    expiry_date_check=Span(1, 14, 15),
    nationality=Span(1, 15, 18),
    optional_data_2=Span(1, 18, 29),
    composite_check=Span(1, 29, 30),
    name=Span(2, 0, 30),
    long_document_number=True,
)

FORMATS: dict[DocumentType, Format] = {
    DocumentType.TD1: TD1,
    DocumentType.TD2: _two_line(DocumentType.TD2, 36, visa=False),
    DocumentType.TD3: _two_line(DocumentType.TD3, 44, visa=False),
    DocumentType.MRVA: _two_line(DocumentType.MRVA, 44, visa=True),
    DocumentType.MRVB: _two_line(DocumentType.MRVB, 36, visa=True),
}

# (line count, line length) -> (format, visa format when the document code starts with V)
_BY_SHAPE: dict[tuple[int, int], tuple[Format, Format | None]] = {
    (3, 30): (TD1, None),
    (2, 36): (FORMATS[DocumentType.TD2], FORMATS[DocumentType.MRVB]),
    (2, 44): (FORMATS[DocumentType.TD3], FORMATS[DocumentType.MRVA]),
}


def format_for_shape(lines: Sequence[str]) -> Format | None:
    """The format that fits these lines, or None when no format has this shape."""
    length = len(lines[0]) if lines else 0
    for line in lines:
        if len(line) != length:
            return None
    found = _BY_SHAPE.get((len(lines), length))
    if found is None:
        return None
    document, visa = found
    if visa is not None and lines[0][:1] == "V":
        return visa
    return document


def _composite_parts(fmt: Format) -> tuple[Checked, ...]:
    """The spans the composite check digit covers, in order (Part 4 §4.2.4, Part 5 §4.2.4,
    Part 6 §4.2.4): everything but code, state, name, nationality and sex."""
    numbers = (Checked(fmt.document_number, True), Checked(fmt.document_number_check, False))
    dates = (
        Checked(fmt.birth_date, False),
        Checked(fmt.birth_date_check, False),
        Checked(fmt.expiry_date, False),
        Checked(fmt.expiry_date_check, False),
    )
    optional: tuple[Checked, ...] = (Checked(fmt.optional_data, True),)
    if fmt.optional_data_check is not None:
        optional += (Checked(fmt.optional_data_check, False),)
    if fmt.optional_data_2 is not None:  # TD1: the whole of line 1 comes first
        return (*numbers, *optional, *dates, Checked(fmt.optional_data_2, True))
    return (*numbers, *dates, *optional)


COMPOSITE: dict[DocumentType, tuple[Checked, ...]] = {
    kind: _composite_parts(fmt) for kind, fmt in FORMATS.items() if fmt.composite_check
}
