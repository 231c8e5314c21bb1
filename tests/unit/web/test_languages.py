"""Which language a page is in: ``?lang=``, else the remembered choice, else the browser's
Accept-Language, else English; and dates, numbers and country names in that language."""

from __future__ import annotations

from datetime import date

import pytest

from cta.entrypoints.web.i18n import LANGUAGES, choose_language, from_accept_language, language


def test_the_query_chooses_over_the_cookie_and_the_browser() -> None:
    assert choose_language("ka", "ru", "hy") == "ka"
    assert choose_language(" AZ ", None, None) == "az"


def test_the_remembered_choice_comes_before_the_browser_s() -> None:
    assert choose_language(None, "ru", "hy,en;q=0.5") == "ru"


def test_an_unknown_choice_is_passed_over() -> None:
    assert choose_language("fr", "xx", "hy") == "hy"
    assert choose_language("", "", "") == "en"


def test_without_any_choice_a_page_is_in_english() -> None:
    assert choose_language(None, None, None) == "en"
    assert choose_language(None, None, "fr-FR,de;q=0.9") == "en"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("ru-RU,ru;q=0.9,en-US;q=0.8", "ru"),
        ("en;q=0.2, ka;q=0.9", "ka"),  # the weight, not the order, decides
        ("fr, az;q=0.5, hy;q=0.5", "az"),  # of equal weights the first listed
        ("hy-AM", "hy"),  # a region is ignored
        ("ru;q=0, en;q=0.1", "en"),  # q=0 means "not this one"
        ("ka;q=abc, az", "az"),  # an unreadable weight counts as refused
        ("*", None),
        ("", None),
    ],
)
def test_the_browser_s_preference_is_read_by_weight(header: str, expected: str | None) -> None:
    assert from_accept_language(header) == expected


def test_dates_are_written_as_each_language_writes_them() -> None:
    day = date(2027, 3, 27)
    assert language("en").date(day) == "March 27, 2027"
    assert language("ru").date(day) == "27 марта 2027\u202fг."
    assert "2027" in language("ka").date(day) and "მარტი" in language("ka").date(day)
    assert language("az").date(day) != language("hy").date(day)


def test_numbers_follow_the_language_s_separators() -> None:
    assert language("en").number(12345) == "12,345"
    assert language("ru").number(12345) == "12\xa0345"


def test_plurals_follow_the_language_s_rules() -> None:
    ru = language("ru")
    forms = [ru.ngettext("%(n)s day", "%(n)s days", n) for n in (1, 3, 5, 21)]
    assert forms == ["1 день", "3 дня", "5 дней", "21 день"]
    assert language("en").ngettext("%(n)s day", "%(n)s days", 1) == "1 day"


def test_country_names_come_from_the_shipped_table_in_each_language() -> None:
    names = {code: language(code).country("GEO") for code in LANGUAGES}
    assert names == {"en": "Georgia", "az": "Gürcüstan", "hy": "Վրաստան", "ka": "საქართველო",
                     "ru": "Грузия"}  # fmt: skip


def test_every_language_translates_its_messages() -> None:
    for code in ("az", "hy", "ka", "ru"):
        assert language(code).gettext("Sign in") != "Sign in", code
    assert language("en").gettext("Sign in") == "Sign in"
    assert language("ru").gettext("Trip %(n)s", n=2) == "Поездка 2"


def test_crossing_points_are_named_from_the_shipped_table() -> None:
    assert language("hy").crossing_point("ARM-EVN") == "Զվարթնոց միջազգային օդանավակայան"
    assert language("ka").crossing_point("GEO-TBS") == "თბილისის საერთაშორისო აეროპორტი"
    # the table names a point in English and in its own state's language only
    assert language("ru").crossing_point("ARM-EVN") == "Zvartnots International Airport"
    assert language("ka").crossing_point("ARM-EVN") == "Zvartnots International Airport"
    assert language("en").crossing_point("NOWHERE") == "NOWHERE"
