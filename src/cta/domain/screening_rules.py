"""Screening rules for applications: which facts a rule may weigh, and matching.

ETIAS Regulation (EU) 2018/1240 Art. 33(4) lists what a screening rule may combine (age range,
sex, nationality, country and city of residence, level of education, current occupation), and
Art. 33(5) forbids rules on race or ethnic origin, political opinions, religion or
philosophical beliefs, trade union membership, sexual life or sexual orientation (GDPR Art. 9
adds health, genetic and biometric data). Here the allowed facts are a closed list: a rule
weighing anything else is refused, whether it is named as forbidden or simply unknown.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

__all__ = [
    "ALLOWED_FACTS",
    "FORBIDDEN_FACTS",
    "RuleMatch",
    "RuleSet",
    "ScreeningRule",
    "fact_problem",
    "match_rules",
]

# the facts of an application a rule may weigh (``answers.*``: the background questions)
ALLOWED_FACTS = frozenset({
    "kind", "nationality", "other_nationalities", "sex", "age", "residence_country",
    "residence_city", "education", "occupation", "first_state", "purpose",
    "answers.convictions", "answers.conflict_zones", "answers.removal_orders",
})  # fmt: skip
# named so that the refusal says why (special categories of personal data)
FORBIDDEN_FACTS = frozenset({
    "ethnicity", "ethnic_origin", "race", "religion", "belief", "political_opinion",
    "trade_union", "trade_union_membership", "health", "disability", "sexual_life",
    "sexual_orientation", "genetic_data", "biometric_data", "birth_place", "language",
    "surname", "given_names",
})  # fmt: skip


def fact_problem(fact: str) -> str | None:
    """Why a rule may not weigh ``fact`` (None: it may)."""
    if fact in ALLOWED_FACTS:
        return None
    if fact in FORBIDDEN_FACTS:
        return (f"{fact!r} may never be weighed: screening on ethnic origin, religion, political "
                "opinion, health, sexual life, trade-union membership and the like is forbidden "
                "(ETIAS Art. 33(5), GDPR Art. 9); names and birth places stand in for them")
    return f"{fact!r} is not a fact a rule may weigh (allowed: {', '.join(sorted(ALLOWED_FACTS))})"


@dataclass(frozen=True, slots=True)
class ScreeningRule:
    """Matches when every fact it weighs has one of its values (``age``: a [min, max] range)."""

    id: str
    reason: str  # what an officer reads when it matches
    when: Mapping[str, tuple[str | int | bool, ...]]
    sources: tuple[str, ...] = ()

    @property
    def facts(self) -> tuple[str, ...]:
        return tuple(sorted(self.when))

    def matches(self, facts: Mapping[str, object]) -> bool:
        return all(_fact_matches(name, values, facts.get(name))
                   for name, values in self.when.items())  # fmt: skip


def _fact_matches(name: str, values: tuple[str | int | bool, ...], actual: object) -> bool:
    if actual is None:
        return False
    if name == "age":
        low, high = values
        return isinstance(actual, int) and int(low) <= actual <= int(high)
    if isinstance(actual, (list, tuple)):
        return any(_fact_matches(name, values, one) for one in actual)
    if isinstance(actual, bool) or any(isinstance(v, bool) for v in values):
        return actual in values
    wanted = {str(v).strip().casefold() for v in values}
    return str(actual).strip().casefold() in wanted


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A dated, versioned, sourced set of rules (``cta.policy.screening_rules``)."""

    version: str
    effective_from: date
    rules: tuple[ScreeningRule, ...]


@dataclass(frozen=True, slots=True)
class RuleMatch:
    rule_id: str
    reason: str
    facts: tuple[str, ...]


def match_rules(rules: Sequence[ScreeningRule], facts: Mapping[str, object]) -> list[RuleMatch]:
    """The rules an application's facts match, in the rules' order."""
    return [RuleMatch(r.id, r.reason, r.facts) for r in rules if r.matches(facts)]
