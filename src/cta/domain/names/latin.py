"""Latin letters with diacritics into MRZ letters.

Source: ICAO Doc 9303 *Machine Readable Travel Documents*, 8th ed. 2021, Part 3, Section 6.A
"Transliteration of Multinational Latin-based Characters". Where the table offers two
transliterations (Ä "AE or A", Å "AA or A", Ö "OE or O", Ü "UE or UXX or U", Ñ "N or NXX") we
print the single letter by default: it is what Azerbaijani and Turkish passports (the Latin
passports most often seen at the area's borders) print, and ICAO offers it. Issuers that use
the digraphs are selected by `language` ("de", "sv", "da", "nb", "nn", "no").

Ə (schwa) is not in the ICAO table; Azerbaijani passports print it as A (Məmmədov → MAMMADOV,
Əliyev → ALIYEV), and Azerbaijani is the only national alphabet that uses it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

__all__ = ["latin_letter"]

# Letters with no canonical decomposition into a base letter and marks (ICAO 6.A), lowercase.
_SPECIAL: Mapping[str, str] = {
    "æ": "AE",
    "ð": "D",
    "đ": "D",
    "ø": "OE",
    "þ": "TH",
    "ß": "SS",
    "ħ": "H",
    "ı": "I",
    "ĳ": "IJ",
    "ŀ": "L",
    "ł": "L",
    "ŋ": "N",
    "œ": "OE",
    "ŧ": "T",
    "ə": "A",
}

# Where ICAO offers a digraph, the issuers known to print it (lowercase letter → MRZ).
_DIGRAPHS_BY_LANGUAGE: Mapping[str, Mapping[str, str]] = {
    "de": {"ä": "AE", "ö": "OE", "ü": "UE"},
    "sv": {"å": "AA", "ä": "AE", "ö": "OE"},
    "da": {"å": "AA"},
    "nb": {"å": "AA"},
    "nn": {"å": "AA"},
    "no": {"å": "AA"},
}


def latin_letter(letter: str, language: str | None = None) -> str | None:
    """The MRZ letters for one lowercase Latin letter, or None if it has no transliteration."""
    if "a" <= letter <= "z":
        return letter.upper()
    override = _DIGRAPHS_BY_LANGUAGE.get(language or "", {}).get(letter)
    if override is not None:
        return override
    special = _SPECIAL.get(letter)
    if special is not None:
        return special
    base = unicodedata.normalize("NFD", letter)[0]
    if "a" <= base <= "z":
        return base.upper()
    return None
