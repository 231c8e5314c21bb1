"""The MRZ reader's problems in the page's language: every issue the reader gives has a key and
the values its English sentence was made from; a page words each in its language, and in
English makes the reader's sentence again, byte for byte. The API's issue (``to_json``) and
the check's reason keep their English message."""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from datetime import date

import pytest
from babel.messages.pofile import read_po
from markupsafe import Markup

from cta.domain.checks import Check, Direction, decide
from cta.domain.documents import (
    DocumentFields,
    DocumentType,
    MRZIssue,
    TravelDocument,
    generate_mrz,
    parse_mrz,
)
from cta.entrypoints.web.i18n import LANGUAGES, LOCALE_DIR, language
from cta.entrypoints.web.reason_text import (
    MRZ_CHECK_DIGITS,
    MRZ_ISSUES,
    mrz_issue_text,
    reason_text,
)
from cta.policy.loader import load_regime
from tests.unit.documents.test_fast_corpus import ANCHOR, KNOWN, _corpus

TODAY = date(2026, 11, 29)


def _document(kind: DocumentType = DocumentType.TD3, **changed: object) -> list[str]:
    fields: dict[str, object] = {
        "type": kind, "document_code": "P" if kind is DocumentType.TD3 else "I",
        "issuing_state": "UTO", "surname": "ERIKSSON", "given_names": "ANNA MARIA",
        "document_number": "L898902C3", "nationality": "UTO", "birth_date": date(1974, 8, 12),
        "sex": "F", "expiry_date": date(2030, 4, 15),
    } | changed  # fmt: skip
    return list(generate_mrz(DocumentFields(**fields)))  # type: ignore[arg-type]


def _crafted() -> Iterator[list[str]]:
    """Documents with the issues the corpus's spoiling does not make."""
    passport = _document()
    yield [("P<UTO<<LAKSHMI" + "<" * 44)[:44], passport[1]]  # a single name, as given names
    yield [("P<UTO<" + "<" * 44)[:44], passport[1]]  # no surname at all
    card = _document(DocumentType.TD1)
    yield ["AI" + card[0][2:], *card[1:]]  # AI is not a TD1's code (Part 5 note k)
    long = _document(DocumentType.TD1, document_number="D23145890734")
    yield [long[0][:15] + "<" * 15, *long[1:]]  # a long number that does not go on
    yield [passport[0], passport[1][:20] + "X" + passport[1][21:]]  # sex X, in the visual zone


def _issues() -> list[MRZIssue]:
    found: list[MRZIssue] = []
    for lines in [*_corpus()[:1500], *_crafted()]:
        for known in (KNOWN, None):
            read = parse_mrz("\n".join(lines), today=ANCHOR, known_codes=known)
            found += [*read.errors, *read.warnings]
    return found


@pytest.fixture(scope="module")
def issues() -> list[MRZIssue]:
    return _issues()


def test_every_issue_the_reader_gives_has_a_key_with_a_wording_and_every_wording_is_used(
    issues: list[MRZIssue],
) -> None:
    keys = {issue.key for issue in issues}
    assert "" not in keys
    assert keys == set(MRZ_ISSUES) | {"check_digit"}
    fields = {dict(issue.params)["field"] for issue in issues if issue.key == "check_digit"}
    assert fields == set(MRZ_CHECK_DIGITS)


def test_in_english_the_page_makes_the_reader_s_sentence_again(issues: list[MRZIssue]) -> None:
    en = language("en")
    for issue in issues:
        shown = mrz_issue_text(en, issue)
        assert 'lang="en"' not in shown, issue
        assert Markup(shown).unescape() == issue.message


@pytest.mark.parametrize("code", [c for c in LANGUAGES if c != "en"])
def test_every_issue_is_worded_in_the_page_s_language(code: str, issues: list[MRZIssue]) -> None:
    lang = language(code)
    for issue in issues:
        shown = mrz_issue_text(lang, issue)
        assert 'lang="en"' not in shown and shown != issue.message, issue
        # the place in the MRZ is said in the page's words, with its numbers
        assert str(issue.line) in shown and str(issue.positions[0]) in shown  # type: ignore[index]


def test_a_wrong_check_digit_is_said_in_russian_with_its_look_alike() -> None:
    lines = _document()
    spoiled = [lines[0], lines[1][:9] + "5" + lines[1][10:]]  # document number's check digit
    read = parse_mrz(spoiled, today=TODAY)
    assert read.errors[0].message == (
        "document number check digit is 5, expected 6 (line 2, position 10); likely an OCR "
        "confusion: '8' at line 2 position 2 may be 'B'")
    assert mrz_issue_text(language("ru"), read.errors[0]) == (
        "контрольная цифра номера документа — 5, ожидалась 6 (строка 2, позиция 10); вероятно, "
        "ошибка оптического распознавания: &#39;8&#39; (строка 2, позиция 2) может быть "
        "&#39;B&#39;")
    confused = parse_mrz([lines[0], lines[1][:13] + "7408I2" + lines[1][19:]], today=TODAY)
    assert mrz_issue_text(language("ka"), confused.errors[0]) == (
        "დაბადების თარიღი: სიმბოლო &#39;I&#39; (სტრიქონი 2, პოზიცია 18) იქ, სადაც "
        "მოსალოდნელია ციფრი (ოპტიკური ამოცნობის შეცდომა: იქნებ &#39;1&#39;?)")


def test_an_issue_without_a_key_or_with_values_the_page_cannot_say_is_english_marked() -> None:
    plain = MRZIssue("sex", "sex is 'Q' <b>", 2, (21, 21), "Q", "M, F or <")
    assert mrz_issue_text(language("hy"), plain) == (
        '<span lang="en">sex is &#39;Q&#39; &lt;b&gt;</span>')
    odd = MRZIssue("name", "name has '1' at line 1 position 6 where a letter is expected", 1,
                   (6, 6), "1", "a letter", "character_not_allowed",
                   (("field", "surname"), ("found", "1"), ("expected", "a letter")))
    assert mrz_issue_text(language("az"), odd) == (
        '<span lang="en">name has &#39;1&#39; at line 1 position 6 where a letter is '
        "expected</span>")


def test_the_key_and_values_change_neither_the_issue_nor_its_json() -> None:
    read = parse_mrz([_document()[0], _document()[1][:20] + "X" + _document()[1][21:]],
                     today=TODAY)
    (issue,) = read.errors
    assert issue.key == "sex_not_m_f" and dict(issue.params) == {"found": "X", "note": "x"}
    assert issue.to_json() == {"field": "sex", "message": issue.message}
    assert issue == MRZIssue("sex", issue.message, 2, (21, 21), "X", "M, F or <")
    assert "key" not in repr(issue) and "params" not in repr(issue)


def _check(lines: list[str]) -> tuple[TravelDocument, str, object]:
    document = parse_mrz(lines, today=TODAY)
    regime = load_regime("union-draft").as_if_on(TODAY)
    decision = decide(Check(on=TODAY, direction=Direction.ENTRY, document=document,
                            regime=regime))  # fmt: skip
    (reason,) = [r for r in decision.reasons if r.key == "mrz_invalid"]
    return document, reason.message, reason


def test_a_check_s_reason_words_each_problem_and_keeps_its_english_message() -> None:
    lines = _document(issuing_state="GEO", nationality="GEO")
    spoiled = [lines[0], lines[1][:19] + "0" + lines[1][20:]]  # birth date's check digit
    document, message, reason = _check(spoiled)
    joined = "; ".join(issue.message for issue in document.errors)
    assert message == f"the machine readable zone fails validation: {joined}"
    shown = reason_text(language("ru"), reason)  # type: ignore[arg-type]
    assert shown.startswith("машиносчитываемая зона не прошла проверку: контрольная цифра "
                            "даты рождения — 0, ожидалась 2 (строка 2, позиция 20)")
    assert 'lang="en"' not in shown


# the letters each language writes its words in (quoted MRZ characters and ICAO's references
# aside: 'X', A–Z, ICAO, note p, MRV-A); Azerbaijani in the Latin script, with ə ğ ı ö ü ç ş
_SCRIPTS = {"hy": "ARMENIAN", "ka": "GEORGIAN", "ru": "CYRILLIC", "az": "LATIN"}
_LATIN_ALLOWED = {"ICAO", "A", "Z", "p", "k", "MRV", "B", "V"}
_BLOCK = ("# the MRZ reader's problems, a visa's scan, a permit's terms (cta.domain.documents, "
          "visas, travel_permits)")


def _ours(code: str) -> list[tuple[str, str]]:
    """This session's block of the language's catalog (appended as one): id and text."""
    text = (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").read_text(encoding="utf-8")
    block = text[text.index(_BLOCK):]
    found = read_po(io.StringIO(block), locale=code)
    texts = []
    for entry in found:
        if entry.id:
            forms = entry.string if isinstance(entry.string, tuple) else (entry.string,)
            texts += [(str(entry.id), form) for form in forms]
    assert len(texts) > 50
    return texts


@pytest.mark.parametrize("code", list(_SCRIPTS))
def test_each_language_s_wording_is_written_in_its_own_letters(code: str) -> None:
    script = _SCRIPTS[code]
    for key, text in _ours(code):
        words = re.sub(r"%\(\w+\)s|'[^']*'|§[\d.]+", " ", text)
        for word in re.findall(r"[^\W\d_]+", words):
            if code != "az" and word in _LATIN_ALLOWED:
                continue
            for letter in word:
                assert unicodedata.name(letter).startswith(script), (key, text, letter)
    if code == "az":
        letters = "".join(text for _, text in _ours(code))
        assert set("əğıöüçş") <= set(letters.lower())
