"""Names and document numbers brought to the forms screening compares.

Every name, in whatever script, is first written as an MRZ would print it
(``cta.domain.names.to_mrz``: ICAO Doc 9303-3, which handles the Azerbaijani ə that ICU and
unidecode do not), then split into words (*tokens*). Each token also gets a *skeleton*, a
coarser spelling in which the romanisation variants of the region fall together:

- suffixes: -IAN, -JAN, -YANTS, -IANTS → -YAN (Armenian); -OFF, -OW → -OV; -EFF → -EV;
  -SKIY, -SKYI, -SKY, -SKIJ → -SKI;
- affricates C, CH, TS, TZ, TCH, J, DJ, DZH, ZH → C (Azerbaijani c/ç, Russian ч/ж/ц,
  Georgian ც/წ/ჯ written TS, C or J by older passports);
- sibilants SH, SCH, SHCH → S (Azerbaijani ş prints as S, Russian ш as SH);
- velars and glottals K, Q, G, GH, H, KH, X → K (Azerbaijani q/x/h, Russian г for h:
  Гусейнов/HUSEYNOV, Georgian ყ as Q or K);
- W, PH → V and a final F → V; vowels A and E together (Azerbaijani ə prints A, Russian
  spells it е: Мамедов/MAMMADOV), I and Y together (-IEV/-YEV, -IA/-YA); IU as U (Russian
  ю for Azerbaijani ü: Гюлар/GULAR); a glide I between vowels dropped (ABDULLAYEVA and
  Абдуллаева/ABDULLAEVA);
- then every doubled letter is written once (MAMMADOV, HOVHANNISYAN).

Two tokens with one skeleton are spellings of one name (sim. 0.93 in ``score``); tokens whose
skeletons are one edit apart are found through a deletion index (``index``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping

from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.names import to_mrz

__all__ = [
    "MAX_DOCUMENT_NUMBER",
    "MAX_NAME_LENGTH",
    "STOP_TOKENS",
    "alert_name_tokens",
    "document_number",
    "ocr_class",
    "query_name_tokens",
    "skeleton",
]

MAX_NAME_LENGTH = 200
MAX_DOCUMENT_NUMBER = 30

# Words that say "son of" or "daughter of" after an Azerbaijani or Turkic patronymic: no name.
STOP_TOKENS = frozenset({"OGLU", "OGLY", "OGHLU", "QIZI", "GIZI", "KIZI", "KYZY", "QYZY"})

_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("IANTS", "YAN"), ("YANTS", "YAN"), ("IANTZ", "YAN"), ("IANC", "YAN"), ("JANC", "YAN"),
    ("IAN", "YAN"), ("JAN", "YAN"),
    ("OFF", "OV"), ("OW", "OV"), ("EFF", "EV"),
    ("SKIY", "SKI"), ("SKYI", "SKI"), ("SKIJ", "SKI"), ("SKII", "SKI"), ("SKY", "SKI"),
)  # fmt: skip
_SUFFIX_ENDINGS = tuple(suffix for suffix, _ in _SUFFIXES)
_DIGRAPHS = re.compile(r"SHCH|TSCH|DZH|TCH|SCH|CH|TS|TZ|DJ|ZH|SH|KH|GH|PH")
_DIGRAPH_TO: Mapping[str, str] = {
    "SHCH": "S", "TSCH": "C", "DZH": "C", "TCH": "C", "SCH": "S", "CH": "C", "TS": "C",
    "TZ": "C", "DJ": "C", "ZH": "C", "SH": "S", "KH": "K", "GH": "K", "PH": "V",
}  # fmt: skip
_LETTERS = str.maketrans("JQGHXWEY", "CKKKKVAI")
_DOUBLES = re.compile(r"(.)\1+")
_GLIDE = re.compile(r"([AOU])I(?=[AOU])")

# OCR look-alikes: a digit read in a name is the letter it resembles (MRZ names have none).
_DIGIT_LETTERS = str.maketrans("0123456789", "OIZEASGTBG")
# Characters an OCR engine confuses in a document number, each class written as one.
_OCR_CLASSES = str.maketrans("ODQ0IL1B8S5Z2G6", "000011188552266")
_NOT_NAME = re.compile(r"[^A-Z ]+")
_INVISIBLE = frozenset("\u200b\u200c\u200d\u2028\u2029\ufeff")
_SEPARATORS = re.compile(r"[<\s,\-‐-―]+")


@functools.lru_cache(maxsize=1 << 16)
def skeleton(token: str, fold_doubles: bool = True) -> str:
    """The coarse spelling of one MRZ token in which romanisation variants coincide
    (``fold_doubles=False``: with its doubled letters kept, to tell where a double came from).
    Kept for the last 65,536 tokens: a check screens the same names again and again (its
    surname split at every letter, its given names), and a token's skeleton never changes."""
    s = token
    if s.endswith(_SUFFIX_ENDINGS):  # most names end in none: one test instead of fifteen
        for suffix, replacement in _SUFFIXES:
            if s.endswith(suffix) and len(s) > len(suffix) + 1:
                s = s[: -len(suffix)] + replacement
                break
    if s.endswith("F") and len(s) > 2:
        s = s[:-1] + "V"
    if "H" in s or "T" in s or "DJ" in s:  # every digraph has an H, a T or is DJ
        s = _DIGRAPHS.sub(_digraph, s)
    s = s.translate(_LETTERS)
    if "I" in s:
        s = _GLIDE.sub(r"\1", s.replace("IU", "U"))
    return _DOUBLES.sub(r"\1", s) if fold_doubles else s


def _digraph(found: re.Match[str]) -> str:
    return _DIGRAPH_TO[found.group()]


def _mrz_words(text: str) -> list[str]:
    """One name (any script) as MRZ words; Azerbaijani Cyrillic letters are read as such."""
    try:
        mrz = to_mrz(text)
    except InvalidInputError as first:
        try:
            mrz = to_mrz(text, language="az")
        except CTAError:
            raise first from None
    return [word for word in mrz.split("<") if word]


def alert_name_tokens(name: str) -> list[str]:
    """The MRZ tokens of one alert name (MRZ fillers ``<`` too separate words).

    Read word by word (``_word_tokens``, remembered) when every word reads in its script's
    default: the same tokens as reading the whole name, since ``to_mrz`` reads each component
    alone and a space always separates two. Full names rarely repeat but their words do, so a
    database of millions of alerts is read in a fraction of the time. A word that needs the
    Azerbaijani reading, or is unreadable, sends the whole name the long way (its error names
    the character's position in the name, and ``az`` then applies to the whole name)."""
    _check_length(name, "name")
    text = name.replace("<", " ")
    tokens: list[str] = []
    for word in text.split(" "):
        if word:
            found = _word_tokens(word)
            if found is None:
                break
            tokens += found
    else:
        return tokens
    return [word for word in _mrz_words(text) if word not in STOP_TOKENS]


@functools.lru_cache(maxsize=1 << 16)
def _word_tokens(word: str) -> tuple[str, ...] | None:
    """The MRZ tokens of one space-free part of a name read in its script's default (no stop
    words), or None when it does not read so. Kept for the last 65,536 words."""
    try:
        mrz = to_mrz.__wrapped__(word)  # not into to_mrz's own memory of whole names
    except CTAError:
        return None
    return tuple(each for each in mrz.split("<") if each and each not in STOP_TOKENS)


def query_name_tokens(text: str, field: str) -> list[str]:
    """The MRZ tokens of a traveller's name field, as a document or an officer gives it.

    MRZ fillers ``<`` separate words; digits in a Latin name are the letters an OCR engine
    mistook them for (0→O, 1→I, 8→B, 5→S, 2→Z, 6→G); any other script goes through ``to_mrz``.
    """
    _check_length(text, field)
    _check_controls(text, field)
    plain = _SEPARATORS.sub(" ", text).strip()
    if plain.isascii():
        words = _NOT_NAME.sub("", plain.upper().translate(_DIGIT_LETTERS)).split()
    else:
        try:
            words = _mrz_words(plain)
        except InvalidInputError as exc:
            raise InvalidInputError(f"{field}: {exc}") from None
    return [word for word in words if word not in STOP_TOKENS]


def document_number(text: str, field: str = "document_number") -> str:
    """A document number as the MRZ prints it: A-Z and 0-9, spaces, '-' and '<' dropped."""
    _check_controls(text, field)
    plain = re.sub(r"[\s<\-/.]+", "", text).upper()
    if not plain.isascii() or not plain.isalnum():
        raise InvalidInputError(f"{field} {text!r} has characters other than A-Z and 0-9")
    if len(plain) > MAX_DOCUMENT_NUMBER:
        raise InvalidInputError(
            f"{field} is {len(plain)} characters long; at most {MAX_DOCUMENT_NUMBER}"
        )
    return plain


def ocr_class(number: str) -> str:
    """A document number with OCR look-alikes (0/O/D/Q, 1/I/L, 8/B, 5/S, 2/Z, 6/G) merged."""
    return number.translate(_OCR_CLASSES)


def _check_length(text: str, field: str) -> None:
    if len(text) > MAX_NAME_LENGTH:
        raise InvalidInputError(
            f"{field} is {len(text)} characters long; a name has at most {MAX_NAME_LENGTH}"
        )


def _check_controls(text: str, field: str) -> None:
    for position, char in enumerate(text, start=1):
        if char < " " or "\x7f" <= char <= "\x9f" or char in _INVISIBLE:
            raise InvalidInputError(
                f"{field} has a control character U+{ord(char):04X} at position {position}"
            )
