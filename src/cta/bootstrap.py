"""Builds what the entry points need from one place: reference data and the regimes.

Settings come with the node (the next issue); today the CLI needs only the shipped country table
and policy files, each read and validated once per process.
"""

from __future__ import annotations

from dataclasses import dataclass

from cta.domain.countries import CountryTable
from cta.domain.regime import RegimeSeries
from cta.policy.countries import load_countries
from cta.policy.loader import load_regime

__all__ = ["Reference", "reference"]


@dataclass(frozen=True)
class Reference:
    """Reference data every use case reads: countries and the shipped regimes."""

    countries: CountryTable

    def regime(self, name: str) -> RegimeSeries:
        return load_regime(name)


def reference() -> Reference:
    return Reference(countries=load_countries())
