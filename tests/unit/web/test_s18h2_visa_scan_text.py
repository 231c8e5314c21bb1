"""What the scan of a visa's MRZ beside the passport tells the officer (reasons D), in the page's
language: each reason has a key and the values its English sentence was made from, which the
page words, and in English makes the sentence again. A passport scanned in the visa's field is
a refusal with a code. The API's messages are unchanged."""

from __future__ import annotations

from datetime import date

import pytest
from markupsafe import Markup

from cta.domain.checks import Reason
from cta.domain.documents import parse_mrz
from cta.domain.errors import InvalidInputError
from cta.domain.visas import read_visa, scan_reasons
from cta.entrypoints.web.i18n import language
from cta.entrypoints.web.reason_text import REASONS, reason_text, refusal_text
from tests.unit.documents.test_visa_mrz import TODAY, altered, issued, make, passport_of


def _reasons(lines: tuple[str, ...] | list[str], record: object,
             passport: list[str] | None = None) -> list[Reason]:  # fmt: skip
    holder = parse_mrz(passport or passport_of(), today=TODAY)
    return scan_reasons(read_visa(lines, on=TODAY), record, holder, on=TODAY)  # type: ignore[arg-type]


def _every_reason() -> list[Reason]:
    lines = make()
    broken = (lines[0], lines[1][:9] + str((int(lines[1][9]) + 1) % 10) + lines[1][10:])
    fillers = (lines[0], lines[1][:-1] + ("0" if lines[1][-1] == "<" else "<"))
    someone = passport_of(surname="KHAN", birth=date(1985, 1, 2))
    return [*_reasons(broken, issued(lines)), *_reasons(lines, None),
            *_reasons(altered(lines, 21, "271231"), issued(lines)),
            *_reasons(fillers, issued(lines)), *_reasons(lines, issued(lines, "X7654321")),
            *_reasons(lines, issued(lines), someone)]  # fmt: skip


def test_every_reason_of_the_scan_has_a_key_with_a_wording() -> None:
    reasons = _every_reason()
    keys = [r.key for r in reasons]
    assert set(keys) == {"visa_mrz_invalid", "visa_not_issued_in_area", "visa_differs",
                         "visa_for_other_document", "visa_for_other_person"}, keys
    assert all(key in REASONS for key in keys)


def test_in_english_the_page_makes_each_sentence_again() -> None:
    for reason in _every_reason():
        shown = reason_text(language("en"), reason)
        assert 'lang="en"' not in shown and Markup(shown).unescape() == reason.message


@pytest.mark.parametrize("code", ["az", "hy", "ka", "ru"])
def test_each_reason_is_worded_in_the_page_s_language(code: str) -> None:
    for reason in _every_reason():
        shown = reason_text(language(code), reason)
        assert 'lang="en"' not in shown and shown != reason.message, reason


def test_a_forged_validity_is_said_in_russian() -> None:
    lines = make()
    (reason,) = _reasons(altered(lines, 21, "271231"), issued(lines))
    assert reason.message == ("visa GEO000001 differs from the visa issued: valid-until date "
                              "'271231' (issued: '270301')")
    assert reason_text(language("ru"), reason) == (
        "виза GEO000001 отличается от выданной: дата окончания действия &#39;271231&#39; "
        "(в выданной: &#39;270301&#39;)")


def test_a_passport_in_the_visa_s_field_is_refused_with_a_code() -> None:
    with pytest.raises(InvalidInputError) as refused:
        read_visa(passport_of(), on=TODAY)
    assert str(refused.value) == (
        "visa_mrz: the lines are a TD3 MRZ, not a visa's (MRV-A or MRV-B, beginning with V): "
        "put the passport's MRZ in mrz")
    assert refused.value.code == "visa_mrz_not_a_visa"
    shown = refusal_text(language("ka"), refused.value)
    assert 'lang="en"' not in shown and "TD3" in shown


def test_lines_differing_only_in_fillers_or_check_digits_are_said_so() -> None:
    message = ("visa GEO000001 differs from the visa issued: the lines differ in their fillers or "
               "check digits")
    reason = Reason("D", message, refuses=False, key="visa_differs",
                    params=(("number", "GEO000001"), ("differences", (("lines", "", ""),))))
    assert reason_text(language("en"), reason) == message
    assert reason_text(language("ru"), reason) == (
        "виза GEO000001 отличается от выданной: строки различаются заполнителями или "
        "контрольными цифрами")
    unknown = Reason("D", message, refuses=False, key="visa_differs",
                     params=(("number", "GEO000001"), ("differences", (("colour", "a", "b"),))))
    assert reason_text(language("ru"), unknown) == f'<span lang="en">{message}</span>'
