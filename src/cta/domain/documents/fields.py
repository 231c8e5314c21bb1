"""Checks of single MRZ fields: characters, names, country codes, sex, document code.

Each check appends ``MRZIssue`` objects to a list and returns what it could read, so that one
document reports all its problems at once.
"""

from __future__ import annotations

from collections.abc import Container
from typing import NamedTuple

from cta.domain.countries import NOT_IN_MRZ
from cta.domain.documents.charset import CONFUSABLE, DIGITS, FILLER, LETTERS, MRZ_CHARACTERS
from cta.domain.documents.formats import Format, Span
from cta.domain.documents.model import DocumentType, MRZIssue, new_issue

__all__ = [
    "ALPHANUMERIC",
    "DIGITS_ONLY",
    "DIGITS_OR_FILLER",
    "LETTERS_OR_FILLER",
    "CharacterClass",
    "Name",
    "check_characters",
    "check_document_code",
    "document_code_problem",
    "read_code",
    "read_name",
    "read_sex",
]


class CharacterClass(NamedTuple):
    """The characters a field may hold, and how to say so."""

    allowed: frozenset[str]
    words: str


DIGITS_ONLY = CharacterClass(DIGITS, "a digit")
# A birth date may hold '<' for an unknown part (Part 3 §4.8), but a digit is what is expected.
DIGITS_OR_FILLER = CharacterClass(DIGITS | {FILLER}, "a digit")
LETTERS_OR_FILLER = CharacterClass(LETTERS | {FILLER}, "a letter or '<'")
ALPHANUMERIC = CharacterClass(MRZ_CHARACTERS, "A-Z, 0-9 or '<'")


def _character_note(char: str, kind: CharacterClass) -> tuple[str, tuple[str, ...]]:
    """What more to say of a character not allowed: ``lowercase``, ``not_mrz_character``,
    ``ocr`` with the allowed look-alikes it may be, or "" (nothing)."""
    if char not in MRZ_CHARACTERS:
        return ("lowercase" if char.islower() else "not_mrz_character"), ()
    likely = tuple(alt for alt in CONFUSABLE.get(char, ()) if alt in kind.allowed)
    return ("ocr", likely) if likely else ("", ())


def _character_message(
    label: str, char: str, where: str, kind: CharacterClass, note: str, likely: tuple[str, ...]
) -> str:
    message = f"{label} has {char!r} at {where} where {kind.words} is expected"
    if note == "lowercase":
        return f"{message} (lowercase letters are not MRZ characters)"
    if note == "not_mrz_character":
        return f"{message} ({char!r} is not an MRZ character)"
    if note == "ocr":
        return f"{message} (OCR confusion with {' or '.join(map(repr, likely))}?)"
    return message


def check_characters(
    field: str, label: str, raw: str, span: Span, kind: CharacterClass, issues: list[MRZIssue]
) -> bool:
    """True when every character of ``raw`` is of ``kind``; else one issue names the first."""
    if kind.allowed.issuperset(raw):
        return True
    bad = [i for i, char in enumerate(raw) if char not in kind.allowed]
    first = bad[0]
    char = raw[first]
    note, likely = _character_note(char, kind)
    message = _character_message(label, char, span.where(first), kind, note, likely)
    more = len(bad) - 1
    if more:
        message += f"; {more} more character{'s' if more > 1 else ''} of this field not allowed"
    position = span.start + first + 1
    params = (("field", label), ("found", char), ("expected", kind.words), ("note", note),
              ("likely", likely), ("more", more))  # fmt: skip
    issues.append(new_issue(field, message, span.line + 1, (position, position), char,
                            kind.words, "character_not_allowed", params))  # fmt: skip
    return False


class Name(NamedTuple):
    """The name field read: primary and secondary identifiers, and possible truncation."""

    surname: str
    given_names: str
    truncated: bool


def read_name(
    raw: str, span: Span, issues: list[MRZIssue], warnings: list[MRZIssue] | None = None
) -> Name:
    """Split the name field on '<<' (Part 3 §4.6); a letter in its last position may mean
    truncation (Part 4 §4.2.3, Part 5 §4.2.3, Part 6 §4.2.3, Part 7 §4.2.2.1).

    A field that begins with '<<' and a name (``<<LAKSHMI<<<``) holds a single name in the
    secondary identifier: Doc 9303 puts a single name in the primary one, but some states
    print it so and such passports are in circulation. It is read as printed (no surname,
    the name as given names) with a warning naming the field, not as an issue."""
    check_characters("name", "name", raw, span, LETTERS_OR_FILLER, issues)
    primary, _, secondary = raw.rstrip(FILLER).partition("<<")
    if raw[:2] == "<<" and secondary.strip(FILLER) and warnings is not None:
        warnings.append(
            new_issue(
                "name",
                "name field begins with '<<': a single name is printed as the secondary "
                "identifier (given names), where ICAO 9303 puts it in the primary one "
                f"(surname); read as given names with no surname ({span.where()})",
                span.line + 1,
                span.positions,
                raw[:2],
                "a letter",
                "single_name_as_given_names",
            )
        )
    elif raw[:1] == FILLER:
        issues.append(
            new_issue(
                "name",
                f"name field begins with '<': the primary identifier is missing ({span.where()})",
                span.line + 1,
                span.positions,
                raw[:1],
                "a letter",
                "no_primary_identifier",
            )
        )
    surname = " ".join(part for part in primary.split(FILLER) if part)
    given_names = " ".join(part for part in secondary.split(FILLER) if part)
    return Name(surname, given_names, raw[-1:] != FILLER)


def read_code(
    field: str,
    raw: str,
    span: Span,
    known_codes: Container[str] | None,
    issues: list[MRZIssue],
) -> str:
    """A country code: 1-3 letters then fillers (Part 3 §4.7, §5), known when a list is given."""
    code = raw.rstrip(FILLER)
    label = field.replace("_", " ")
    if not check_characters(field, label, raw, span, LETTERS_OR_FILLER, issues):
        return code
    if not code or FILLER in code:
        message = f"{label} {raw!r} is not a code of 1-3 letters followed by '<' ({span.where()})"
        issues.append(new_issue(field, message, span.line + 1, span.positions, raw, "1-3 letters",
                                "code_not_letters", (("field", label), ("code", raw))))
    elif known_codes is not None and code not in known_codes:
        instead = NOT_IN_MRZ.get(code)
        hint = f"; an MRZ writes {instead!r} instead" if instead else ""
        message = f"{label} {code!r} is not a known ICAO 9303 code ({span.where()}){hint}"
        params = (("field", label), ("code", code), ("instead", instead or ""))
        issues.append(new_issue(field, message, span.line + 1, span.positions, code,
                                "a known code", "code_unknown", params))  # fmt: skip
    return code


def read_sex(raw: str, span: Span, issues: list[MRZIssue]) -> str | None:
    """M, F, or None for '<' (Part 4 §4.2.2.2: "F = female; M = male; < = unspecified").

    'X' is an issue: note p of Part 4 (and note f of Parts 5 to 7) prints an unspecified sex as
    'X' in the visual zone but as '<' in the MRZ.
    """
    if raw in ("M", "F"):
        return raw
    if raw == FILLER:
        return None
    message = f"sex is {raw!r}, expected 'M', 'F' or '<' ({span.where()})"
    note = "x" if raw == "X" else "lowercase" if raw.islower() else ""
    if note == "x":
        message += "; 'X' is printed only in the visual zone, the MRZ uses '<' (Part 4 note p)"
    elif note == "lowercase":
        message += " (lowercase letters are not MRZ characters)"
    issues.append(new_issue("sex", message, span.line + 1, span.positions, raw, "M, F or <",
                            "sex_not_m_f", (("found", raw), ("note", note))))  # fmt: skip
    return None


_FIRST_LETTERS: dict[DocumentType, str] = {
    DocumentType.TD3: "P",  # Part 4 §4.2.2.1 and note m
    DocumentType.MRVA: "V",  # Part 7 §4.2.2.1
    DocumentType.MRVB: "V",  # Part 7 §7.2.2.1
    DocumentType.TD1: "ACI",  # Part 5 note k
    DocumentType.TD2: "ACI",  # Part 6 note k
}
# Second characters ICAO forbids: V on cards (would read as a visa); AI on TD1; AC on TD2
# (on TD1, AC is the crew member certificate, Part 5 Appendix C).
_FORBIDDEN: dict[DocumentType, frozenset[str]] = {
    DocumentType.TD1: frozenset({"AV", "CV", "IV", "AI"}),
    DocumentType.TD2: frozenset({"AV", "CV", "IV", "AC"}),
}
_SOURCES = {
    DocumentType.TD3: "Part 4 §4.2.2.1",
    DocumentType.TD1: "Part 5 note k",
    DocumentType.TD2: "Part 6 note k",
    DocumentType.MRVA: "Part 7 §4.2.2.1",
    DocumentType.MRVB: "Part 7 §7.2.2.1",
}


def document_code_problem(kind: DocumentType, code: str) -> str | None:
    """Why the two-character ``code`` is not allowed on a ``kind`` MRZ, or None when it is."""
    fault = _document_code_fault(kind, code)
    return None if fault is None else fault[1]


def _document_code_fault(
    kind: DocumentType, code: str
) -> tuple[str, str, tuple[tuple[str, str], ...]] | None:
    """``document_code_problem``'s words with their key and values, or None."""
    first, second = code[:1], code[1:2]
    allowed_first = _FIRST_LETTERS[kind]
    source = _SOURCES[kind]
    if not first or first not in allowed_first:
        choices = " or ".join(allowed_first)
        return ("document_code_first_letter",
                f"document code {code!r} must begin with {choices} on a {kind} ({source})",
                (("code", code), ("kind", kind.value), ("source", source),
                 ("letters", allowed_first)))  # fmt: skip
    if second != FILLER and second not in LETTERS:
        return ("document_code_second_character",
                f"document code {code!r} has {second!r} where a letter or '<' is expected",
                (("code", code), ("found", second)))  # fmt: skip
    if code in _FORBIDDEN.get(kind, ()):
        return ("document_code_not_allowed",
                f"document code {code!r} is not allowed on a {kind} ({source})",
                (("code", code), ("kind", kind.value), ("source", source)))  # fmt: skip
    return None


def check_document_code(fmt: Format, raw: str, issues: list[MRZIssue]) -> str:
    """The document code with fillers stripped; an issue when ICAO does not allow it."""
    span = fmt.document_code
    if not check_characters("document_code", "document code", raw, span, LETTERS_OR_FILLER, issues):
        return raw.rstrip(FILLER)
    fault = _document_code_fault(fmt.type, raw)
    if fault is not None:
        key, problem, params = fault
        issues.append(
            new_issue(
                "document_code",
                f"{problem} ({span.where()})",
                span.line + 1,
                span.positions,
                raw,
                _FIRST_LETTERS[fmt.type],
                key,
                params,
            )
        )
    return raw.rstrip(FILLER)
