"""Screening rules as data: the shipped file loads, rules match on their facts only, and a rule
weighing a forbidden or unknown fact is refused by name."""

from __future__ import annotations

import pytest

from cta.domain.errors import PolicyError
from cta.domain.screening_rules import ScreeningRule, match_rules
from cta.policy.screening_rules import load_shipped_rules, parse_rules

HEADER = """\
version = "t1"
effective_from = 2026-12-01

[[sources]]
id = "s"
title = "a source"
"""


def rules(body: str) -> str:
    return HEADER + body


RULE = """
[[rule]]
id = "r1"
facts = ["occupation", "age"]
when = { occupation = ["Pilot"], age = [18, 30] }
reason = "a reason"
sources = ["s"]
"""


def test_the_shipped_rules_load_with_version_date_and_sources() -> None:
    shipped = load_shipped_rules()
    assert shipped.version and shipped.effective_from.year >= 2026
    assert shipped.rules and all(rule.sources for rule in shipped.rules)


def test_a_rule_matches_when_every_fact_it_weighs_matches() -> None:
    [rule] = parse_rules(rules(RULE), file="t.toml").rules
    assert rule.facts == ("age", "occupation")
    assert rule.matches({"occupation": " pilot ", "age": 30})
    assert not rule.matches({"occupation": "pilot", "age": 31})
    assert not rule.matches({"occupation": "teacher", "age": 20})
    assert not rule.matches({"age": 20})  # a fact not given never matches


def test_a_yes_answer_matches_a_boolean_rule_and_a_no_does_not() -> None:
    rule = ScreeningRule("r", "why", {"answers.conflict_zones": (True,)})
    assert match_rules([rule], {"answers.conflict_zones": True})[0].rule_id == "r"
    assert match_rules([rule], {"answers.conflict_zones": False}) == []


def test_a_rule_on_a_list_fact_matches_any_of_its_values() -> None:
    rule = ScreeningRule("r", "why", {"other_nationalities": ("IRN",)})
    assert rule.matches({"other_nationalities": ["FRA", "IRN"]})
    assert not rule.matches({"other_nationalities": []})


@pytest.mark.parametrize("fact", ["religion", "ethnic_origin", "political_opinion", "health",
                                  "sexual_life", "trade_union_membership", "birth_place"])
def test_a_rule_weighing_a_special_category_is_refused_naming_rule_and_fact(fact: str) -> None:
    body = RULE.replace('"occupation", "age"', f'"{fact}"').replace(
        'occupation = ["Pilot"], age = [18, 30]', f'{fact} = ["x"]')
    with pytest.raises(PolicyError, match=f"rule 'r1' is refused: '{fact}' may never be weighed"):
        parse_rules(rules(body), file="t.toml")


def test_a_rule_weighing_an_unknown_fact_is_refused() -> None:
    body = RULE.replace('"occupation", "age"', '"shoe_size"').replace(
        'occupation = ["Pilot"], age = [18, 30]', 'shoe_size = [44]')
    with pytest.raises(PolicyError, match="'shoe_size' is not a fact a rule may weigh"):
        parse_rules(rules(body), file="t.toml")


def test_a_rule_must_name_every_fact_its_condition_uses() -> None:
    body = RULE.replace('"occupation", "age"', '"occupation"')
    with pytest.raises(PolicyError, match="exactly the facts it weighs"):
        parse_rules(rules(body), file="t.toml")


@pytest.mark.parametrize(("change", "words"), [
    (('version = "t1"\n', ""), "version"),
    (("effective_from = 2026-12-01\n", ""), "effective_from"),
    (('sources = ["s"]', 'sources = ["nowhere"]'), "sources cites"),
    (('reason = "a reason"', 'reason = ""'), "reason"),
    (("age = [18, 30]", "age = [18]"), "when.age is a range"),
])  # fmt: skip
def test_a_bad_rules_file_is_refused_saying_what(change: tuple[str, str], words: str) -> None:
    with pytest.raises(PolicyError, match=words):
        parse_rules(rules(RULE).replace(*change), file="t.toml")


def test_a_rule_id_given_twice_is_refused() -> None:
    with pytest.raises(PolicyError, match="given twice"):
        parse_rules(rules(RULE + RULE), file="t.toml")
