"""Verifying check digits, and naming the OCR confusion that most likely broke one.

A failed check digit is often one OCR-B character misread (O for 0, B for 8...). When changing
one character of the checked data to its look-alike makes the printed check digit right, the
issue says which character, so the officer can compare it with the document.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import islice

from cta.domain.documents.charset import (
    CONFUSABLE,
    DIGITS,
    FILLER,
    MRZ_CHARACTERS,
    character_value,
    check_digit_unchecked,
)
from cta.domain.documents.formats import Checked, Span
from cta.domain.documents.model import MRZIssue

__all__ = ["verify_check_digit"]

_DIGIT_TEXT = tuple(str(d) for d in range(10))
_WEIGHTS = (7, 3, 1)
_Swaps = dict[str, tuple[tuple[str, bool], ...]]


def _swaps(needed: int, weight: int) -> _Swaps:
    """The look-alikes of each confusable character that change a check sum by ``needed``
    (modulo 10) at ``weight``, each with whether it is a digit."""
    table: _Swaps = {}
    for char, alternatives in CONFUSABLE.items():
        found = tuple(
            (alt, alt in DIGITS)
            for alt in alternatives
            if (character_value(alt) - character_value(char)) * weight % 10 == needed
        )
        if found:
            table[char] = found
    return table


# [needed change of the check sum][position modulo 3] -> the look-alikes that make it
_HINTS = tuple(tuple(_swaps(needed, weight) for weight in _WEIGHTS) for needed in range(10))


def verify_check_digit(
    field: str,
    label: str,
    parts: Sequence[Checked],
    check: Span,
    lines: Sequence[str],
    issues: list[MRZIssue],
    *,
    filler_when_empty: bool = False,
) -> None:
    """Append an issue when the check digit at ``check`` does not match ``parts``.

    ``filler_when_empty``: the check digit may be '<' when the data are all fillers (the TD3
    personal number, Part 4 §4.2.2.2 position 43). Data holding characters outside the MRZ set
    cannot be checked; the character check reports them.
    """
    text = "".join([part.span.of(lines) for part in parts])
    printed = check.of(lines)
    if not MRZ_CHARACTERS.issuperset(text):
        return
    computed = check_digit_unchecked(text)
    if printed == _DIGIT_TEXT[computed]:
        return
    if filler_when_empty and printed == FILLER and not text.strip(FILLER):
        return
    message = _mismatch(label, printed, computed, check) + _likely_confusion(
        text, parts, printed, computed, check
    )
    issues.append(MRZIssue(field, message, check.line + 1, check.positions, printed, str(computed)))


def _mismatch(label: str, printed: str, computed: int, check: Span) -> str:
    message = f"{label} check digit is {_shown(printed)}, expected {computed} ({check.where()})"
    if printed in DIGITS or printed == FILLER:
        return message
    if printed not in MRZ_CHARACTERS:
        return f"{message}; {printed!r} is not an MRZ character"
    return f"{message}; a check digit must be a digit"


def _likely_confusion(
    text: str, parts: Sequence[Checked], printed: str, computed: int, check: Span
) -> str:
    """The OCR confusion that explains the mismatch: in the check digit itself (a letter read
    for a digit), else one look-alike substitution in the checked data."""
    if printed in DIGITS:
        target = int(printed)
    else:
        digits = [alt for alt in CONFUSABLE.get(printed, ()) if alt in DIGITS]
        if not digits:
            return ""
        if int(digits[0]) == computed:
            where = check.where(0)
            return f"; likely an OCR confusion: {printed!r} at {where} may be {digits[0]!r}"
        target = int(digits[0])
    hints = list(islice(_confusions(text, parts, computed, target), 2))
    return "; likely an OCR confusion: " + " or ".join(hints[:2]) if hints else ""


def _shown(printed: str) -> str:
    return printed if printed in DIGITS else repr(printed)


def _confusions(text: str, parts: Sequence[Checked], computed: int, target: int) -> Iterator[str]:
    """Single look-alike substitutions in ``text`` that turn ``computed`` into ``target``."""
    tables = _HINTS[(target - computed) % 10]
    index = 0
    for part in parts:
        span = part.span
        length = span.end - span.start
        for offset in range(length):
            char = text[index + offset]
            swaps = tables[(index + offset) % 3].get(char)
            if swaps is None:
                continue
            for alternative, is_digit in swaps:
                if part.letters or is_digit:
                    yield f"{char!r} at {span.where(offset)} may be {alternative!r}"
        index += length
