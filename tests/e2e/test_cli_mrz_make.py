"""``cta mrz make``: fields in, MRZ lines out, in every format; read back valid by ``cta mrz``.

``make`` is the first word after ``mrz``; ``cta mrz LINE...`` and ``cta mrz`` reading standard
input work as before (tests/e2e/test_cli_mrz.py).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cta.domain.documents.generate import check_dates_read_back
from cta.entrypoints.cli.mrz import LANGUAGES

from .conftest import Runner

EXPIRY = (date.today() + timedelta(days=3 * 365)).isoformat()
SHAPES = {"TD1": (3, 30), "TD2": (2, 36), "TD3": (2, 44), "MRVA": (2, 44), "MRVB": (2, 36)}


def make(cta: Runner, *args: str, **fields: str) -> tuple[int, str, str]:
    options = {"surname": "Məmmədov", "given_names": "Elçin Vaqif", "number": "C01X00T47",
               "nationality": "AZE", "issuing_state": "AZE", "birth_date": "1985-03-12",
               "sex": "M", "expiry_date": EXPIRY} | fields  # fmt: skip
    flat = [f"--{key.replace('_', '-')}={value}" for key, value in options.items()]
    ran = cta("mrz", "make", *args, *flat)
    return ran.code, ran.stdout, ran.stderr


@pytest.mark.parametrize("kind", ["TD1", "TD2", "TD3", "MRV-A", "MRV-B"])
def test_every_format_round_trips_through_cta_mrz(cta: Runner, kind: str) -> None:
    code, out, err = make(cta, "--type", kind, optional_data="AB1234")
    assert code == 0, err
    lines = out.splitlines()
    count, length = SHAPES[kind.replace("-", "")]
    assert [len(line) for line in lines] == [length] * count
    read = cta("mrz", "--json", *lines)
    assert read.code == 0, read.stdout + read.stderr
    document = read.json_lines()[0]
    assert document["valid"] is True, document["errors"]
    assert document["type"] == kind.replace("-", "")
    assert (document["surname"], document["given_names"]) == ("MAMMADOV", "ELCIN VAQIF")
    assert document["document_number"] == "C01X00T47"
    assert (document["birth_date"], document["expiry_date"]) == ("1985-03-12", EXPIRY)
    assert (document["nationality"], document["issuing_state"], document["sex"]) == (
        "AZE", "AZE", "M")
    assert document["document_code"] == ("P" if kind == "TD3" else "V" if "MRV" in kind else "I")
    if kind != "MRV-B":  # the short visa has no optional data
        assert document["optional_data"].startswith("AB1234")


@pytest.mark.parametrize(
    ("surname", "given", "state", "printed"),
    [
        ("Мамедов", "Эльчин", "RUS", "MAMEDOV<<ELCHIN"),
        ("Խաչատրյան", "Արամ", "ARM", "KHACHATRYAN<<ARAM"),
        ("ბერიძე", "ნინო", "GEO", "BERIDZE<<NINO"),
        ("Müller", "Jürgen", "D", "MUELLER<<JUERGEN"),
    ],
)
def test_names_in_any_script_are_transliterated_as_icao_does(
    cta: Runner, surname: str, given: str, state: str, printed: str
) -> None:
    code, out, err = make(cta, "--type", "TD3", "--json", surname=surname, given_names=given,
                          issuing_state=state, nationality=state)  # fmt: skip
    assert code == 0, err
    import json

    answer = json.loads(out)
    assert answer["type"] == "TD3" and len(answer["lines"]) == 2
    assert answer["lines"][0].startswith(f"P<{state.ljust(3, '<')}{printed}<")
    assert cta("mrz", *answer["lines"]).code == 0


def test_a_td1_with_a_long_number_and_line_2_data(cta: Runner) -> None:
    code, out, err = make(cta, "--type", "TD1", number="D23145890734",
                          optional_data_2="X99")  # fmt: skip
    assert code == 0, err
    document = cta("mrz", "--json", *out.splitlines()).json_lines()[0]
    assert document["valid"] is True, document["errors"]
    assert document["document_number"] == "D23145890734"
    assert document["optional_data_2"].rstrip("<") == "X99"


@pytest.mark.parametrize(
    ("change", "names"),
    [
        ({"type": "TD4"}, "--type 'TD4'"),
        ({"number": "AB12*"}, "--number"),
        ({"number": "ABCDEFGHIJK"}, "--number"),  # 11 characters on a passport
        ({"nationality": "AZERI"}, "--nationality"),
        ({"issuing_state": "A1"}, "--issuing-state"),
        ({"birth_date": "12/03/1985"}, "--birth-date '12/03/1985': not a date like 1985-03-12"),
        ({"expiry_date": "2031-02-30"}, "--expiry-date"),
        ({"sex": "Q"}, "--sex 'Q'"),
        ({"surname": "123"}, "--surname"),
        ({"document_code": "V"}, "--document-code"),
        ({"optional_data": "ab-1"}, "--optional-data"),
    ],
)
def test_a_bad_field_is_one_error_line_naming_it(
    cta: Runner, change: dict[str, str], names: str
) -> None:
    kind = change.pop("type", "TD3")
    code, out, err = make(cta, "--type", kind, **change)
    assert code == 2, out
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith(f"error: {names}"), lines[0]
    assert out == ""


@pytest.mark.parametrize(
    ("change", "names", "says"),
    [
        ({"birth_date": "0001-01-01", "expiry_date": "9999-12-31"}, "--expiry-date",
         "expiry date 9999-12-31 would read back in 1999"),
        ({"birth_date": "0001-01-01"}, "--birth-date", "birth date 0001-01-01 would read back"),
        ({"birth_date": "tomorrow"}, "--birth-date",
         "would read back in 19"),  # born tomorrow: read as a century ago
        ({"birth_date": "2020-01-01", "expiry_date": "2019-12-31"}, "--birth-date",
         "birth date 2020-01-01 is after the expiry date 2019-12-31"),
    ],
)  # fmt: skip
def test_a_date_the_mrz_would_read_back_as_another_is_refused_naming_the_option(
    cta: Runner, change: dict[str, str], names: str, says: str
) -> None:
    if change.get("birth_date") == "tomorrow":  # worked out as the test runs
        change = {"birth_date": (date.today() + timedelta(days=1)).isoformat()}
    code, out, err = make(cta, "--type", "TD3", **change)
    assert code == 2, out
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(f"error: {names}: "), lines
    assert says in lines[0], lines[0]
    assert out == ""


def test_the_first_and_last_dates_that_read_back_are_made() -> None:
    today = date(2026, 6, 1)
    check_dates_read_back(date(1926, 6, 2), date(2075, 12, 31), today)
    with pytest.raises(ValueError, match="would read back in 2026"):
        check_dates_read_back(date(1926, 6, 1), date(2030, 1, 1), today)
    with pytest.raises(ValueError, match="would read back in 1976"):
        check_dates_read_back(date(1980, 1, 1), date(2076, 1, 1), today)
    with pytest.raises(ValueError, match="read from 1900-03-01 to 2000-02-29"):  # leap day
        check_dates_read_back(date(1900, 2, 28), date(2000, 2, 29), date(2000, 3, 1))


def test_an_unknown_transliteration_language_is_refused_naming_those_known(cta: Runner) -> None:
    code, out, err = make(cta, "--type", "TD3", language="xx")
    assert code == 2 and out == ""
    assert err.startswith("error: --language 'xx': no practice of transliteration known"), err
    assert "az, be, bg, da, de" in err


def test_the_languages_named_are_those_the_transliteration_tables_know() -> None:
    from cta.domain.names.cyrillic import _EXCEPTIONS
    from cta.domain.names.latin import _DIGRAPHS_BY_LANGUAGE

    assert set(LANGUAGES) == {"az", "ru"} | set(_EXCEPTIONS) | set(_DIGRAPHS_BY_LANGUAGE)


def test_a_missing_field_is_named(cta: Runner) -> None:
    ran = cta("mrz", "make", "--type", "TD3", "--surname", "Doe")  # no --number, ...
    assert ran.code == 2
    assert ran.stderr.startswith("error: --number, --nationality, --issuing-state, "
                                 "--birth-date, --expiry-date: missing")  # fmt: skip


def test_a_specimen_that_reads_invalid_is_printed_with_a_warning(cta: Runner) -> None:
    code, out, err = make(cta, "--type", "TD3", nationality="ZZZ")
    assert code == 0
    assert len(out.splitlines()) == 2
    assert err.startswith("warning: nationality: nationality 'ZZZ' is not a known")
    assert cta("mrz", *out.splitlines()).code == 1  # read back: invalid, as it says


def test_cta_mrz_still_reads_lines_and_standard_input(cta: Runner) -> None:
    _, out, _ = make(cta, "--type", "TD2")
    lines = out.splitlines()
    assert cta("mrz", "--json", *lines).json_lines()[0]["valid"] is True
    from_stdin = cta("mrz", "--json", stdin=out + "\n" + out)
    assert [d["valid"] for d in from_stdin.json_lines()] == [True, True]
    assert "make" in cta("mrz", "--help").stdout
