"""The reference data every use case reads: the country table and the shipped regimes.

Apart from ``cta.bootstrap`` (which re-exports it) so that a command needing no database
(``cta mrz``, ``cta check``, ``cta demo``) does not import the storage layer to get it.
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
