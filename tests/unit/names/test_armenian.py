"""Armenian names, as Armenian passports print them."""

from __future__ import annotations

import pytest

from cta.domain.names import to_mrz

ARMENIAN_TABLE = {
    "ա": "A", "բ": "B", "գ": "G", "դ": "D", "զ": "Z", "է": "E", "ը": "Y", "թ": "T",
    "ժ": "ZH", "ի": "I", "լ": "L", "խ": "KH", "ծ": "TS", "կ": "K", "հ": "H", "ձ": "DZ",
    "ղ": "GH", "ճ": "CH", "մ": "M", "յ": "Y", "ն": "N", "շ": "SH", "չ": "CH", "պ": "P",
    "ջ": "J", "ռ": "R", "ս": "S", "վ": "V", "տ": "T", "ր": "R", "ց": "TS", "ւ": "V",
    "փ": "P", "ք": "K", "օ": "O", "ֆ": "F",
}  # fmt: skip


@pytest.mark.parametrize(("letter", "mrz"), sorted(ARMENIAN_TABLE.items()))
def test_each_armenian_letter_has_its_passport_spelling(letter: str, mrz: str) -> None:
    # Preceded by ա so that no letter stands at the start of a word.
    assert to_mrz("ա" + letter) == "A" + mrz
    assert to_mrz("Ա" + letter.upper()) == "A" + mrz


@pytest.mark.parametrize(
    ("name", "mrz"),
    [
        ("Հովհաննիսյան", "HOVHANNISYAN"),
        ("Խաչատրյան", "KHACHATRYAN"),
        ("Ղազարյան", "GHAZARYAN"),
        ("Ծատուրյան", "TSATURYAN"),
        ("Երևան", "YEREVAN"),
        ("Սարգսյան", "SARGSYAN"),
        ("Մկրտչյան", "MKRTCHYAN"),
        ("Ջիվան Գասպարյան", "JIVAN<GASPARYAN"),
        ("Ժիրայր Ճաղարյան", "ZHIRAYR<CHAGHARYAN"),
        ("Ցոլակ Փափազյան", "TSOLAK<PAPAZYAN"),
        ("Ռուբեն Քոչարյան", "RUBEN<KOCHARYAN"),
        ("Յուրի Ձորյան", "YURI<DZORYAN"),
    ],
)
def test_armenian_names_read_as_in_armenian_passports(name: str, mrz: str) -> None:
    assert to_mrz(name) == mrz


@pytest.mark.parametrize(
    ("name", "mrz"),
    [
        ("Ոսկանյան", "VOSKANYAN"),
        ("Արտակ Ոսկան", "ARTAK<VOSKAN"),
        ("Եղիազարյան", "YEGHIAZARYAN"),
        ("Եվա", "YEVA"),
        ("Գաբրիելյան", "GABRIELYAN"),
        ("Միքայելյան", "MIKAYELYAN"),
        ("Աբովյան", "ABOVYAN"),
        ("Ուրարտու", "URARTU"),
        ("ՈՒՐԱՐՏՈՒ", "URARTU"),
        ("Եւգինէ", "YEVGINE"),
        ("Եւա", "YEVA"),
        ("Զարևանդ", "ZAREVAND"),
    ],
)
def test_o_ye_and_yev_depend_on_the_place_in_the_word(name: str, mrz: str) -> None:
    assert to_mrz(name) == mrz


def test_each_part_of_a_hyphenated_armenian_name_starts_a_word() -> None:
    assert to_mrz("Տեր-Ոսկանյան") == "TER<VOSKANYAN"
    assert to_mrz("Տեր֊Եղիազարյան") == "TER<YEGHIAZARYAN"


def test_the_armenian_apostrophe_is_dropped() -> None:
    assert to_mrz("Ս՚երոբ") == "SEROB"
