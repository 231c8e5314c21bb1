"""`cta policy show|derive|validate` as a user runs them (CliRunner on the policy sub-app)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from cta.entrypoints.cli.policy import policy_app

app = typer.Typer()
app.add_typer(policy_app, name="policy")


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_show_prints_georgias_regime_with_country_names(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policy", "show", "status-quo/GEO"])
    assert result.exit_code == 0, result.output
    assert "United States" in result.output
    assert "365 days per entry" in result.output
    assert "365 days in any 366" not in result.output


def test_show_prints_a_limit_in_a_window_and_a_per_entry_limit_on_one_line(
    runner: CliRunner,
) -> None:
    result = runner.invoke(app, ["policy", "show", "status-quo/GEO"])
    assert result.exit_code == 0, result.output
    (china,) = [line for line in result.output.splitlines() if "CHN" in line]
    assert "90 days in any 180; 30 per entry" in china
    (peru,) = [line for line in result.output.splitlines() if "PER " in line]
    assert "90 days in any 180" in peru
    assert "per entry" not in peru


def test_show_json_gives_per_entry_beside_stay(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policy", "show", "status-quo/GEO", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    usa, chn, ind = (data["nationalities"][code] for code in ("USA", "CHN", "IND"))
    assert (usa["stay"], usa["per_entry"]) == (None, 365)
    assert (chn["stay"], chn["per_entry"]) == ({"limit": 90, "window": 180}, 30)
    assert (ind["stay"], ind["per_entry"]) == (None, None)
    assert data["default"]["per_entry"] is None


def test_show_json_of_the_union_draft_on_its_first_day_is_in_force(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policy", "show", "union-draft", "--on", "2027-01-01", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["in_force"] is True
    assert data["members"] == ["ARM", "AZE", "GEO"]
    assert data["nationalities"]["USA"]["category"] == "authorization"
    assert data["nationalities"]["USA"]["stay"] == {"limit": 90, "window": 180}
    assert data["nationalities"]["USA"]["per_entry"] is None
    assert data["counts"] == {"authorization": 100, "visa": 177}


def test_show_before_the_union_draft_starts_says_it_is_not_in_force(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policy", "show", "--on", "2026-01-01", "--json"])
    assert json.loads(result.output)["in_force"] is False


def test_show_of_an_unknown_regime_exits_2_without_a_traceback(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policy", "show", "status-quo/FRA"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output


def test_show_with_a_bad_date_exits_2(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policy", "show", "--on", "tomorrow"])
    assert result.exit_code == 2


@pytest.mark.parametrize(("rule", "authorizations"), [("any", 100), ("majority", 68), ("all", 14)])
def test_derive_json_gives_rule_categories_and_counts(
    runner: CliRunner, rule: str, authorizations: int
) -> None:
    result = runner.invoke(app, ["policy", "derive", "--rule", rule, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["rule"] == rule
    assert data["counts"]["authorization"] == authorizations
    assert data["categories"]["XXA"] == "visa"


def test_derive_without_json_prints_the_counts(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policy", "derive"])
    assert result.exit_code == 0
    assert "authorization 100" in result.output


def test_derive_with_an_unknown_rule_exits_2(runner: CliRunner) -> None:
    assert runner.invoke(app, ["policy", "derive", "--rule", "most"]).exit_code == 2


def test_validate_without_paths_checks_every_shipped_file(runner: CliRunner) -> None:
    result = runner.invoke(app, ["policy", "validate"])
    assert result.exit_code == 0, result.output
    assert "ok  union-draft" in result.output


def test_validate_of_a_bad_file_exits_1_naming_file_and_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\nkind = "national"\nmembers = ["ZZZ"]\n', encoding="utf-8")
    result = runner.invoke(app, ["policy", "validate", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3: unknown country code 'ZZZ'" in result.output.replace("\n", "")
    assert "Traceback" not in result.output


def test_validate_of_a_missing_file_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    assert runner.invoke(app, ["policy", "validate", str(tmp_path / "no.toml")]).exit_code == 2


def one_error_line(output: str) -> str:
    lines = output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), output
    return lines[0]


def test_validate_of_a_file_nested_too_deep_exits_2_naming_the_file(
    runner: CliRunner, tmp_path: Path
) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text("a = " + "[" * 5000 + "]" * 5000 + "\n", encoding="utf-8")
    result = runner.invoke(app, ["policy", "validate", str(deep)])
    assert result.exit_code == 2
    assert one_error_line(result.output) == (
        f"error: {deep}: arrays or tables nested too deep to read (a regime file nests a few "
        "levels)"
    )


def test_validate_of_dev_zero_stops_at_the_line_limit() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cta", "policy", "validate", "/dev/zero"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert one_error_line(result.stderr) == (
        "error: /dev/zero line 1 is longer than 64 KiB: not a TOML regime file?"
    )


def test_validate_of_a_file_over_16_mib_exits_2(runner: CliRunner, tmp_path: Path) -> None:
    big = tmp_path / "big.toml"
    big.write_bytes(b"# a comment of short lines\n" * 700_000)  # 18.9 MB
    result = runner.invoke(app, ["policy", "validate", str(big)])
    assert result.exit_code == 2
    assert one_error_line(result.output) == (
        f"error: {big} is larger than 16 MiB, the most read from one file"
    )


def test_validate_of_a_file_not_utf8_exits_2_naming_the_line(
    runner: CliRunner, tmp_path: Path
) -> None:
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'name = "x"\n\xff\xfe\n')
    result = runner.invoke(app, ["policy", "validate", str(binary)])
    assert result.exit_code == 2
    assert f"error: {binary} line 2 is not UTF-8 text" in one_error_line(result.output)


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_show_refuses_a_date_outside_1900_to_2999_as_every_command_does(day: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cta", "policy", "show", "--on", day],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    assert result.returncode == 2
    assert one_error_line(result.stderr) == (
        f"error: Invalid value for --on: the date {day} is outside 1900-01-01 to 2999-12-31 "
        "(see python -m cta policy show --help)"
    )


def test_every_policy_command_has_help_text(runner: CliRunner) -> None:
    for command in ("show", "derive", "validate"):
        result = runner.invoke(app, ["policy", command, "--help"])
        assert result.exit_code == 0
        assert len(result.output.strip().splitlines()) > 3


def test_python_m_cta_policy_validate_runs_as_a_real_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "cta", "policy", "validate"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "ok  union-draft" in result.stdout
