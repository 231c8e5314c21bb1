"""The MRZ character set, the 7-3-1 check digit and the usual OCR-B confusions.

Doc 9303 Part 3 §4.4 (Figure 4) allows only ``0-9``, ``A-Z`` and the filler ``<`` in the MRZ.
Part 3 §4.9 defines the check digit: values 0-9, A-Z = 10-35, ``<`` = 0, weights 7, 3, 1
repeated, sum modulo 10.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "CONFUSABLE",
    "DIGITS",
    "FILLER",
    "LETTERS",
    "MRZ_CHARACTERS",
    "character_value",
    "check_digit",
    "check_digit_unchecked",
]

FILLER = "<"
DIGITS = frozenset("0123456789")
LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
MRZ_CHARACTERS = DIGITS | LETTERS | {FILLER}

_VALUES: dict[str, int] = {FILLER: 0}
_VALUES.update({str(d): d for d in range(10)})
_VALUES.update({chr(ord("A") + i): 10 + i for i in range(26)})

# One byte table per weight, each value already multiplied and reduced, so the hot path is
# three C-level translate/sum calls over strided slices (no per-character Python arithmetic,
# and no dictionary lookup per character either).
_TIMES_7 = bytes(_VALUES.get(chr(byte), 0) * 7 % 10 for byte in range(256))
_TIMES_3 = bytes(_VALUES.get(chr(byte), 0) * 3 % 10 for byte in range(256))
_TIMES_1 = bytes(_VALUES.get(chr(byte), 0) % 10 for byte in range(256))

# OCR-B pairs that readers confuse (letters that look like digits and back). Sources: the
# ICAO remark in Part 5 note k that A, C and I were chosen for ease of recognition, and the
# confusions the `mrz` and PassportEye projects correct for (O/0, Q/0, D/0, I/1, L/1, Z/2,
# S/5, G/6, T/7, B/8).
_PAIRS = (
    ("O", "0"),
    ("Q", "0"),
    ("D", "0"),
    ("I", "1"),
    ("L", "1"),
    ("Z", "2"),
    ("S", "5"),
    ("G", "6"),
    ("T", "7"),
    ("B", "8"),
)


def _confusable() -> Mapping[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    for letter, digit in _PAIRS:
        table.setdefault(letter, []).append(digit)
        table.setdefault(digit, []).append(letter)
    return {c: tuple(alternatives) for c, alternatives in table.items()}


CONFUSABLE: Mapping[str, tuple[str, ...]] = _confusable()


def check_digit_unchecked(value: str) -> int:
    """The 7-3-1 check digit of ``value``, which must hold MRZ characters only: not checked
    here (``check_digit`` and ``verify_check_digit`` check first); a character outside the
    MRZ set would count as 0, or raise when it is not ASCII."""
    data = value.encode("ascii")
    return (
        sum(data[0::3].translate(_TIMES_7))
        + sum(data[1::3].translate(_TIMES_3))
        + sum(data[2::3].translate(_TIMES_1))
    ) % 10


def check_digit(value: str) -> str:
    """The ICAO 7-3-1 check digit of ``value`` (Doc 9303 Part 3 §4.9) as one character."""
    for position, char in enumerate(value, start=1):
        if char not in MRZ_CHARACTERS:
            raise ValueError(
                f"{char!r} at position {position} is not an MRZ character "
                "(only A-Z, 0-9 and '<' have a check digit value)"
            )
    return str(check_digit_unchecked(value))


def character_value(char: str) -> int:
    """The check digit value of one MRZ character (Part 3 §4.9)."""
    return _VALUES[char]
