"""Deriving the union's categories from today's national regimes: any, majority, all."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.derive import DERIVE_RULES, DeriveRule, derive_categories, visa_free_in
from cta.domain.regime import Category, NationalityRule, Regime
from cta.policy.countries import load_countries
from cta.services.policy import derive_union

MEMBERS = ("AZE", "ARM", "GEO")
FREE = Category.VISA_EXEMPT
AUTH = Category.AUTHORIZATION
VISA = Category.VISA


def regime(member: str, categories: dict[str, Category]) -> Regime:
    return Regime(
        name=f"status-quo/{member}",
        members=frozenset({member}),
        effective_from=date(2025, 1, 12),
        effective_to=None,
        rules={code: NationalityRule(c) for code, c in categories.items()},
        default_rule=NationalityRule(VISA),
    )


def status_quo(
    aze: dict[str, Category], arm: dict[str, Category], geo: dict[str, Category]
) -> dict[str, Regime]:
    return {"AZE": regime("AZE", aze), "ARM": regime("ARM", arm), "GEO": regime("GEO", geo)}


SMALL = status_quo(
    {"RUS": FREE, "USA": Category.E_VISA, "GEO": FREE, "ARM": Category.NO_ADMISSION},
    {"RUS": FREE, "USA": FREE, "GEO": FREE, "AZE": FREE},
    {"RUS": FREE, "USA": FREE, "PER": FREE, "IND": Category.E_VISA, "XXA": FREE},
)
CODES = ("RUS", "USA", "PER", "IND", "XXA", "NZL", "AZE", "ARM", "GEO")


def test_a_nationality_visa_free_only_in_georgia_gets_authorization_under_any() -> None:
    assert derive_categories(SMALL, "any", CODES)["PER"] is AUTH


def test_a_nationality_visa_free_only_in_georgia_gets_visa_under_majority_and_all() -> None:
    assert derive_categories(SMALL, "majority", CODES)["PER"] is VISA
    assert derive_categories(SMALL, "all", CODES)["PER"] is VISA


def test_a_nationality_visa_free_in_two_members_gets_authorization_under_majority() -> None:
    assert derive_categories(SMALL, "majority", CODES)["USA"] is AUTH
    assert derive_categories(SMALL, "all", CODES)["USA"] is VISA


def test_a_nationality_visa_free_in_all_members_gets_authorization_under_all() -> None:
    assert derive_categories(SMALL, "all", CODES)["RUS"] is AUTH


def test_an_e_visa_everywhere_is_not_visa_free() -> None:
    assert derive_categories(SMALL, "any", CODES)["IND"] is VISA


def test_a_code_no_status_quo_lists_gets_visa() -> None:
    assert derive_categories(SMALL, "any", CODES)["NZL"] is VISA


def test_stateless_persons_get_visa_even_where_a_member_lists_them_visa_free() -> None:
    assert visa_free_in(SMALL, "XXA") == 1
    assert derive_categories(SMALL, "any", CODES)["XXA"] is VISA


def test_member_nationals_are_not_in_the_derived_table() -> None:
    derived = derive_categories(SMALL, "any", CODES)
    assert not {"AZE", "ARM", "GEO"} & set(derived)


def test_an_unknown_rule_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown derive rule"):
        derive_categories(SMALL, "most", CODES)  # type: ignore[arg-type]


category_maps = st.dictionaries(
    st.sampled_from(CODES), st.sampled_from(list(Category)), max_size=len(CODES)
)


@given(category_maps, category_maps, category_maps)
def test_all_gives_no_more_authorizations_than_majority_and_majority_no_more_than_any(
    aze: dict[str, Category], arm: dict[str, Category], geo: dict[str, Category]
) -> None:
    sq = status_quo(aze, arm, geo)
    granted = {
        rule: {c for c, cat in derive_categories(sq, rule, CODES).items() if cat is AUTH}
        for rule in DERIVE_RULES
    }
    assert granted["all"] <= granted["majority"] <= granted["any"]


@given(category_maps, category_maps, category_maps, st.sampled_from(DERIVE_RULES))
def test_derive_agrees_with_counting_by_hand(
    aze: dict[str, Category],
    arm: dict[str, Category],
    geo: dict[str, Category],
    rule: DeriveRule,
) -> None:
    sq = {"AZE": aze, "ARM": arm, "GEO": geo}
    need = {"any": 1, "majority": 2, "all": 3}[rule]
    derived = derive_categories(status_quo(aze, arm, geo), rule, CODES)
    for code, category in derived.items():
        free = sum(1 for m in sq.values() if code in m and m[code].is_visa_free)
        expected = AUTH if free >= need and code != "XXA" else VISA
        assert category is expected, code


def test_on_the_shipped_data_americans_get_authorization_under_any() -> None:
    assert derive_union("any").categories["USA"] is AUTH


def test_on_the_shipped_data_americans_get_visa_under_all_as_azerbaijan_asks_an_e_visa() -> None:
    assert derive_union("all").categories["USA"] is VISA


def test_on_the_shipped_data_stateless_persons_get_visa_and_members_are_absent() -> None:
    derived = derive_union("any").categories
    assert derived["XXA"] is VISA
    assert "AZE" not in derived


def test_on_the_shipped_data_every_other_code_of_the_country_table_has_a_category() -> None:
    derived = derive_union("any").categories
    assert set(derived) == load_countries().codes - set(MEMBERS)


def test_on_the_shipped_data_the_counts_per_rule_are_those_in_the_docs() -> None:
    counts = {rule: derive_union(rule).counts["authorization"] for rule in DERIVE_RULES}
    assert counts == {"any": 100, "majority": 68, "all": 14}
