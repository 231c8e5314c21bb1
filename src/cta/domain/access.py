"""Access: what a nationality must obtain to enter, and whether a regime change gains or loses it.

The workbench sets today's national regimes beside the union's. A nationality *gains* access
to a state when it needs less to enter it, *loses* when it needs more; the levels of access
(what a traveller must obtain before crossing) are:

| level | categories |
| ---: | --- |
| 0 | ``free_movement`` (member nationals: no visa, no stay limit) |
| 1 | ``visa_exempt``, ``authorization`` (no visa; an authorisation is applied for online) |
| 2 | ``e_visa``, ``visa_on_arrival`` (a visa, but no consulate) |
| 3 | ``visa`` (a visa from a consulate; in the union the common visa) |
| 4 | ``no_admission`` |

Two smaller changes are told apart and counted beside: a travel authorisation newly needed
(``visa_exempt`` to ``authorization``), and a longer or shorter longest single stay
(``max_stay``, when both are known).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType

from cta.domain.derive import DeriveRule, derive_categories
from cta.domain.regime import Category, NationalityRule, Regime

__all__ = [
    "DERIVED_NOTE_PREFIX",
    "Access",
    "Change",
    "access_of",
    "burden",
    "change_between",
    "max_stay",
    "needs_new_authorization",
    "stay_change",
    "stay_words",
    "union_under_rule",
    "what_to_obtain",
]

# The loader marks the rules it derived with this prefix (cta.policy.loader._derived_rules).
DERIVED_NOTE_PREFIX = "derived:"

_BURDEN: Mapping[Category, int] = MappingProxyType(
    {
        Category.FREE_MOVEMENT: 0,
        Category.VISA_EXEMPT: 1,
        Category.AUTHORIZATION: 1,
        Category.E_VISA: 2,
        Category.VISA_ON_ARRIVAL: 2,
        Category.VISA: 3,
        Category.NO_ADMISSION: 4,
    }
)


class Change(StrEnum):
    """How a nationality's access changes from one regime to another."""

    GAIN = "gain"
    SAME = "same"
    LOSE = "lose"


def burden(category: Category) -> int:
    """The level of what must be obtained before crossing: 0 (free movement) to 4 (none)."""
    return _BURDEN[category]


def max_stay(rule: NationalityRule) -> int | None:
    """The longest single stay from scratch, in days; None when unlimited or set by a visa."""
    if rule.category is Category.NO_ADMISSION:
        return 0
    candidates = [n for n in (rule.per_entry, rule.stay.limit if rule.stay else None) if n]
    return min(candidates) if candidates else None


@dataclass(frozen=True, slots=True)
class Access:
    """A nationality's rule in one regime, with what a traveller must do about it."""

    regime: str
    rule: NationalityRule

    @property
    def category(self) -> Category:
        return self.rule.category

    @property
    def needs(self) -> str:
        return what_to_obtain(self.rule)


def access_of(regime: Regime, nationality: str) -> Access:
    return Access(regime.name, regime.rule_for(nationality))


def stay_words(rule: NationalityRule) -> str:
    """``90 days in any 180``, ``365 days per entry``, both, ``no limit`` or ``set by the visa``."""
    if rule.category is Category.FREE_MOVEMENT:
        return "no limit"
    parts = [] if rule.stay is None else [f"{rule.stay.limit} days in any {rule.stay.window}"]
    if rule.per_entry is not None:
        parts.append(f"{rule.per_entry} per entry" if parts else f"{rule.per_entry} days per entry")
    if parts:
        return "; ".join(parts)
    return "set by the visa" if rule.category.needs_visa else "no limit"


def what_to_obtain(rule: NationalityRule, *, union: bool = False) -> str:
    """What a traveller must obtain, in words: ``nothing (visa-free, ...)``, ``an e-visa ...``."""
    category = rule.category
    before = "before the first entry" if union else "before travel"
    if category is Category.FREE_MOVEMENT:
        return "nothing (free movement)"
    if category is Category.VISA_EXEMPT:
        return f"nothing (visa-free, {stay_words(rule)})"
    if category is Category.AUTHORIZATION:
        return f"a travel authorisation {before} ({stay_words(rule)})"
    if category is Category.E_VISA:
        return "an e-visa before travel"
    if category is Category.VISA_ON_ARRIVAL:
        return "a visa on arrival at the border"
    if category is Category.VISA:
        visa = "a common visa from a consulate" if union else "a visa from a consulate"
        return f"{visa} {before}"
    return "not admitted"


def change_between(before: NationalityRule, after: NationalityRule) -> Change:
    """Gain, same or lose access: by the level of what must be obtained before crossing."""
    old, new = burden(before.category), burden(after.category)
    if new == old:
        return Change.SAME
    return Change.GAIN if new < old else Change.LOSE


def stay_change(before: NationalityRule, after: NationalityRule) -> Change:
    """A longer (gain) or shorter (lose) longest single stay; same when either is unknown
    (set by a visa) or when either is not admitted."""
    old, new = _stay_length(before), _stay_length(after)
    if old is None or new is None or old == new or not (old and new):
        return Change.SAME
    return Change.GAIN if new > old else Change.LOSE


def _stay_length(rule: NationalityRule) -> float | None:
    """max_stay, with "no limit" as infinity and "set by a visa" as None."""
    days = max_stay(rule)
    if days is not None:
        return float(days)
    return math.inf if rule.category.is_visa_free else None


def needs_new_authorization(before: NationalityRule, after: NationalityRule) -> bool:
    """Visa-free without anything before, an authorisation after."""
    return before.category is Category.VISA_EXEMPT and after.category is Category.AUTHORIZATION


def union_under_rule(union: Regime, status_quo: Mapping[str, Regime], rule: DeriveRule) -> Regime:
    """The union's version with its derived categories derived again under ``rule``.

    Explicit groups of the file (rules whose note is not the loader's ``derived:``) stay as
    they are; the stay limits of derived rules (the version's area-wide stay) are kept.
    """
    derived = derive_categories(status_quo, rule, union.rules)
    rules: dict[str, NationalityRule] = {}
    for code, current in union.rules.items():
        if current.note.startswith(DERIVED_NOTE_PREFIX) and code in derived:
            note = f"{DERIVED_NOTE_PREFIX} rule {rule!r} (workbench)"
            rules[code] = replace(current, category=derived[code], note=note)
        else:
            rules[code] = current
    return replace(union, rules=MappingProxyType(rules))
