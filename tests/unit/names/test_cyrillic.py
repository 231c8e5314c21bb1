"""Cyrillic names: the ICAO 9303-3 Section 6.B table, its language exceptions, Azerbaijani."""

from __future__ import annotations

import pytest

from cta.domain.names import to_mrz

# The default column of ICAO 9303-3 Section 6.B (Russian passports since 2014), plus Ь omitted.
ICAO_CYRILLIC_TABLE = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Е": "E", "Ё": "E", "Ж": "ZH",
    "З": "Z", "И": "I", "Й": "I", "К": "K", "Л": "L", "М": "M", "Н": "N", "О": "O",
    "П": "P", "Р": "R", "С": "S", "Т": "T", "У": "U", "Ф": "F", "Х": "KH", "Ц": "TS",
    "Ч": "CH", "Ш": "SH", "Щ": "SHCH", "Ъ": "IE", "Ы": "Y", "Э": "E", "Ю": "IU", "Я": "IA",
    "Ђ": "D", "Є": "IE", "Ѕ": "DZ", "І": "I", "Ї": "I", "Ј": "J", "Љ": "LJ", "Њ": "NJ",
    "Ќ": "K", "Ў": "U", "Џ": "DZ", "Ѫ": "U", "Ѵ": "Y", "Ґ": "G", "Ғ": "G", "Һ": "C",
}  # fmt: skip


@pytest.mark.parametrize(("letter", "mrz"), sorted(ICAO_CYRILLIC_TABLE.items()))
def test_each_row_of_the_icao_cyrillic_table_is_followed(letter: str, mrz: str) -> None:
    assert to_mrz(letter) == mrz
    assert to_mrz(letter.lower()) == mrz


@pytest.mark.parametrize(
    ("name", "mrz"),
    [
        ("Эльчин Мамедов", "ELCHIN<MAMEDOV"),
        ("Хачатурян", "KHACHATURIAN"),
        ("Наталья Щербакова", "NATALIA<SHCHERBAKOVA"),
        ("Андрей Юрьевич", "ANDREI<IUREVICH"),
        ("Фёдор Подъячев", "FEDOR<PODIEIACHEV"),
        ("Цхинвальская", "TSKHINVALSKAIA"),
    ],
)
def test_russian_names_follow_the_icao_table(name: str, mrz: str) -> None:
    assert to_mrz(name) == mrz
    assert to_mrz(name, language="ru") == mrz


def test_the_soft_sign_is_left_out() -> None:
    assert to_mrz("Игорь") == "IGOR"


@pytest.mark.parametrize(
    ("name", "mrz"),
    [
        ("Юлія Тимошенко", "YULIIA<TYMOSHENKO"),
        ("Євген Гнатюк", "YEVHEN<HNATIUK"),
        ("Їжакевич", "YIZHAKEVYCH"),
        ("Йосип Андрій", "YOSYP<ANDRII"),
        ("Яна Мар'яна", "YANA<MARIANA"),
    ],
)
def test_ukrainian_names_take_the_ukrainian_exceptions(name: str, mrz: str) -> None:
    assert to_mrz(name, language="uk") == mrz


@pytest.mark.parametrize(
    ("name", "language", "mrz"),
    [
        ("Грыгорый Алёшын", "be", "HRYHORYI<ALIOSHYN"),
        ("Щерев", "bg", "SHTEREV"),
        ("Ќосе Џорџиевски", "mk", "KJOSE<DJORDJIEVSKI"),
        ("Ѓорѓи Христов", "mk", "GJORGJI<HRISTOV"),
        ("Живковић Чедомир", "sr", "ZIVKOVIC<CEDOMIR"),
        ("Гордана Шешељ", "sr", "GORDANA<SESELJ"),
    ],
)
def test_other_slavic_languages_take_their_icao_exceptions(
    name: str, language: str, mrz: str
) -> None:
    assert to_mrz(name, language=language) == mrz


@pytest.mark.parametrize(
    ("name", "mrz"),
    [
        ("Ҹәфәров", "CAFAROV"),
        ("Әлијев Һејдәр", "ALIYEV<HEYDAR"),
        ("Мәммәдов", "MAMMADOV"),
        ("Ҝүлнарә", "GULNARA"),
        ("Гасымов", "QASIMOV"),
        ("Өмәр", "OMAR"),
    ],
)
def test_azerbaijani_cyrillic_is_read_through_the_azerbaijani_latin_alphabet(
    name: str, mrz: str
) -> None:
    assert to_mrz(name, language="az") == mrz


def test_azerbaijani_cyrillic_letters_are_refused_without_the_azerbaijani_language() -> None:
    from cta.domain.errors import InvalidInputError

    with pytest.raises(InvalidInputError, match="CYRILLIC SMALL LETTER SCHWA"):
        to_mrz("Мәммәдов")
