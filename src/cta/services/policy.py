"""Use cases on the regime files: show one, derive the union's categories, validate files."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from cta.domain.derive import DeriveRule, derive_categories
from cta.domain.regime import Category, NationalityRule, Regime, StayLimit
from cta.policy.countries import load_countries
from cta.policy.loader import load_regime, load_regime_file, shipped_regimes

__all__ = [
    "DerivedCategories",
    "RegimeView",
    "derive_union",
    "show_regime",
    "validate_regimes",
]

STATUS_QUO_PREFIX = "status-quo/"


@dataclass(frozen=True, slots=True)
class RegimeView:
    """One version of a regime as a person reads it: in force or not, counts, names."""

    regime: Regime
    on: date
    in_force: bool
    counts: Mapping[str, int]
    names: Mapping[str, str]  # code -> English name

    def as_dict(self) -> dict[str, Any]:
        r = self.regime
        return {
            "name": r.name,
            "title": r.title,
            "members": sorted(r.members),
            "on": self.on.isoformat(),
            "in_force": self.in_force,
            "effective_from": r.effective_from.isoformat(),
            "effective_to": r.effective_to.isoformat() if r.effective_to else None,
            "documents": {
                "member": sorted(r.documents.member_document_codes),
                "third_country": sorted(r.documents.tcn_document_codes),
                "max_age_years": r.documents.max_age_years,
                "min_validity_months": r.documents.min_validity_months,
            },
            "default": _rule_dict(r.default_rule),
            "counts": dict(self.counts),
            "nationalities": {
                code: {"name": self.names[code], **_rule_dict(rule)}
                for code, rule in sorted(r.rules.items())
            },
            "sources": [
                {
                    "title": s.title,
                    "url": s.url,
                    "retrieved": s.retrieved.isoformat() if s.retrieved else None,
                }
                for s in r.sources
            ],
        }


@dataclass(frozen=True, slots=True)
class DerivedCategories:
    """The union categories one derive rule gives, with a count per category."""

    rule: DeriveRule
    categories: Mapping[str, Category]
    counts: Mapping[str, int]
    names: Mapping[str, str]  # code -> English name

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "categories": {code: c.value for code, c in sorted(self.categories.items())},
            "counts": dict(self.counts),
        }


def stay_dict(stay: StayLimit | None) -> dict[str, int] | None:
    return None if stay is None else {"limit": stay.limit, "window": stay.window}


def _rule_dict(rule: NationalityRule) -> dict[str, Any]:
    """A rule as JSON: ``stay`` (limit in a window) and ``per_entry`` (longest single stay)."""
    return {
        "category": rule.category.value,
        "stay": stay_dict(rule.stay),
        "per_entry": rule.per_entry,
        "note": rule.note,
    }


def _counts(categories: Iterable[Category]) -> dict[str, int]:
    counter = Counter(c.value for c in categories)
    return {c.value: counter[c.value] for c in Category if counter[c.value]}


def show_regime(name: str = "union-draft", on: date | None = None) -> RegimeView:
    """The version of a shipped regime in force on a date (today), or as if it were."""
    on = on or date.today()
    series = load_regime(name)
    current = series.in_force_on(on)
    regime = current or series.as_if_on(on)
    countries = load_countries()
    return RegimeView(
        regime=regime,
        on=on,
        in_force=current is not None,
        counts=_counts(rule.category for rule in regime.rules.values()),
        names={code: countries.name(code) for code in regime.rules},
    )


def derive_union(rule: DeriveRule = "any", on: date | None = None) -> DerivedCategories:
    """The union categories derived from every shipped status-quo regime as on a date."""
    on = on or date.today()
    status_quo: dict[str, Regime] = {}
    for name in shipped_regimes():
        if name.startswith(STATUS_QUO_PREFIX):
            regime = load_regime(name).as_if_on(on)
            status_quo[name.removeprefix(STATUS_QUO_PREFIX)] = regime
    countries = load_countries()
    categories = derive_categories(status_quo, rule, countries.codes)
    names = {code: countries.name(code) for code in categories}
    return DerivedCategories(rule, categories, _counts(categories.values()), names)


def validate_regimes(paths: Iterable[str | Path] = ()) -> list[str]:
    """Load the given files, or every shipped one; PolicyError at the first problem."""
    paths = list(paths)
    if not paths:
        for name in shipped_regimes():
            load_regime(name)
        return shipped_regimes()
    for path in paths:
        load_regime_file(path)
    return [str(p) for p in paths]
