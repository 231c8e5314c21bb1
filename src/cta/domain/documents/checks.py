"""Verifying check digits, and naming the OCR confusion that most likely broke one.

A failed check digit is often one OCR-B character misread (O for 0, B for 8...). When changing
one character of the checked data to its look-alike makes the printed check digit right, the
issue says which character, so the officer can compare it with the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from cta.domain.documents.charset import (
    CONFUSABLE,
    DIGITS,
    FILLER,
    MRZ_CHARACTERS,
    character_value,
    check_digit_unchecked,
)
from cta.domain.documents.formats import Checked, Span
from cta.domain.documents.model import MRZIssue, new_issue

__all__ = ["Confusion", "Guarded", "guarded", "verify_check_digit"]

_DIGIT_TEXT = tuple(str(d) for d in range(10))
_WEIGHTS = (7, 3, 1)
_Swaps = dict[str, tuple[str, ...]]
# one needed change: [letters allowed] -> ([position modulo 3] -> its swaps, then every
# character with a swap at any position: a quick first test, as most characters have none)
_Hints = tuple[tuple[tuple[_Swaps, ...], frozenset[str]], ...]


def _swaps(needed: int, weight: int, letters: bool) -> _Swaps:
    """The look-alikes of each confusable character that change a check sum by ``needed``
    (modulo 10) at ``weight``: digits only where letters may not stand."""
    table: _Swaps = {}
    for char, alternatives in CONFUSABLE.items():
        found = tuple(
            alt
            for alt in alternatives
            if (letters or alt in DIGITS)
            and (character_value(alt) - character_value(char)) * weight % 10 == needed
        )
        if found:
            table[char] = found
    return table


def _hints(needed: int) -> _Hints:
    rows = []
    for letters in (False, True):
        tables = tuple(_swaps(needed, weight, letters) for weight in _WEIGHTS)
        rows.append((tables, frozenset[str]().union(*tables)))
    return tuple(rows)


# [needed change of the check sum] -> the look-alikes that make it (``_Hints``)
_HINTS = tuple(_hints(needed) for needed in range(10))


class Guarded(NamedTuple):
    """A check digit and the data it guards: their spans in order, each with whether letters
    may stand in it (for the OCR hints), and the slices of the lines that hold them with
    adjacent spans joined (line, start, end), so the data are read with one slice but for the
    composite check digit. Made once per format (``guarded``), not per document, with what an
    issue says of the check digit (its words, line and positions) and each part's place in the
    guarded text, so that a wrong check digit is explained without working them out again."""

    parts: tuple[Checked, ...]
    check: Span
    slices: tuple[tuple[int, int, int], ...]
    where: str  # ``check.where()``
    line: int  # 1-based, as an issue gives it
    positions: tuple[int, int]
    # each part: where it starts and ends in the guarded text, whether letters may stand in it
    places: tuple[tuple[int, int, bool, Span], ...]


def guarded(check: Span, *parts: Checked) -> Guarded:
    """The check digit at ``check`` over ``parts``, in their order."""
    slices: list[tuple[int, int, int]] = []
    places: list[tuple[int, int, bool, Span]] = []
    index = 0
    for part in parts:
        span = part.span
        if slices and slices[-1][0] == span.line and slices[-1][2] == span.start:
            slices[-1] = (span.line, slices[-1][1], span.end)
        else:
            slices.append((span.line, span.start, span.end))
        end = index + span.end - span.start
        places.append((index, end, part.letters, span))
        index = end
    return Guarded(
        parts, check, tuple(slices), check.where(), check.line + 1, check.positions, tuple(places)
    )


def verify_check_digit(
    field: str,
    label: str,
    guard: Guarded,
    lines: Sequence[str],
    issues: list[MRZIssue],
    *,
    filler_when_empty: bool = False,
    computed: int | None = None,
) -> None:
    """Append an issue when the check digit of ``guard`` does not match the data it guards.

    ``filler_when_empty``: the check digit may be '<' when the data are all fillers (the TD3
    personal number, Part 4 §4.2.2.2 position 43). Data holding characters outside the MRZ set
    cannot be checked; the character check reports them. ``computed``: the data's check digit
    when the caller has summed them already (the fast path, over MRZ characters only), so they
    are neither read nor summed again unless the printed digit differs.
    """
    _, check, slices, where, line, positions, places = guard  # one unpacking, no descriptors
    printed = lines[check.line][check.start : check.end]
    if computed is not None and printed == _DIGIT_TEXT[computed]:
        return
    if len(slices) == 1:
        row, start, end = slices[0]
        text = lines[row][start:end]
    else:
        text = "".join([lines[row][start:end] for row, start, end in slices])
    if computed is None:
        if not MRZ_CHARACTERS.issuperset(text):
            return
        computed = check_digit_unchecked(text)
        if printed == _DIGIT_TEXT[computed]:
            return
    if filler_when_empty and printed == FILLER and not text.strip(FILLER):
        return
    flaw = _flaw(printed)
    likely = _likely_confusion(text, check, places, printed, computed)
    message = _mismatch(label, printed, computed, where, flaw) + _confusion_words(likely)
    params = (("field", label), ("printed", printed), ("expected", computed), ("flaw", flaw),
              ("confusions", likely))  # fmt: skip
    issues.append(
        new_issue(field, message, line, positions, printed, str(computed), "check_digit", params)
    )


# one look-alike that would explain a wrong check digit: the character read, its line and
# position (1-based), and the character it may be
Confusion = tuple[str, int, int, str]


def _flaw(printed: str) -> str:
    """What is wrong with a check digit's character itself ("": nothing, it is a digit)."""
    if printed in DIGITS or printed == FILLER:
        return ""
    return "not_a_digit" if printed in MRZ_CHARACTERS else "not_mrz_character"


def _mismatch(label: str, printed: str, computed: int, where: str, flaw: str) -> str:
    message = f"{label} check digit is {_shown(printed)}, expected {computed} ({where})"
    if flaw == "not_mrz_character":
        return f"{message}; {printed!r} is not an MRZ character"
    if flaw == "not_a_digit":
        return f"{message}; a check digit must be a digit"
    return message


def _confusion_words(likely: tuple[Confusion, ...]) -> str:
    """The look-alikes that may explain a wrong check digit, in English ("" for none)."""
    if not likely:
        return ""
    hints = [f"{char!r} at line {line} position {position} may be {alternative!r}"
             for char, line, position, alternative in likely]  # fmt: skip
    return "; likely an OCR confusion: " + " or ".join(hints)


def _likely_confusion(
    text: str,
    check: Span,
    places: tuple[tuple[int, int, bool, Span], ...],
    printed: str,
    computed: int,
) -> tuple[Confusion, ...]:
    """The OCR confusion that explains the mismatch: in the check digit itself (a letter read
    for a digit), else one look-alike substitution in the checked data."""
    if printed in DIGITS:
        target = int(printed)
    else:
        digits = [alt for alt in CONFUSABLE.get(printed, ()) if alt in DIGITS]
        if not digits:
            return ()
        if int(digits[0]) == computed:
            return ((printed, check.line + 1, check.start + 1, digits[0]),)
        target = int(digits[0])
    return _confusions(text, places, computed, target)


def _shown(printed: str) -> str:
    return printed if printed in DIGITS else repr(printed)


def _confusions(
    text: str, places: tuple[tuple[int, int, bool, Span], ...], computed: int, target: int
) -> tuple[Confusion, ...]:
    """The first two single look-alike substitutions in ``text`` (in reading order) that turn
    ``computed`` into ``target``. A part with no character that has a hint is passed over in
    one set operation: digits in a part where letters may not stand, the usual case of dates
    and check digits."""
    hints = _HINTS[(target - computed) % 10]
    found: list[Confusion] = []
    for index, end, letters, span in places:
        tables, candidates = hints[letters]
        segment = text[index:end]
        if not candidates.isdisjoint(segment):
            for offset, char in enumerate(segment):
                if char in candidates:
                    for alternative in tables[(index + offset) % 3].get(char, ()):
                        found.append((char, span.line + 1, span.start + offset + 1,
                                      alternative))  # fmt: skip
                        if len(found) == 2:
                            return tuple(found)
    return tuple(found)
