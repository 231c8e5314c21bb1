"""What a careless operator meets (issue 11, section 5), with the real ``cta`` command: files
read within limits (``/dev/zero`` never hangs), a bad time names its line, and every option
error is one ``error:`` line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import Runner

ARM = {"issuing_state": "ARM", "document_number": "AN1234567", "nationality": "ARM",
       "surname": "PETROSYAN", "given_names": "ANI", "birth_date_raw": "880214", "sex": "F",
       "expiry_date": "2031-01-31"}  # fmt: skip


@pytest.fixture
def admin(cta: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh node database (in the environment of every run) and an admin's token."""
    monkeypatch.setenv("CTA_DATABASE_URL", f"sqlite:///{tmp_path / 'node.sqlite'}")
    monkeypatch.setenv("CTA_STATE", "GEO")
    ran = cta("users", "add", "admin.01", "--role", "admin", "--init", "--json")
    assert ran.code == 0, ran.stderr
    return str(json.loads(ran.stdout)["token"])


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), stderr
    return lines[0]


# -- bounded reads ------------------------------------------------------------------------------


def test_importing_dev_zero_stops_at_the_line_limit(cta: Runner, admin: str) -> None:
    ran = cta("import", "crossings", "--token", admin, "/dev/zero", timeout=60)
    assert ran.code == 2
    assert "line 1 is longer than 64 KiB" in one_error_line(ran.stderr)


def test_importing_alerts_from_dev_zero_stops_at_the_line_limit(cta: Runner, admin: str) -> None:
    ran = cta("alerts", "import", "--token", admin, "/dev/zero", timeout=60)
    assert ran.code == 2
    assert "line 1 is longer than 64 KiB" in one_error_line(ran.stderr)


def test_screening_against_dev_zero_stops_at_the_line_limit(cta: Runner) -> None:
    ran = cta("screen", "--alerts", "/dev/zero", stdin='{"surname": "X"}\n', timeout=60)
    assert ran.code == 2
    assert "line 1 is longer than 64 KiB" in one_error_line(ran.stderr)


def test_an_over_long_line_in_an_import_file_is_named(
    cta: Runner, admin: str, tmp_path: Path
) -> None:
    path = tmp_path / "long.jsonl"
    path.write_text('{"direction": "entry"}\n' + "x" * 70_000 + "\n")
    ran = cta("import", "crossings", "--token", admin, str(path))
    assert ran.code == 2
    assert "line 2 is longer than 64 KiB" in one_error_line(ran.stderr)


def test_a_time_before_the_calendar_is_a_bad_line_named_and_skipped(
    cta: Runner, admin: str, tmp_path: Path
) -> None:
    line = {"direction": "entry", "crossing_point": "GEO-TBS", "officer": "officer.tbs.01",
            "document": ARM}  # fmt: skip
    path = tmp_path / "old.jsonl"
    path.write_text(json.dumps(line | {"occurred_at": "0001-01-01T00:30:00+01:00"}) + "\n"
                    + json.dumps(line | {"occurred_at": "2026-05-01T08:15:00+04:00"}) + "\n")
    ran = cta("import", "crossings", "--token", admin, "--json", str(path))
    assert ran.code == 1, ran.stderr
    assert "unexpected" not in ran.stderr
    assert one_error_line(ran.stderr).startswith("error: line 1: occurred_at: ")
    assert ran.json_lines()[-1]["imported"] == 1


def test_an_alert_of_another_state_is_a_bad_line_named_and_nothing_is_stored(
    cta: Runner, admin: str, tmp_path: Path
) -> None:
    alert = {"category": "arrest", "names": ["Ivan Petrov"]}
    path = tmp_path / "alerts.jsonl"
    lines = [alert | {"id": "GEO-1"}, alert | {"id": "AZE-1", "issuing_state": "AZE"}]
    lines.append(alert | {"id": "GEO-2", "issuing_state": "GEO"})
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    ran = cta("alerts", "import", "--token", admin, str(path))
    assert ran.code == 2, ran.stderr
    assert ran.stderr.strip().splitlines() == [
        f"error: {path} line 2: issuing_state: this node issues GEO's alerts only, not AZE's "
        "(each state's node issues its own)",
        f"error: {path}: 1 bad line(s); nothing was imported",
    ]
    path.write_text(json.dumps(alert | {"id": "GEO-1"}) + "\n")  # nothing was stored before
    again = cta("alerts", "import", "--token", admin, "--json", str(path))
    assert again.code == 0, again.stderr
    assert again.json_lines() == [{"file": str(path), "alerts": 1, "created": 1, "changed": 0}]


# -- option errors: one line ---------------------------------------------------------------------


@pytest.mark.parametrize("args", [
    ("stay", "--on", "06/12/2026", "2026-01-01:2026-01-05"),
    ("mrz", "--on", "20/12/2026"),
    ("screen", "--on", "20/12/2026"),
])  # fmt: skip
def test_a_date_option_not_as_yyyy_mm_dd_is_one_error_line(
    cta: Runner, args: tuple[str, ...]
) -> None:
    ran = cta(*args)
    assert ran.code == 2
    line = one_error_line(ran.stderr)
    assert "expected a date as YYYY-MM-DD" in line and "--on" in line
    assert ran.stdout == ""


@pytest.mark.parametrize("args", [
    ("stay", "--bogus"),
    ("nosuchcommand",),
    ("import", "crossings"),
    ("check", "--limit", "x"),
])  # fmt: skip
def test_every_usage_error_is_one_error_line_exit_2(cta: Runner, args: tuple[str, ...]) -> None:
    ran = cta(*args)
    assert ran.code == 2
    assert "--help" in one_error_line(ran.stderr)


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1.5", "-0.1", "x"])
def test_min_score_is_a_number_from_0_to_1(cta: Runner, value: str) -> None:
    ran = cta("screen", "--alerts", "/dev/null", "--min-score", value, stdin="")
    assert ran.code == 2
    assert one_error_line(ran.stderr) == (
        f"error: Invalid value for '--min-score': '{value}': must be a number from 0 to 1 "
        "(see cta screen --help)"
    )


def test_a_min_score_in_range_is_taken(cta: Runner, tmp_path: Path) -> None:
    path = tmp_path / "alerts.jsonl"
    path.write_text(json.dumps({"id": "A-1", "category": "arrest", "names": ["Ivan Petrov"]}))
    ran = cta("screen", "--json", "--alerts", str(path), "--min-score", "0",
              stdin='{"surname": "PETROV", "given_names": "IVAN"}\n')  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert [hit["alert_id"] for hit in ran.json_lines()[0]["hits"]] == ["A-1"]


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "1001"])
def test_the_demo_rate_of_cta_area_is_a_number_from_0_to_1000(cta: Runner, value: str) -> None:
    ran = cta("area", "--rate", value)
    assert ran.code == 2
    assert f"'{value}': must be a number from 0 to 1000" in one_error_line(ran.stderr)


def test_internal_checks_dates_are_within_1900_to_2999(cta: Runner) -> None:
    ran = cta("internal-checks", "declare", "GEO-SADAKHLO", "--from", "0001-01-01", "--to",
              "2026-01-02", "--ground", "a test", "--token", "x")  # fmt: skip
    assert ran.code == 2
    assert "--from: the date 0001-01-01 is outside 1900-01-01" in one_error_line(ran.stderr)


def test_a_date_in_a_json_line_not_as_yyyy_mm_dd_says_what_is_expected(cta: Runner) -> None:
    ran = cta("stay", "--json", stdin='{"on": "20/12/2026", "stays": []}\n')
    assert ran.code != 0
    assert "expected a date as YYYY-MM-DD" in ran.stderr
