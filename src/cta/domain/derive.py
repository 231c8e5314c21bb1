"""Derive the union's nationality categories from today's national regimes.

The programme wants a visitor admitted to one republic to travel freely through all three, so
a nationality that is visa-free today is a candidate for the union's ``authorization``; the
rule says in how many member states it must be visa-free today:

- ``any``: in at least one member state (the default);
- ``majority``: in more than half of them (two of three);
- ``all``: in every one of them.

Every other nationality gets ``visa``: those visa-free in too few member states, those no
national regime lists, and stateless persons and refugees (ICAO codes XXA, XXB, XXC, XXX),
whatever the national regimes say of them. Member nationals are left out: they move freely.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Literal, get_args

from cta.domain.regime import Category, Regime

__all__ = [
    "DERIVE_RULES",
    "STATELESS_AND_REFUGEE_CODES",
    "DeriveRule",
    "derive_categories",
    "visa_free_in",
]

DeriveRule = Literal["any", "all", "majority"]
DERIVE_RULES: tuple[DeriveRule, ...] = get_args(DeriveRule)
STATELESS_AND_REFUGEE_CODES = frozenset({"XXA", "XXB", "XXC", "XXX"})


def visa_free_in(status_quo: Mapping[str, Regime], nationality: str) -> int:
    """In how many of the regimes a nationality is listed as visa-free (unlisted: not)."""
    return sum(
        1
        for regime in status_quo.values()
        if nationality in regime.rules and regime.rules[nationality].category.is_visa_free
    )


def _qualifies(count: int, members: int, rule: DeriveRule) -> bool:
    if rule == "any":
        return count >= 1
    if rule == "all":
        return count == members
    return 2 * count > members


def derive_categories(
    status_quo: Mapping[str, Regime], rule: DeriveRule, codes: Iterable[str]
) -> dict[str, Category]:
    """The union category of every code but the members' own: authorization or visa."""
    if rule not in DERIVE_RULES:
        raise ValueError(f"unknown derive rule {rule!r}: use one of {', '.join(DERIVE_RULES)}")
    members = frozenset(status_quo).union(*(r.members for r in status_quo.values()))
    derived: dict[str, Category] = {}
    for code in sorted(set(codes) - members):
        count = 0 if code in STATELESS_AND_REFUGEE_CODES else visa_free_in(status_quo, code)
        qualifies = bool(status_quo) and _qualifies(count, len(status_quo), rule)
        derived[code] = Category.AUTHORIZATION if qualifies else Category.VISA
    return derived
