"""Names as written in their own script into the characters of an MRZ name field.

The rules for punctuation come from ICAO Doc 9303, 8th ed. 2021, Part 3, §4.6 ("Convention
for Writing the Name of the Holder"): apostrophes are omitted and the parts they separate are
joined (D'ARTAGNAN → DARTAGNAN); a hyphen, a space or a comma between two name components
becomes one filler '<' (MARIE-ELISE → MARIE<ELISE); all other punctuation is omitted; digits
are not allowed. The letters come from one module per script; their sources are cited there.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal

from cta.domain.errors import InvalidInputError
from cta.domain.names.armenian import armenian_word
from cta.domain.names.cyrillic import cyrillic_word
from cta.domain.names.georgian import georgian_word
from cta.domain.names.latin import latin_letter

__all__ = ["Script", "detect_script", "to_mrz"]

Script = Literal["latin", "cyrillic", "armenian", "georgian", "mixed", "other"]

FILLER = "<"
# Apostrophe-like characters, dropped without a filler (ICAO 9303-3 §4.6).
APOSTROPHES = frozenset("'`´‘’‛′ʹʻʼʽˈ՚")
# Separators between name components besides whitespace and dashes: one filler each.
SEPARATORS = frozenset(",֊")
_LANGUAGE = re.compile(r"[a-z]{2,3}")
_SCRIPTS: tuple[Script, ...] = ("latin", "cyrillic", "armenian", "georgian")


@dataclass(frozen=True, slots=True)
class _Letter:
    """One letter of a name and where it stood (0-based, in the NFC-normalised name)."""

    char: str
    position: int


_PLAIN_ASCII = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz -"


def detect_script(text: str) -> Script:
    """The script of the letters in `text`: one of four, 'mixed', or 'other' (none of them)."""
    scripts = {_script_of(char) for char in text if _is_letter(char)}
    if len(scripts) == 1:
        return scripts.pop()
    return "mixed" if len(scripts) > 1 else "other"


@functools.lru_cache(maxsize=1 << 16)
def to_mrz(name: str, *, language: str | None = None) -> str:
    """The MRZ form of a name (A-Z and '<'), e.g. 'Məmmədov' → 'MAMMADOV'.

    Remembered for the last 65,536 names (a pure function of its arguments; an error is not
    remembered): names repeat, and reading an alert's names in their scripts was the most of
    the CPU of a screening index built from the database (126 µs an alert, 250 s at 2 M).

    Each name component (a run of letters between spaces, hyphens or commas) is read in its
    own script. `language` (ISO 639-1, e.g. "az", "ru", "uk", "de") selects a national
    practice where one differs from the script's default; other codes change nothing.
    An empty name (or one of punctuation only) gives "".
    """
    if language is not None and not _LANGUAGE.fullmatch(language):
        raise InvalidInputError(f"language {language!r} is not an ISO 639 code like 'az'")
    if name.isascii() and not name.strip(_PLAIN_ASCII):  # A-Z, spaces and hyphens: no table
        return FILLER.join(name.upper().replace("-", " ").split())
    text = unicodedata.normalize("NFC", name)
    parts = [_component(text, word, language) for word in _components(text)]
    return FILLER.join(part for part in parts if part)


def _components(text: str) -> Iterator[list[_Letter]]:
    """Split a name into components (lists of letters), checking every other character."""
    word: list[_Letter] = []
    for position, char in enumerate(text):
        kind = _classify(text, char, position)
        if kind == "letter":
            word.append(_Letter(char, position))
        elif kind == "separator":
            if word:
                yield word
            word = []
    if word:
        yield word


def _classify(text: str, char: str, position: int) -> Literal["letter", "separator", "drop"]:
    """Whether a character is a letter, separates components, or is left out of the MRZ."""
    category = unicodedata.category(char)
    if category.startswith("C") or category in ("Zl", "Zp"):
        raise _refuse(text, char, position, "is a control character")
    if char in APOSTROPHES:
        return "drop"
    if char in SEPARATORS or char.isspace() or category == "Pd":
        return "separator"
    if category.startswith("L"):
        return "letter"
    if category.startswith("M"):
        return "drop"  # a combining diacritic: the MRZ has none (9303-3 §4.3)
    if category.startswith("P"):
        return "drop"
    if category.startswith("N"):
        raise _refuse(text, char, position, "is a digit, and names in the MRZ have none")
    raise _refuse(text, char, position, "is not a letter")


def _component(text: str, word: list[_Letter], language: str | None) -> str:
    """The MRZ letters of one name component, read in the script of its letters."""
    scripts = {_script_of(letter.char) for letter in word}
    if "other" in scripts:
        strange = next(each for each in word if _script_of(each.char) == "other")
        raise _refuse(text, strange.char, strange.position, "is in a script we cannot read")
    if len(scripts) > 1:
        listed = " and ".join(sorted(script.title() for script in scripts))
        shown = "".join(letter.char for letter in word)
        raise InvalidInputError(f"name part {shown!r} mixes {listed} letters in one word")
    folded = "".join(_fold(letter.char) for letter in word)
    mapped = _READERS[scripts.pop()](folded, language)
    for letter, mrz in zip(word, mapped, strict=True):
        if mrz is None:
            raise _refuse(text, letter.char, letter.position, "has no MRZ transliteration")
    return "".join(mrz or "" for mrz in mapped)


def _latin_word(word: str, language: str | None) -> list[str | None]:
    return [latin_letter(letter, language) for letter in word]


_READERS: dict[Script, Callable[[str, str | None], list[str | None]]] = {
    "latin": _latin_word,
    "cyrillic": cyrillic_word,
    "armenian": lambda word, _language: armenian_word(word),
    "georgian": lambda word, _language: georgian_word(word),
}


def _is_letter(char: str) -> bool:
    return unicodedata.category(char).startswith("L") and char not in APOSTROPHES


@functools.lru_cache(maxsize=4096)
def _script_of(char: str) -> Script:
    """The script of one letter, from the first word of its Unicode name."""
    first = unicodedata.name(char, "").split(" ", 1)[0].lower()
    return next((script for script in _SCRIPTS if script == first), "other")


def _fold(char: str) -> str:
    """Lowercase one letter, keeping it one character (Turkish İ is i, not i + dot)."""
    if char == "İ":
        return "i"
    lower = char.lower()
    return lower if len(lower) == 1 else char


def _refuse(text: str, char: str, position: int, problem: str) -> InvalidInputError:
    """An error naming the character, its 1-based position and its Unicode name."""
    described = unicodedata.name(char, "") or f"control character {unicodedata.category(char)}"
    return InvalidInputError(
        f"in the name {text!r}, {char!r} (U+{ord(char):04X} {described}) "
        f"at position {position + 1} {problem}"
    )
