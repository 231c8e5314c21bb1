"""The country table: ISO 3166-1 plus the codes ICAO Doc 9303 Part 3 adds, in five languages."""

from __future__ import annotations

import pytest

from cta.domain.countries import Country, CountryTable, name_key
from cta.domain.errors import PolicyError
from cta.policy.countries import COLUMNS, load_countries, parse_countries, parse_country_row

HEADER = ",".join(COLUMNS)
GOOD_ROW = {
    "code": "GEO",
    "alpha2": "GE",
    "numeric": "268",
    "kind": "iso",
    "name_en": "Georgia",
    "name_az": "Gürcüstan",
    "name_hy": "Վրաստան",
    "name_ka": "საქართველო",
    "name_ru": "Грузия",
}
ICAO_CODES = {
    "D", "GBD", "GBN", "GBO", "GBP", "GBS", "RKS", "EUE", "UNO", "UNA", "UNK",
    "XBA", "XIM", "XCC", "XCE", "XCO", "XEC", "XPO", "XES", "XMP", "XOM", "XDC",
    "XXA", "XXB", "XXC", "XXX", "ANT", "NTZ", "UTO", "IAO", "XKX",
}  # fmt: skip


def test_the_table_holds_at_least_249_iso_codes() -> None:
    iso = [country for country in load_countries() if country.kind == "iso"]
    assert len(iso) >= 249


def test_the_table_holds_every_code_icao_part_3_adds_beside_iso() -> None:
    icao = {country.code for country in load_countries() if country.kind == "icao"}
    assert icao >= ICAO_CODES


def test_germany_is_d_in_the_mrz_and_deu_in_iso() -> None:
    table = load_countries()
    assert "D" in table
    assert table.name("D") == "Germany"
    assert table.name("DEU") == "Germany"


@pytest.mark.parametrize(
    ("code", "lang", "name"),
    [
        ("AZE", "en", "Azerbaijan"),
        ("AZE", "az", "Azərbaycan"),
        ("AZE", "hy", "Ադրբեջան"),
        ("AZE", "ka", "აზერბაიჯანი"),
        ("AZE", "ru", "Азербайджан"),
        ("ARM", "en", "Armenia"),
        ("ARM", "az", "Ermənistan"),
        ("ARM", "hy", "Հայաստան"),
        ("ARM", "ka", "სომხეთი"),
        ("ARM", "ru", "Армения"),
        ("GEO", "en", "Georgia"),
        ("GEO", "az", "Gürcüstan"),
        ("GEO", "hy", "Վրաստան"),
        ("GEO", "ka", "საქართველო"),
        ("GEO", "ru", "Грузия"),
    ],
)
def test_member_states_are_named_in_all_five_languages(code: str, lang: str, name: str) -> None:
    assert load_countries().name(code, lang) == name


def test_stateless_persons_have_a_name_in_every_language() -> None:
    xxa = load_countries().get("XXA")
    assert xxa is not None
    assert {xxa.name(lang) for lang in ("en", "az", "hy", "ka", "ru")} >= {
        "Stateless person",
        "Лицо без гражданства",
    }


def test_an_unknown_code_is_not_in_the_table() -> None:
    table = load_countries()
    assert "ZZZ" not in table
    assert table.get("ZZZ") is None
    with pytest.raises(KeyError):
        table.name("ZZZ")


def test_a_missing_translation_falls_back_to_english() -> None:
    country = Country("UTO", "UT", "", "icao", {"en": "Utopia"})
    assert country.name("ka") == "Utopia"


def test_the_table_is_loaded_once() -> None:
    assert load_countries() is load_countries()


def test_a_table_iterates_over_its_countries_and_counts_them() -> None:
    table = CountryTable([parse_country_row(GOOD_ROW, file="t.csv", line=2)])
    assert len(table) == 1
    assert [country.code for country in table] == ["GEO"]


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"code": "GE"}, "not three capital letters"),
        ({"code": "geo"}, "not three capital letters"),
        ({"alpha2": "G"}, "alpha2"),
        ({"numeric": "26"}, "numeric"),
        ({"kind": "other"}, "kind"),
        ({"name_en": " "}, "English name is empty"),
    ],
)
def test_a_bad_row_is_refused_naming_file_and_line(change: dict[str, str], problem: str) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_country_row({**GOOD_ROW, **change}, file="countries.csv", line=7)
    assert raised.value.file == "countries.csv"
    assert raised.value.line == 7
    assert problem in str(raised.value)
    assert str(raised.value).startswith("countries.csv:7:")


def test_a_repeated_code_is_refused_on_the_line_that_repeats_it() -> None:
    row = ",".join(GOOD_ROW.values())
    with pytest.raises(PolicyError) as raised:
        parse_countries(f"{HEADER}\n{row}\n{row}\n", file="countries.csv")
    assert raised.value.line == 3
    assert "already given on line 2" in str(raised.value)


def test_a_row_with_too_few_columns_is_refused_with_its_line() -> None:
    with pytest.raises(PolicyError) as raised:
        parse_countries(f"{HEADER}\nGEO,GE,268\n", file="countries.csv")
    assert raised.value.line == 2


def test_a_wrong_header_is_refused_on_line_1() -> None:
    with pytest.raises(PolicyError) as raised:
        parse_countries("code,name\nGEO,Georgia\n", file="countries.csv")
    assert raised.value.line == 1


def test_an_empty_table_is_refused() -> None:
    with pytest.raises(PolicyError, match="no countries"):
        parse_countries(f"{HEADER}\n", file="countries.csv")


def test_a_russian_name_is_found_typed_with_e_or_yo_alike() -> None:
    table = load_countries()
    assert table.find("Соединенные штаты") == table.find("соединённые  Штаты ") == "USA"
    assert table.find("Соединённые штаты Малых Удалённых островов") == "UMI"
    assert table.find("Объединенные Арабские Эмираты") == "ARE"
    assert table.find("usa") == "USA" and table.find("Germany") == "D"  # D reads before DEU
    assert table.find("Atlantis") is None


def test_names_sort_with_yo_as_e_so_the_united_states_come_before_their_islands() -> None:
    table = load_countries()
    names = sorted((table.name(c, "ru") for c in ("UMI", "USA")), key=name_key)
    assert names == ["Соединённые штаты", "Соединенные штаты Малых Удаленных островов"]
    assert name_key("Ёлка  Ё") == "елка е"
