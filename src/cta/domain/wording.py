"""Marks on the values a reason is worded from, for a page to say it in its own language.

The domain words every reason in English (the API's ``message``) and gives a page the key and
the values it was made from (``cta.domain.checks.Reason``). Most values say by their type how a
page writes them (a day, a number); these two say it by a mark.
"""

from __future__ import annotations

__all__ = ["InEnglish", "Nationality"]


class InEnglish(str):
    """Words that stay in English wherever a reason is shown: what the MRZ parser, a visa's
    scan or an alert's issuer said (the frame around them is worded by the message key)."""

    __slots__ = ()


class Nationality(str):
    """A country's code (ICAO 9303), for a page to name in its own language."""

    __slots__ = ()
