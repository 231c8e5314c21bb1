"""Load and validate the country table shipped in `cta/data/countries.csv`.

Source and date of the data: `cta/data/countries.md` (ISO 3166-1 via pycountry, ICAO Doc 9303
Part 3 8th ed. 2021 Section 5).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import cast

from cta.domain.countries import Country, CountryKind, CountryTable
from cta.domain.errors import PolicyError
from cta.policy.csv_tables import unique_by_code

__all__ = ["COLUMNS", "LANGUAGES", "load_countries", "parse_countries", "parse_country_row"]

COLUMNS = (
    "code",
    "alpha2",
    "numeric",
    "kind",
    "name_en",
    "name_az",
    "name_hy",
    "name_ka",
    "name_ru",
)
LANGUAGES = ("en", "az", "hy", "ka", "ru")
DATA_FILE = "countries.csv"

_CODE = re.compile(r"[A-Z]{3}|D")
_ALPHA2 = re.compile(r"([A-Z]{2})?")
_NUMERIC = re.compile(r"([0-9]{3})?")
_KINDS = ("iso", "icao")


@cache
def load_countries() -> CountryTable:
    """The country table shipped with CTA, read and validated once per process."""
    text = resources.files("cta.data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_countries(text, file=f"cta/data/{DATA_FILE}")


def parse_countries(text: str, *, file: str) -> CountryTable:
    """Build a table from CSV text; PolicyError names the file and line of the first bad row."""
    return CountryTable(
        unique_by_code(
            text,
            file=file,
            columns=COLUMNS,
            parse_row=lambda row, file, line: parse_country_row(row, file=file, line=line),
            what="countries",
        )
    )


def parse_country_row(row: Mapping[str, str], *, file: str, line: int) -> Country:
    """One validated Country from one CSV row; PolicyError says what is wrong and where."""

    def fail(problem: str) -> PolicyError:
        return PolicyError(problem, file=file, line=line)

    code = row.get("code", "")
    if not _CODE.fullmatch(code):
        raise fail(f"code {code!r} is not three capital letters (or 'D' for Germany)")
    if not _ALPHA2.fullmatch(row.get("alpha2", "")):
        raise fail(f"{code}: alpha2 {row.get('alpha2')!r} is not two capital letters or empty")
    if not _NUMERIC.fullmatch(row.get("numeric", "")):
        raise fail(f"{code}: numeric {row.get('numeric')!r} is not three digits or empty")
    kind = row.get("kind", "")
    if kind not in _KINDS:
        raise fail(f"{code}: kind {kind!r} is not one of {', '.join(_KINDS)}")
    names = {lang: row.get(f"name_{lang}", "").strip() for lang in LANGUAGES}
    if not names["en"]:
        raise fail(f"{code}: the English name is empty")
    return Country(
        code=code,
        alpha2=row["alpha2"],
        numeric=row["numeric"],
        kind=cast(CountryKind, kind),
        names={lang: name for lang, name in names.items() if name},
    )
