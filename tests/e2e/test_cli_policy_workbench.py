"""`cta policy compare|trip|impact` as a user runs them: the real console script, a real process."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Runner


def test_compare_json_gives_each_state_and_each_rule(cta: Runner) -> None:
    ran = cta("policy", "compare", "--nationality", "USA", "--on", "2026-11-29", "--json")
    assert ran.code == 0, ran.stderr
    data = json.loads(ran.stdout)
    assert data["nationality"] == "USA" and data["on"] == "2026-11-29"
    states = {s["state"]: s for s in data["states"]}
    assert states["AZE"]["category"] == "e_visa"
    assert states["GEO"]["per_entry"] == 365
    rules = {r["rule"]: r for r in data["union"]["rules"]}
    assert [r["rule"] for r in data["union"]["rules"]] == ["any", "majority", "all"]
    assert rules["majority"]["category"] == "authorization"
    assert rules["all"]["category"] == "visa"
    assert rules["any"]["changes"]["AZE"]["access"] == "gain"
    assert data["union"]["in_force"] is False


def test_compare_prints_tables_for_people(cta: Runner) -> None:
    ran = cta("policy", "compare", "--nationality", "CHN", "--on", "2027-01-01")
    assert ran.code == 0, ran.stderr
    assert "China (CHN) on 2027-01-01" in ran.stdout
    assert "30 days per entry" in ran.stdout or "30 per entry" in ran.stdout
    assert "access compared with today" in ran.stdout


def test_trip_json_counts_every_day(cta: Runner) -> None:
    ran = cta("policy", "trip", "--nationality", "USA", "--trip", "GEO:20,ARM:10,AZE:15",
              "--from", "2027-06-01", "--json")  # fmt: skip
    assert ran.code == 0, ran.stderr
    data = json.loads(ran.stdout)
    assert data["days"] == 45 and len(data["day_by_day"]) == 45
    assert data["legs"][1] == {"state": "ARM", "days": 10, "from": "2027-06-21", "to": "2027-06-30"}
    assert data["day_by_day"][44]["union"]["days_used"] == 45
    assert [s["needs"] for s in data["national"]["states"]] == [
        "nothing (visa-free, 365 days per entry)",
        "nothing (visa-free, 180 days in any 365)",
        "an e-visa before travel",
    ]


def test_trip_over_the_area_limit_is_flagged_day_by_day(cta: Runner) -> None:
    ran = cta("policy", "trip", "--nationality", "USA", "--trip", "GEO:60,ARM:40",
              "--from", "2027-06-01")  # fmt: skip
    assert ran.code == 0, ran.stderr
    assert "area: over the limit (90 days in any 180) on 10 day(s), from 2027-08-30" in ran.stdout
    assert "91 over" in ran.stdout


def test_impact_json_counts_nationalities_and_visitors(cta: Runner) -> None:
    ran = cta("policy", "impact", "--on", "2027-01-01", "--json")
    assert ran.code == 0, ran.stderr
    data = json.loads(ran.stdout)
    assert data["nationalities_counted"] == 254
    assert [r["rule"] for r in data["rules"]] == ["any", "majority", "all"]
    assert data["arrivals"]["GEO"]["total"] == 7_423_471
    for rule in data["rules"]:
        assert rule["visitors"]["total"] == 7_423_471 + 1_839_004 + 1_477_900
    assert data["rules"][2]["visitors"]["lose"] > data["rules"][0]["visitors"]["lose"]


def test_impact_prints_a_table_a_chart_and_the_sources(cta: Runner) -> None:
    ran = cta("policy", "impact", "--on", "2027-01-01")
    assert ran.code == 0, ran.stderr
    assert "visitors who gain / lose access" in ran.stdout
    assert "█" in ran.stdout
    assert "arrivals GEO: entries of foreign citizens, 2024, 7,423,471" in ran.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("compare", "--nationality", "XYZ"), "unknown nationality 'XYZ'"),
        (("compare", "--nationality", "USA", "--on", "2027-02-30"),
         "--on: '2027-02-30': expected a date as YYYY-MM-DD"),
        (("compare", "--nationality", "USA", "--on", "0999-01-01"), "outside 1900-01-01"),
        (("impact", "--on", "tomorrow"), "--on: 'tomorrow': expected a date"),
        (("trip", "--nationality", "USA", "--trip", "GEO20"), "is not STATE:DAYS"),
        (("trip", "--nationality", "USA", "--trip", "GEO:0"), "1 day or more, not 0"),
        (("trip", "--nationality", "USA", "--trip", "GEO:-5"), "1 day or more, not -5"),
        (("trip", "--nationality", "USA", "--trip", "FRA:5"), "FRA is not a member state"),
        (("trip", "--nationality", "USA", "--trip", "GEO:500,ARM:500"), "at most 730"),
        (("trip", "--nationality", "Atlantis", "--trip", "GEO:5"), "unknown nationality"),
        (("trip", "--nationality", "USA", "--trip", "GEO:5", "--from", "2027-13-01"),
         "--from: '2027-13-01': expected a date"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(cta: Runner, args: tuple[str, ...], says: str) -> None:
    ran = cta("policy", *args)
    assert ran.code == 2, (ran.stdout, ran.stderr)
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], ran.stderr
    assert ran.stdout == ""


@pytest.mark.parametrize("command", ["compare", "trip", "impact"])
def test_every_workbench_command_has_help(cta: Runner, command: str) -> None:
    ran = cta("policy", command, "--help")
    assert ran.code == 0 and "--json" in ran.stdout
