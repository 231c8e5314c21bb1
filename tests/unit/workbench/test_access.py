"""Access levels, gains and losses, and the union derived again under another rule."""

from __future__ import annotations

from collections import Counter
from datetime import date

from cta.domain.access import (
    Change,
    burden,
    change_between,
    max_stay,
    needs_new_authorization,
    stay_change,
    union_under_rule,
    what_to_obtain,
)
from cta.domain.regime import Category, NationalityRule, StayLimit
from cta.policy.loader import load_regime

ON = date(2027, 1, 1)
FREE = NationalityRule(Category.FREE_MOVEMENT)
YEAR = NationalityRule(Category.VISA_EXEMPT, per_entry=365)
SCHENGEN = StayLimit(90, 180)
AUTH = NationalityRule(Category.AUTHORIZATION, SCHENGEN)
VISA = NationalityRule(Category.VISA, SCHENGEN)
E_VISA = NationalityRule(Category.E_VISA)


def test_levels_go_from_free_movement_to_no_admission() -> None:
    order = [Category.FREE_MOVEMENT, Category.VISA_EXEMPT, Category.E_VISA, Category.VISA,
             Category.NO_ADMISSION]  # fmt: skip
    assert [burden(c) for c in order] == [0, 1, 2, 3, 4]
    assert burden(Category.AUTHORIZATION) == burden(Category.VISA_EXEMPT)
    assert burden(Category.VISA_ON_ARRIVAL) == burden(Category.E_VISA)


def test_an_e_visa_replaced_by_an_authorisation_gains_access() -> None:
    assert change_between(E_VISA, AUTH) is Change.GAIN


def test_an_e_visa_replaced_by_a_consulate_visa_loses_access() -> None:
    assert change_between(E_VISA, VISA) is Change.LOSE


def test_a_year_visa_free_becoming_an_authorisation_keeps_access_but_shortens_the_stay() -> None:
    assert change_between(YEAR, AUTH) is Change.SAME
    assert stay_change(YEAR, AUTH) is Change.LOSE
    assert needs_new_authorization(YEAR, AUTH)


def test_free_movement_is_a_gain_of_access_and_of_stay() -> None:
    assert change_between(YEAR, FREE) is Change.GAIN
    assert stay_change(YEAR, FREE) is Change.GAIN


def test_a_stay_set_by_a_visa_is_not_compared() -> None:
    assert stay_change(E_VISA, VISA) is Change.SAME


def test_the_longest_single_stay_is_the_smaller_of_the_limit_and_per_entry() -> None:
    china = NationalityRule(Category.VISA_EXEMPT, SCHENGEN, per_entry=30)
    assert max_stay(china) == 30
    assert max_stay(YEAR) == 365
    assert max_stay(AUTH) == 90
    assert max_stay(E_VISA) is None
    assert max_stay(NationalityRule(Category.NO_ADMISSION)) == 0


def test_what_to_obtain_is_said_in_words() -> None:
    assert what_to_obtain(YEAR) == "nothing (visa-free, 365 days per entry)"
    assert what_to_obtain(E_VISA) == "an e-visa before travel"
    assert what_to_obtain(VISA, union=True) == (
        "a common visa from a consulate before the first entry"
    )
    assert what_to_obtain(AUTH, union=True).startswith("a travel authorisation before the first")


def test_the_union_derived_again_gives_the_documented_counts_under_each_rule() -> None:
    union = load_regime("union-draft").as_if_on(ON)
    status_quo = {m: load_regime(f"status-quo/{m}").as_if_on(ON) for m in ("AZE", "ARM", "GEO")}
    counts = {
        rule: Counter(r.category for r in union_under_rule(union, status_quo, rule).rules.values())
        for rule in ("any", "majority", "all")
    }
    assert counts["any"][Category.AUTHORIZATION] == 100  # docs/policy.md, the derivation table
    assert counts["majority"][Category.AUTHORIZATION] == 68
    assert counts["all"][Category.AUTHORIZATION] == 14


def test_explicit_groups_of_the_file_are_kept_and_stays_too() -> None:
    union = load_regime("union-draft").as_if_on(ON)
    status_quo = {m: load_regime(f"status-quo/{m}").as_if_on(ON) for m in ("AZE", "ARM", "GEO")}
    under_all = union_under_rule(union, status_quo, "all")
    assert under_all.rule_for("XXA").category is Category.VISA
    assert under_all.rule_for("USA").category is Category.VISA
    assert under_all.rule_for("USA").stay == SCHENGEN
    assert under_all.rule_for("RUS").category is Category.AUTHORIZATION
