"""Cyrillic letters into MRZ letters.

Source: ICAO Doc 9303, 8th ed. 2021, Part 3, Section 6.B "Transliteration of Cyrillic
Characters", including its per-language exceptions (Belarusian, Bulgarian, Macedonian, Serbian,
Ukrainian). Russia has followed this table in passports since 2014 (FMS Order No. 211 of
26 March 2014), so `language="ru"` is the default table. The ICAO table has no row for Ь:
it is omitted (as Russian passports omit it).

Two deliberate departures, both where the ICAO row reads as an error in the extracted text:
Serbian Г stays G (Serbian Latin orthography writes G; the row "G (except ... Serbian ...
= H)" is not what Serbian documents print), and Macedonian Ѓ (absent from the table) is GJ,
the exception ICAO prints against Ғ. Ћ (absent from the table) is C, as Serbian Latin Ć loses
its accent under Section 6.A.

`language="az"` reads Azerbaijani Cyrillic (1939-1991) through the BGN/PCGN 1993 table of
correspondences to Azerbaijani Latin, then applies Azerbaijani passport practice to the
Latin (see `latin.py`).
"""

from __future__ import annotations

from collections.abc import Mapping

from cta.domain.names.latin import latin_letter

__all__ = ["cyrillic_word"]

# ICAO 9303-3 6.B, default column, lowercase.
_ICAO: Mapping[str, str] = {
    "а": "A", "б": "B", "в": "V", "г": "G", "д": "D", "е": "E", "ё": "E", "ж": "ZH",
    "з": "Z", "и": "I", "й": "I", "к": "K", "л": "L", "м": "M", "н": "N", "о": "O",
    "п": "P", "р": "R", "с": "S", "т": "T", "у": "U", "ф": "F", "х": "KH", "ц": "TS",
    "ч": "CH", "ш": "SH", "щ": "SHCH", "ъ": "IE", "ы": "Y", "ь": "", "э": "E", "ю": "IU",
    "я": "IA", "ђ": "D", "ѓ": "G", "є": "IE", "ѕ": "DZ", "і": "I", "ї": "I", "ј": "J",
    "љ": "LJ", "њ": "NJ", "ћ": "C", "ќ": "K", "ў": "U", "џ": "DZ", "ѫ": "U", "ѵ": "Y",
    "ґ": "G", "ғ": "G", "һ": "C",
}  # fmt: skip

# The "except" clauses of 6.B: language → letter → MRZ letters anywhere in a word.
_EXCEPTIONS: Mapping[str, Mapping[str, str]] = {
    "be": {"ё": "IO", "г": "H"},
    "bg": {"щ": "SHT"},
    "mk": {"ќ": "KJ", "џ": "DJ", "х": "H", "ц": "C", "ѓ": "GJ"},
    "sr": {"ж": "Z", "х": "H", "ц": "C", "ч": "C", "ш": "S"},
    "uk": {"г": "H", "и": "Y"},
}

# Ukrainian letters written differently as the first character of a name component.
_UKRAINIAN_INITIAL: Mapping[str, str] = {"є": "YE", "ї": "YI", "й": "Y", "ю": "YU", "я": "YA"}

# BGN/PCGN 1993 Azerbaijani Cyrillic → Azerbaijani Latin, lowercase (obsolete letters too).
_AZERBAIJANI: Mapping[str, str] = {
    "а": "a", "б": "b", "в": "v", "г": "q", "ғ": "ğ", "д": "d", "е": "e", "ә": "ə",
    "ж": "j", "з": "z", "и": "i", "ы": "ı", "ј": "y", "к": "k", "ҝ": "g", "л": "l",
    "м": "m", "н": "n", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t",
    "у": "u", "ү": "ü", "ф": "f", "х": "x", "һ": "h", "ч": "ç", "ҹ": "c", "ш": "ş",
    "й": "y", "э": "e", "ю": "yu", "я": "ya", "ь": "", "ъ": "",
}  # fmt: skip


def cyrillic_word(word: str, language: str | None = None) -> list[str | None]:
    """MRZ letters for each lowercase letter of one name component (None where unknown)."""
    if language == "az":
        return [_azerbaijani(letter) for letter in word]
    exceptions = _EXCEPTIONS.get(language or "", {})
    out: list[str | None] = []
    for index, letter in enumerate(word):
        if language == "uk" and index == 0 and letter in _UKRAINIAN_INITIAL:
            out.append(_UKRAINIAN_INITIAL[letter])
        else:
            out.append(exceptions.get(letter, _ICAO.get(letter)))
    return out


def _azerbaijani(letter: str) -> str | None:
    latin = _AZERBAIJANI.get(letter)
    if latin is None:
        return None
    return "".join(latin_letter(each) or "" for each in latin)
