"""Punctuation, errors and scripts: what to_mrz does with anything that is not a letter."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.errors import InvalidInputError
from cta.domain.names import detect_script, to_mrz


def test_an_apostrophe_is_dropped_and_the_parts_joined() -> None:
    assert to_mrz("D'Artagnan") == "DARTAGNAN"
    assert to_mrz("D’Artagnan") == "DARTAGNAN"
    assert to_mrz("O`Brien") == "OBRIEN"


def test_a_hyphen_becomes_one_filler() -> None:
    assert to_mrz("Marie-Elise") == "MARIE<ELISE"
    assert to_mrz("Anna–Maria") == "ANNA<MARIA"


def test_a_comma_between_components_becomes_one_filler() -> None:
    assert to_mrz("Anna, Maria") == "ANNA<MARIA"


def test_spaces_of_any_width_become_one_filler() -> None:
    assert to_mrz("  Anna \u00a0  Maria\u2003Luisa ") == "ANNA<MARIA<LUISA"


def test_other_punctuation_is_left_out() -> None:
    assert to_mrz("J.R.") == "JR"
    assert to_mrz("Smith (Jones)") == "SMITH<JONES"


def test_a_multi_part_name_in_three_scripts_reads_each_part_in_its_own() -> None:
    assert to_mrz("Лейла Məmmədova-Ղազարյան") == "LEILA<MAMMADOVA<GHAZARYAN"


def test_an_empty_name_gives_an_empty_mrz_name() -> None:
    assert to_mrz("") == ""
    assert to_mrz("  - ' ") == ""


def test_a_digit_is_refused_with_its_position() -> None:
    with pytest.raises(InvalidInputError, match=r"'3' \(U\+0033 DIGIT THREE\) at position 5"):
        to_mrz("Anna3")


def test_a_control_character_is_refused_with_its_position() -> None:
    with pytest.raises(InvalidInputError, match=r"U\+0009 .* at position 5 is a control"):
        to_mrz("Anna\tMaria")


def test_a_zero_width_joiner_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="U\\+200D ZERO WIDTH JOINER"):
        to_mrz("An\u200dna")


def test_a_letter_of_another_script_is_refused_with_its_unicode_name() -> None:
    with pytest.raises(InvalidInputError, match=r"U\+03A9 GREEK CAPITAL LETTER OMEGA.*position 1"):
        to_mrz("Ωmega")


def test_a_symbol_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="PLUS SIGN"):
        to_mrz("Anna+Maria")


def test_a_latin_letter_with_no_transliteration_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="LATIN SMALL LETTER EZH"):
        to_mrz("ʒ")


def test_a_word_mixing_latin_and_cyrillic_lookalikes_is_refused() -> None:
    # The second letter is Cyrillic а (U+0430): a spoofed name, not a transliteration.
    with pytest.raises(InvalidInputError, match="mixes Cyrillic and Latin"):
        to_mrz("Mаmmadov")


def test_a_language_that_is_not_an_iso_code_is_refused() -> None:
    with pytest.raises(InvalidInputError, match="ISO 639"):
        to_mrz("Anna", language="Azerbaijani")


def test_a_language_without_special_rules_changes_nothing() -> None:
    assert to_mrz("Müller", language="fr") == to_mrz("Müller") == "MULLER"


@pytest.mark.parametrize(
    ("text", "script"),
    [
        ("Məmmədov", "latin"),
        ("Эльчин Мамедов", "cyrillic"),
        ("Հովհաննիսյան", "armenian"),
        ("ჯაფარიძე", "georgian"),
        ("ᲭᲐᲕᲭᲐᲕᲐᲫᲔ", "georgian"),
        ("Anna Мария", "mixed"),
        ("Ωmega", "mixed"),
        ("Ελένη", "other"),
        ("", "other"),
        ("-'- 12", "other"),
        ("D'Artagnan", "latin"),
    ],
)
def test_the_script_of_a_text_is_the_script_of_its_letters(text: str, script: str) -> None:
    assert detect_script(text) == script


NAME_ALPHABET = (
    "abcxyzÄäÖöÜüßÇçŞşĞğİıƏəÑñ"
    "абвгдежзийклмнопрстуфхцчшщъыьэюя"
    "աբգդեզէըթժիլխծկհձղճմյնշոչպջռսվտրցւփքօֆև"
    "აბგდევზთიკლმნოპჟრსტუფქღყშჩცძწჭხჯჰ"
    " -'’,."
)


@given(st.text(alphabet=NAME_ALPHABET, max_size=40))
def test_any_name_of_known_letters_gives_only_mrz_characters(name: str) -> None:
    try:
        mrz = to_mrz(name)
    except InvalidInputError as error:
        assert "mixes" in str(error)
        return
    assert re.fullmatch(r"([A-Z]+(<[A-Z]+)*)?", mrz)


@given(st.text(alphabet=NAME_ALPHABET, max_size=40))
def test_the_mrz_form_of_an_mrz_form_is_itself(name: str) -> None:
    try:
        mrz = to_mrz(name)
    except InvalidInputError:
        return
    assert to_mrz(mrz.replace("<", " ")) == mrz
