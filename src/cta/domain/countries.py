"""Countries and the other codes ICAO Doc 9303 allows for nationality and issuing state.

The table itself is data (`cta/data/countries.csv`), loaded by `cta.policy.countries`.

Names are compared as ``name_key`` folds them: case, spacing, and the Russian ё written as е.
Russian writes ё optionally, and the shipped names use both (the iso-codes catalogue has
"Соединённые штаты" beside "Соединенные штаты Малых Удаленных островов"): a picker that told
them apart chose the Minor Outlying Islands for someone typing "Соединенные" and sorted the
United States after them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

__all__ = ["NOT_IN_MRZ", "Country", "CountryKind", "CountryTable", "name_key"]

CountryKind = Literal["iso", "icao"]


@dataclass(frozen=True, slots=True)
class Country:
    """One three-letter code as used in an MRZ (or 'D' for Germany), with its names."""

    code: str
    alpha2: str
    numeric: str
    kind: CountryKind
    names: Mapping[str, str]

    def name(self, lang: str = "en") -> str:
        """The name in `lang` ('en', 'az', 'hy', 'ka', 'ru'), or in English if there is none."""
        return self.names.get(lang) or self.names["en"]


def name_key(text: str) -> str:
    """A name as a picker matches and sorts it: case folded, ё as е, spaces collapsed."""
    return " ".join(text.casefold().replace("ё", "е").split())


# Codes of the table that an MRZ never carries, and the ICAO code it carries instead
# (Doc 9303 Part 3 §5: Germany is 'D'; Kosovo's documents read 'RKS', XKX is a user code).
NOT_IN_MRZ: Mapping[str, str] = MappingProxyType({"DEU": "D", "XKX": "RKS"})


class CountryTable:
    """All codes a document may carry for nationality or issuing state, looked up by code."""

    __slots__ = ("_by_code", "codes", "mrz_codes")

    def __init__(self, countries: Iterable[Country]) -> None:
        by_code: dict[str, Country] = {}
        for country in countries:
            if country.code in by_code:
                raise ValueError(f"country code {country.code} appears twice")
            by_code[country.code] = country
        self._by_code: Mapping[str, Country] = MappingProxyType(by_code)
        self.codes: frozenset[str] = frozenset(by_code)
        self.mrz_codes: frozenset[str] = self.codes - NOT_IN_MRZ.keys()

    def get(self, code: str) -> Country | None:
        """The country with this code, or None if the code is unknown."""
        return self._by_code.get(code)

    def name(self, code: str, lang: str = "en") -> str:
        """The name of the country with this code; KeyError if the code is unknown."""
        country = self._by_code.get(code)
        if country is None:
            raise KeyError(f"unknown country code {code!r}")
        return country.name(lang)

    def find(self, text: str) -> str | None:
        """The code typed (any case), or the code of the country named ``text`` in any of the
        table's languages (as ``name_key`` compares names); None if there is none."""
        typed = text.strip().upper()
        if typed in self._by_code:
            return typed
        wanted = name_key(text)
        for code in sorted(self._by_code):
            if any(name_key(name) == wanted for name in self._by_code[code].names.values()):
                return code
        return None

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __len__(self) -> int:
        return len(self._by_code)

    def __iter__(self) -> Iterator[Country]:
        return iter(self._by_code.values())
