"""Georgian names, by Georgia's national system (2002) without apostrophes."""

from __future__ import annotations

import pytest

from cta.domain.names import to_mrz

GEORGIAN_TABLE = {
    "ა": "A", "ბ": "B", "გ": "G", "დ": "D", "ე": "E", "ვ": "V", "ზ": "Z", "თ": "T",
    "ი": "I", "კ": "K", "ლ": "L", "მ": "M", "ნ": "N", "ო": "O", "პ": "P", "ჟ": "ZH",
    "რ": "R", "ს": "S", "ტ": "T", "უ": "U", "ფ": "P", "ქ": "K", "ღ": "GH", "ყ": "Q",
    "შ": "SH", "ჩ": "CH", "ც": "TS", "ძ": "DZ", "წ": "TS", "ჭ": "CH", "ხ": "KH", "ჯ": "J",
    "ჰ": "H",
}  # fmt: skip


@pytest.mark.parametrize(("letter", "mrz"), sorted(GEORGIAN_TABLE.items()))
def test_each_georgian_letter_has_its_national_system_spelling(letter: str, mrz: str) -> None:
    assert to_mrz(letter) == mrz


def test_the_table_covers_all_33_letters_of_the_modern_alphabet() -> None:
    assert len(GEORGIAN_TABLE) == 33


@pytest.mark.parametrize(
    ("name", "mrz"),
    [
        ("ჯაფარიძე", "JAPARIDZE"),
        ("წერეთელი", "TSERETELI"),
        ("ყიფიანი", "QIPIANI"),
        ("ჭავჭავაძე", "CHAVCHAVADZE"),
        ("მიხეილ სააკაშვილი", "MIKHEIL<SAAKASHVILI"),
        ("ზვიად გამსახურდია", "ZVIAD<GAMSAKHURDIA"),
        ("ღვინიაშვილი", "GHVINIASHVILI"),
        ("ჟორჟოლიანი", "ZHORZHOLIANI"),
        ("ნინო ბურჯანაძე-ჩხეიძე", "NINO<BURJANADZE<CHKHEIDZE"),
        ("ჰერმან ქართველიშვილი", "HERMAN<KARTVELISHVILI"),
    ],
)
def test_georgian_names_read_as_in_georgian_passports(name: str, mrz: str) -> None:
    assert to_mrz(name) == mrz


def test_ejective_and_aspirate_pairs_meet_in_the_mrz() -> None:
    assert to_mrz("კ") == to_mrz("ქ") == "K"
    assert to_mrz("ჭ") == to_mrz("ჩ") == "CH"
    assert to_mrz("წ") == to_mrz("ც") == "TS"
    assert to_mrz("პ") == to_mrz("ფ") == "P"
    assert to_mrz("ტ") == to_mrz("თ") == "T"


def test_mtavruli_capitals_read_like_mkhedruli() -> None:
    assert to_mrz("ᲭᲐᲕᲭᲐᲕᲐᲫᲔ") == "CHAVCHAVADZE"
