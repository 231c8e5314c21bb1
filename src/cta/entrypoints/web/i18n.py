"""The pages' languages: which one a request gets, its message catalog, its dates and numbers.

The catalogs are Babel ``.po`` files under ``locale/`` (``messages.pot`` is made by
``pybabel extract -F babel.cfg``, see the README's "Web" section). They are compiled in memory
the first time a language is used, so a fresh ``pip install -e .`` needs no build step and no
``.mo`` file can fall out of step with its ``.po``.

A request's language: ``?lang=xx`` (then remembered in the ``cta_lang`` cookie), else the
cookie, else the best of the browser's ``Accept-Language``, else English.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from babel.dates import format_date
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import Translations

from cta.policy.countries import load_countries
from cta.policy.crossing_points import load_crossing_points

__all__ = [
    "DEFAULT",
    "LANGUAGES",
    "LANGUAGE_COOKIE",
    "LOCALE_DIR",
    "N_",
    "Language",
    "choose_language",
    "from_accept_language",
    "language",
]

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGE_COOKIE = "cta_lang"
DEFAULT = "en"
# each language named in itself, for the switcher
LANGUAGES: Mapping[str, str] = {
    "en": "English",
    "az": "Azərbaycanca",
    "hy": "Հայերեն",
    "ka": "ქართული",
    "ru": "Русский",
}

_STATE_LANGUAGES = {"AZE": "az", "ARM": "hy", "GEO": "ka"}


def N_(message: str) -> str:
    """Marks a message for ``pybabel extract`` where it is defined; translated where shown."""
    return message


def choose_language(query: str | None, cookie: str | None, accept: str | None) -> str:
    """The language of a request: ``?lang=``, else the cookie, else Accept-Language, else en."""
    for asked in (query, cookie):
        if asked and asked.strip().lower() in LANGUAGES:
            return asked.strip().lower()
    return from_accept_language(accept or "") or DEFAULT


def from_accept_language(header: str) -> str | None:
    """The supported language the browser prefers most (RFC 9110 §12.5.4), or None."""
    best: tuple[float, int] | None = None
    chosen: str | None = None
    for order, part in enumerate(header[:1000].split(",")):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        weight = _quality(params)
        if primary not in LANGUAGES or weight <= 0:
            continue
        key = (-weight, order)  # the highest q first; of equal ones, the first listed
        if best is None or key < best:
            best, chosen = key, primary
    return chosen


def _quality(params: str) -> float:
    for param in params.split(";"):
        name, _, value = param.strip().partition("=")
        if name.strip().lower() == "q":
            try:
                q = float(value)
            except ValueError:
                return 0.0
            return q if 0.0 <= q <= 1.0 else 0.0
    return 1.0


@dataclass(frozen=True)
class Language:
    """One language's messages and formats, handed to the templates."""

    code: str
    translations: Translations

    def gettext(self, message: str, **values: object) -> str:
        """The message in this language, with ``%(name)s`` placeholders filled."""
        text = self.translations.gettext(message)
        return text % values if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: object) -> str:
        """The singular or plural form for ``n`` (``%(n)s`` is filled with n)."""
        text = self.translations.ngettext(singular, plural, n)
        return text % ({"n": self.number(n)} | values)

    def date(self, day: date | None, form: str = "long") -> str:
        """A date as this language writes it (an en dash for none)."""
        return "–" if day is None else format_date(day, format=form, locale=self.code)

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=self.code)

    def country(self, code: str) -> str:
        """A country's name in this language, from the shipped table (the code if unknown)."""
        country = load_countries().get(code)
        return country.name(self.code) if country is not None else code

    def crossing_point(self, code: str) -> str:
        """A crossing point's name: in the state's own language when the page is in it (the
        table's ``name_local``), else the table's English name (the code if unknown)."""
        point = load_crossing_points().get(code)
        if point is None:
            return code
        own = _STATE_LANGUAGES.get(point.state)
        return point.name_local if own == self.code and point.name_local else point.name

    def callables(self) -> dict[str, Callable[..., str]]:
        return {"_": self.gettext, "gettext": self.gettext, "ngettext": self.ngettext}


@cache
def language(code: str) -> Language:
    """The language of this code (English for an unknown one), its catalog compiled once."""
    code = code if code in LANGUAGES else DEFAULT
    return Language(code, _translations(code))


def _translations(code: str) -> Translations:
    with (LOCALE_DIR / code / "LC_MESSAGES" / "messages.po").open("rb") as po:
        catalog = read_po(po, locale=code)
    compiled = io.BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain="messages")
