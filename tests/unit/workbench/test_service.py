"""The workbench over the shipped regime files: what their facts give for a nationality, a
trip and the aggregates (the numbers come from status-quo/*.toml and union-draft.toml)."""

from __future__ import annotations

from datetime import date

import pytest

from cta.domain.errors import InvalidInputError
from cta.services.workbench import (
    compare_nationality,
    counted_nationalities,
    measure_impact,
    plan_trip,
    resolve_nationality,
)

ON = date(2027, 1, 1)


def _states(data: dict[str, object]) -> dict[str, dict[str, object]]:
    return {row["state"]: row for row in data["states"]}  # type: ignore[attr-defined,index]


def _rules(data: dict[str, object]) -> dict[str, dict[str, object]]:
    return {row["rule"]: row for row in data["union"]["rules"]}  # type: ignore[index]


def test_a_us_national_needs_an_e_visa_for_azerbaijan_and_nothing_for_georgia_today() -> None:
    data = compare_nationality("USA", date(2026, 11, 29)).as_dict()
    states = _states(data)
    assert states["AZE"]["category"] == "e_visa"
    assert states["AZE"]["needs"] == "an e-visa before travel"
    assert states["GEO"]["needs"] == "nothing (visa-free, 365 days per entry)"
    assert states["ARM"]["stay"] == {"limit": 180, "window": 365}
    assert data["union"]["in_force"] is False  # type: ignore[index]


def test_a_us_national_gains_azerbaijan_under_any_and_loses_all_three_under_all() -> None:
    rules = _rules(compare_nationality("usa", ON).as_dict())
    assert rules["any"]["category"] == "authorization"
    assert rules["any"]["changes"]["AZE"]["access"] == "gain"  # type: ignore[index]
    georgia = rules["any"]["changes"]["GEO"]  # type: ignore[index]
    assert georgia == {"access": "same", "stay": "lose", "new_authorization": True}
    assert rules["all"]["category"] == "visa"
    assert {c["access"] for c in rules["all"]["changes"].values()} == {"lose"}  # type: ignore[attr-defined]


def test_a_russian_national_is_visa_free_under_every_rule() -> None:
    rules = _rules(compare_nationality("RUS", ON).as_dict())
    assert {r["category"] for r in rules.values()} == {"authorization"}


def test_an_indian_national_needs_a_common_visa_under_every_rule() -> None:
    data = compare_nationality("India", ON).as_dict()
    assert data["nationality"] == "IND"
    rules = _rules(data)
    assert {r["category"] for r in rules.values()} == {"visa"}
    assert rules["any"]["changes"]["GEO"]["access"] == "lose"  # type: ignore[index]


def test_a_member_national_moves_freely_under_the_union() -> None:
    data = compare_nationality("ARM", ON).as_dict()
    assert data["member_national"] is True
    assert _states(data)["AZE"]["category"] == "no_admission"
    rules = _rules(data)
    assert rules["all"]["category"] == "free_movement"
    assert set(rules["all"]["changes"]) == {"AZE", "GEO"}  # type: ignore[arg-type]
    assert rules["all"]["changes"]["AZE"]["access"] == "gain"  # type: ignore[index]


def test_an_unknown_nationality_is_refused_in_words() -> None:
    with pytest.raises(InvalidInputError, match="unknown nationality 'Atlantis'"):
        resolve_nationality("Atlantis")


def test_german_passports_read_d_and_deu_alike() -> None:
    assert _rules(compare_nationality("D", ON).as_dict())["any"]["category"] == "authorization"


def test_a_trip_of_45_days_is_possible_everywhere_and_counts_45_area_days() -> None:
    data = plan_trip("USA", "GEO:20,ARM:10,AZE:15", date(2027, 6, 1)).as_dict()
    assert data["national"]["possible"] is True
    assert data["national"]["notes"] == [
        "AZE: the stay allowed is set by the visa; check its duration"
    ]
    last = data["day_by_day"][-1]
    assert last == {
        "date": "2027-07-15",
        "state": "AZE",
        "national": {"days_used": None, "stay_day": 15, "over": False},
        "union": {"days_used": 45, "stay_day": 45, "over": False},
    }
    armenia_day_10 = data["day_by_day"][29]
    assert armenia_day_10["national"] == {"days_used": 10, "stay_day": 10, "over": False}
    assert [r["possible"] for r in data["union"]["rules"]] == [True, True, True]


def test_100_days_in_georgia_and_armenia_are_fine_today_and_too_long_in_the_union() -> None:
    data = plan_trip("USA", "GEO:60,ARM:40", date(2027, 6, 1)).as_dict()
    assert data["national"]["possible"] is True
    for rule in data["union"]["rules"]:
        assert rule["possible"] is False and rule["over_days"] == 10
        assert rule["problems"] == [
            "area: over the limit (90 days in any 180) on 10 day(s), from 2027-08-30"
        ]


def test_a_chinese_national_breaks_georgias_30_days_a_visit_on_day_31() -> None:
    data = plan_trip("CHN", "GEO:31", date(2027, 6, 1)).as_dict()
    assert data["national"]["possible"] is False
    assert data["national"]["problems"] == [
        "GEO: over its limit (90 days in any 180; 30 per entry) on 1 day(s), from 2027-07-01"
    ]
    assert data["union"]["rules"][0]["possible"] is True


def test_an_armenian_is_refused_by_azerbaijan_today_and_moves_freely_in_the_union() -> None:
    data = plan_trip("ARM", "GEO:3,AZE:5", date(2027, 6, 1)).as_dict()
    assert data["national"]["problems"] == ["AZE: not admitted"]
    assert all(r["possible"] and r["category"] == "free_movement" for r in data["union"]["rules"])
    assert data["day_by_day"][-1]["union"] == {"days_used": None, "stay_day": 8, "over": False}


def test_254_nationalities_are_counted_once_each() -> None:
    codes = counted_nationalities()
    assert len(codes) == 254
    assert "DEU" in codes and "D" not in codes and "RKS" not in codes and "XXA" in codes


def test_the_aggregates_count_every_nationality_but_the_states_own_and_every_visitor() -> None:
    data = measure_impact(ON).as_dict()
    for rule in data["rules"]:
        assert sum(rule["nationalities"].values()) == 254
        assert rule["visitors"]["total"] == 7_423_471 + 1_839_004 + 1_477_900
        for state in rule["states"]:
            assert sum(state["nationalities"].values()) == 253
            v = state["visitors"]
            assert v["gain"] + v["same"] + v["lose"] + v["unattributed"] == v["total"]


def test_under_rule_all_georgia_keeps_russians_and_loses_turks_and_eu_citizens() -> None:
    data = measure_impact(ON).as_dict()
    (all_rule,) = [r for r in data["rules"] if r["rule"] == "all"]
    (georgia,) = [s for s in all_rule["states"] if s["state"] == "GEO"]
    figures = {f["code"]: f["access"] for f in georgia["figures"]}
    assert figures == {"RUS": "same", "TUR": "lose", "ARM": "gain", "EU27": "lose",
                       "ISR": "lose", "OTHER": None}  # fmt: skip
    assert georgia["visitors"]["lose"] == 1_489_300 + 466_300 + 361_000
    assert georgia["visitors"]["gain"] == 1_229_300  # Armenians: free movement
    assert georgia["visitors_shorter_stay"] == 1_883_000 + 1_489_300 + 466_300 + 361_000


def test_under_rule_any_no_visitor_of_georgia_loses_access() -> None:
    data = measure_impact(ON).as_dict()
    (georgia,) = [s for s in data["rules"][0]["states"] if s["state"] == "GEO"]
    assert data["rules"][0]["rule"] == "any"
    assert georgia["visitors"]["lose"] == 0
    assert "IND" in georgia["losers"] and "USA" not in georgia["losers"]


def test_the_aggregates_hold_for_a_past_date_with_the_union_shown_as_if_in_force() -> None:
    data = measure_impact(date(2020, 1, 1)).as_dict()
    assert data["union"]["in_force"] is False
    assert (
        data["rules"][0]["nationalities"]
        == measure_impact(ON).as_dict()["rules"][0]["nationalities"]
    )
