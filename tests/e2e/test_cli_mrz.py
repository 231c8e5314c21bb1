"""``cta mrz``: the ICAO Doc 9303 specimens read through the installed console script."""

from __future__ import annotations

from .conftest import Runner

# ICAO Doc 9303 Part 4 (TD3 passport), Part 5 (TD1 card), Part 6 (TD2), Part 7 (MRV-A, MRV-B).
TD3 = [
    "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L898902C36UTO7408122F1204159ZE184226B<<<<<10",
]
TD1 = [
    "I<UTOD231458907<<<<<<<<<<<<<<<",
    "7408122F1204159UTO<<<<<<<<<<<6",
    "ERIKSSON<<ANNA<MARIA<<<<<<<<<<",
]
TD2 = [
    "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "D231458907UTO7408122F1204159<<<<<<<6",
]
MRVA = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<",
    "L8988901C4XXX7408122F96121096ZE184226B<<<<<<",
]
MRVB = [
    "V<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<",
    "L8988901C4XXX7408122F9612109<<<<<<<<",
]
KEYS = {
    "type",
    "valid",
    "document_code",
    "issuing_state",
    "surname",
    "given_names",
    "document_number",
    "nationality",
    "birth_date",
    "expiry_date",
    "birth_date_raw",
    "expiry_date_raw",
    "sex",
    "optional_data",
    "optional_data_2",
    "errors",
    "warnings",
}
ON = "2010-01-01"  # the specimens expire in 1996 and 2012; the date sets the centuries


def paragraphs(*documents: list[str]) -> str:
    return "\n\n".join("\n".join(lines) for lines in documents) + "\n"


def test_the_td3_specimen_on_the_command_line_is_valid_with_every_field(cta: Runner) -> None:
    ran = cta("mrz", "--json", "--on", ON, *TD3)
    assert ran.code == 0, ran.stderr
    [doc] = ran.json_lines()
    assert set(doc) == KEYS
    assert doc == {
        "type": "TD3",
        "valid": True,
        "document_code": "P",
        "issuing_state": "UTO",
        "surname": "ERIKSSON",
        "given_names": "ANNA MARIA",
        "document_number": "L898902C3",
        "nationality": "UTO",
        "birth_date": "1974-08-12",
        "expiry_date": "2012-04-15",
        "birth_date_raw": "740812",
        "expiry_date_raw": "120415",
        "sex": "F",
        "optional_data": "ZE184226B",
        "optional_data_2": "",
        "errors": [],
        "warnings": [],
    }


def test_each_specimen_read_from_stdin_gives_its_type(cta: Runner) -> None:
    ran = cta("mrz", "--json", "--on", "1995-01-01", stdin=paragraphs(TD3, TD1, TD2, MRVA, MRVB))
    assert ran.code == 0, ran.stderr
    docs = ran.json_lines()
    assert [d["type"] for d in docs] == ["TD3", "TD1", "TD2", "MRVA", "MRVB"]
    assert all(d["valid"] for d in docs)
    assert all(set(d) == KEYS for d in docs)


def test_the_td1_specimen_is_an_identity_card_with_its_number(cta: Runner) -> None:
    [doc] = cta("mrz", "--json", "--on", ON, *TD1).json_lines()
    assert (doc["document_code"], doc["document_number"]) == ("I", "D23145890")
    assert (doc["surname"], doc["given_names"]) == ("ERIKSSON", "ANNA MARIA")
    assert doc["birth_date"] == "1974-08-12"


def test_the_mrv_a_specimen_is_a_visa_for_an_unspecified_nationality(cta: Runner) -> None:
    [doc] = cta("mrz", "--json", "--on", "1995-01-01", *MRVA).json_lines()
    assert doc["document_code"] == "V"
    assert doc["nationality"] == "XXX"
    assert doc["expiry_date"] == "1996-12-10"


def test_a_wrong_check_digit_makes_the_document_invalid_and_exits_1(cta: Runner) -> None:
    bad = [TD3[0], TD3[1][:9] + "7" + TD3[1][10:]]
    ran = cta("mrz", "--json", "--on", ON, *bad)
    assert ran.code == 1
    [doc] = ran.json_lines()
    assert doc["valid"] is False
    assert "document_number" in [e["field"] for e in doc["errors"]]
    assert all(set(e) == {"field", "message"} for e in doc["errors"])


def test_an_unreadable_document_prints_an_error_in_its_place_and_exits_2(cta: Runner) -> None:
    ran = cta("mrz", "--json", "--on", ON, stdin=paragraphs(["hello"], TD3))
    assert ran.code == 2
    first, second = ran.json_lines()
    assert set(first) == {"error"}
    assert second["type"] == "TD3"
    assert "error" in ran.stderr


def test_unreadable_outweighs_invalid_in_the_exit_code(cta: Runner) -> None:
    bad = [TD3[0], TD3[1][:9] + "7" + TD3[1][10:]]
    ran = cta("mrz", "--json", "--on", ON, stdin=paragraphs(bad, ["nonsense"]))
    assert ran.code == 2


def test_windows_line_ends_and_extra_blank_lines_are_read(cta: Runner) -> None:
    text = "\r\n\r\n" + "\r\n".join(TD3) + "\r\n\r\n\r\n" + "\r\n".join(TD2) + "\r\n"
    ran = cta("mrz", "--json", "--on", ON, stdin=text)
    assert ran.code == 0, ran.stderr
    assert [d["type"] for d in ran.json_lines()] == ["TD3", "TD2"]


def test_an_impossible_check_date_is_refused_with_exit_2(cta: Runner) -> None:
    ran = cta("mrz", "--json", "--on", "2010-02-30", *TD3)
    assert ran.code == 2
    assert "--on" in ran.stderr


def test_bytes_that_are_not_utf_8_exit_2_with_a_message(cta: Runner) -> None:
    ran = cta("mrz", "--json", "--on", ON, stdin=b"\xff\xfe" + "\n".join(TD3).encode())
    assert ran.code == 2
    assert "UTF-8" in ran.stderr


def test_without_json_the_document_is_shown_as_a_table(cta: Runner) -> None:
    ran = cta("mrz", "--on", ON, *TD3)
    assert ran.code == 0
    assert "ERIKSSON" in ran.stdout
    assert "valid" in ran.stdout


def test_empty_stdin_is_an_error_not_silence(cta: Runner) -> None:
    ran = cta("mrz", "--json", "--on", ON, stdin=b"\n\n")
    assert ran.code == 2
    assert ran.stderr.strip()


def test_a_single_name_after_two_fillers_is_valid_with_a_warning(cta: Runner) -> None:
    """``P<IND<<LAKSHMI<<…``: some states print a single name as the secondary identifier."""
    top = "P<IND<<LAKSHMI" + "<" * 30
    bottom = "Z1234567<1IND8001025F3201015<<<<<<<<<<<<<<<0"
    ran = cta("mrz", "--json", "--on", "2026-12-06", top, bottom)
    assert ran.code == 0, ran.stderr
    [doc] = ran.json_lines()
    assert doc["valid"] is True and doc["errors"] == []
    assert (doc["surname"], doc["given_names"]) == ("", "LAKSHMI")
    [warning] = doc["warnings"]
    assert warning["field"] == "name" and "begins with '<<'" in warning["message"]
    human = cta("mrz", "--on", "2026-12-06", top, bottom)
    assert human.code == 0 and "begins with '<<'" in human.stdout
