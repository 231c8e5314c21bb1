"""``cta check --json``: border-check decisions for JSON Lines, through the console script."""

from __future__ import annotations

import json
from typing import Any

import pytest

from .conftest import Runner

# Generated with cta.domain.documents.generate_mrz: SMITH JOHN, USA, born 1980-01-02,
# passport 123456789 expiring 2030-01-01; and the same for Georgia (a member state).
USA = [
    "P<USASMITH<<JOHN<<<<<<<<<<<<<<<<<<<<<<<<<<<<",
    "1234567897USA8001025M3001019<<<<<<<<<<<<<<<8",
]
GEO = [
    "P<GEOSMITH<<JOHN<<<<<<<<<<<<<<<<<<<<<<<<<<<<",
    "1234567897GEO8001025M3001019<<<<<<<<<<<<<<<8",
]
AUTH = {"document_number": "123456789", "valid_from": "2027-01-01", "valid_to": "2029-12-31"}
KEYS = {"decision", "reasons", "category", "latest_exit", "overstay_days"}


def line(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"on": "2027-03-01", "direction": "entry", "mrz": USA, "history": []}
    base.update(fields)
    return base


def run_checks(cta: Runner, *checks: dict[str, Any] | str) -> Any:
    stdin = "".join((c if isinstance(c, str) else json.dumps(c)) + "\n" for c in checks)
    return cta("check", "--json", stdin=stdin)


def test_a_traveller_with_an_authorisation_is_admitted_for_90_days(cta: Runner) -> None:
    ran = run_checks(cta, line(authorizations=[AUTH]))
    assert ran.code == 0, ran.stderr
    assert ran.json_lines() == [
        {
            "decision": "admit",
            "reasons": [],
            "category": "authorization",
            "latest_exit": "2027-05-29",
            "overstay_days": 0,
        }
    ]


def test_without_an_authorisation_the_traveller_is_refused_c(cta: Runner) -> None:
    [decision] = run_checks(cta, line()).json_lines()
    assert set(decision) == KEYS
    assert decision["decision"] == "refuse"
    assert [r["code"] for r in decision["reasons"]] == ["C"]
    assert all(set(r) == {"code", "message"} for r in decision["reasons"])
    assert decision["latest_exit"] is None


def test_a_member_national_is_admitted_on_the_passport_alone(cta: Runner) -> None:
    [decision] = run_checks(cta, line(mrz=GEO)).json_lines()
    assert decision["decision"] == "admit"
    assert decision["category"] == "free_movement"


def test_a_traveller_who_used_90_days_is_refused_f(cta: Runner) -> None:
    used = [["2026-12-01", "2027-02-28"]]
    [decision] = run_checks(cta, line(history=used, authorizations=[AUTH])).json_lines()
    assert decision["decision"] == "refuse"
    assert [r["code"] for r in decision["reasons"]] == ["F"]


def test_an_exit_after_an_overstay_is_referred_with_the_overstay_days(cta: Runner) -> None:
    stay = [["2026-11-01", "2027-03-01"]]
    [decision] = run_checks(cta, line(direction="exit", history=stay)).json_lines()
    assert decision["decision"] == "refer"
    assert [r["code"] for r in decision["reasons"]] == ["F"]
    assert decision["overstay_days"] == 31
    assert decision["latest_exit"] is None


def test_a_matching_alert_is_referred_h(cta: Runner) -> None:
    alert = {
        "id": "A-1",
        "category": "refuse_entry",
        "surname": "Smith",
        "given_names": "John",
        "birth_date": "1980-01-02",
        "nationality": "USA",
    }
    [decision] = run_checks(cta, line(authorizations=[AUTH], alerts=[alert])).json_lines()
    assert decision["decision"] == "refer"
    assert [r["code"] for r in decision["reasons"]] == ["H"]


def test_a_visa_national_with_a_visa_for_the_passport_is_admitted(cta: Runner) -> None:
    mrz = [
        "P<AFGSMITH<<JOHN<<<<<<<<<<<<<<<<<<<<<<<<<<<<",
        "1234567897AFG8001025M3001019<<<<<<<<<<<<<<<8",
    ]
    visa = {
        "document_number": "123456789",
        "valid_from": "2027-02-01",
        "valid_to": "2027-05-01",
        "entries": 1,
        "entries_used": 0,
        "duration_days": 15,
    }
    [decision] = run_checks(cta, line(mrz=mrz, visas=[visa])).json_lines()
    assert decision["decision"] == "admit", decision
    assert decision["category"] == "visa"
    assert decision["latest_exit"] == "2027-03-15"


def test_a_status_quo_regime_can_be_named(cta: Runner) -> None:
    [decision] = run_checks(cta, line(regime="status-quo/GEO")).json_lines()
    assert decision["category"] == "visa_exempt"
    assert decision["decision"] == "admit"


def test_a_failing_machine_readable_zone_is_referred_b(cta: Runner) -> None:
    bad = [USA[0], USA[1][:9] + "8" + USA[1][10:]]
    [decision] = run_checks(cta, line(mrz=bad, authorizations=[AUTH])).json_lines()
    assert decision["decision"] == "refer"
    assert "B" in [r["code"] for r in decision["reasons"]]


# -- hostile input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("{not json", "JSON"),
        (json.dumps(line(colour="red")), "colour"),
        (json.dumps(line(on=20270301)), "on"),
        (json.dumps(line(on="2025-02-30")), "on"),
        (json.dumps(line(planned_exit="2027-13-01")), "planned_exit"),
        (json.dumps(line(history=[["2027-01-01", 20270102]])), "history"),
        (json.dumps(line(direction="sideways")), "direction"),
        (json.dumps(line(mrz=["A" * 1_000_000])), "mrz"),
        (json.dumps(line(mrz=["garbage"])), "line"),
        (json.dumps(line(regime="status-quo/FRA")), "regime"),
        (json.dumps(line(history=[["2027-02-01", "2027-01-01"]])), "before its entry"),
        (json.dumps(line(visas=[{"document_number": "1", "valid_from": "2027-01-01"}])), "visas"),
        ("[]", "object"),
    ],
)
def test_a_bad_line_is_an_error_that_names_the_problem(cta: Runner, text: str, names: str) -> None:
    ran = run_checks(cta, text)
    assert ran.code == 2
    [error] = ran.json_lines()
    assert set(error) == {"error"}
    assert error["error"].startswith("line 1:")
    assert names in error["error"]
    assert ran.stderr.strip()


def test_a_check_on_the_last_day_of_the_calendar_gives_no_traceback(cta: Runner) -> None:
    """The stay allowed from 9999-12-31 runs past year 9999: an answer or an error, never a
    traceback (the runner asserts none)."""
    ran = run_checks(cta, line(on="9999-12-31", authorizations=[AUTH]))
    assert ran.code in (0, 2)
    assert ran.json_lines()


def test_a_bad_line_does_not_stop_the_lines_after_it(cta: Runner) -> None:
    ran = run_checks(cta, "{oops", line(authorizations=[AUTH]))
    assert ran.code == 2
    error, decision = ran.json_lines()
    assert "error" in error
    assert decision["decision"] == "admit"


def test_bytes_that_are_not_utf_8_exit_2_with_a_message(cta: Runner) -> None:
    ran = cta("check", "--json", stdin=json.dumps(line()).encode()[:-2] + b'\xff"}\n')
    assert ran.code == 2
    assert "UTF-8" in ran.stderr


def test_empty_stdin_is_an_error_not_silence(cta: Runner) -> None:
    """The CLI contract: empty stdin gives a clear error and exit 2."""
    ran = cta("check", "--json", stdin=b"")
    assert ran.code == 2
    assert ran.stderr.strip()


def test_a_key_given_twice_is_an_error_not_last_one_wins(cta: Runner) -> None:
    text = json.dumps(line())[:-1] + ', "on": "2027-03-02"}'
    ran = run_checks(cta, text)
    assert ran.code == 2
    assert "'on' appears twice" in ran.json_lines()[0]["error"]


def test_json_nested_past_any_sense_is_an_error_without_a_traceback(cta: Runner) -> None:
    ran = run_checks(cta, "[" * 100_000 + "]" * 100_000)
    assert ran.code == 2
    assert "not valid JSON" in ran.json_lines()[0]["error"]
