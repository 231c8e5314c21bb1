"""Carriers ask before boarding: OK or NOT OK for one traveller, and nothing else.

After the ETIAS carrier interface (Regulation (EU) 2018/1240 Art. 45) and the EES one
(Regulation (EU) 2017/2226 Art. 13): an airline, a bus or a rail operator bringing a traveller
to the area learns only whether the traveller holds what the regime asks of their nationality,
never why not. ``OK`` means:

- a member national or a visa-exempt nationality: nothing to hold;
- a nationality that needs a travel authorisation: one valid on the day for that very document
  (an authorisation is tied to the document it was applied with), or a common visa that would
  admit them at the border instead (a valid visa stands in for the authorisation there too,
  ``cta.domain.checks``);
- a nationality that needs a visa: a visa for that document, valid on the day, with entries
  left (EES Art. 13(1): carriers verify whether a single- or double-entry visa was used up; the
  visa's duration of stay is counted at the border, not at the gate).

``E_VISA`` is a visa applied for before travel: it is answered as a visa. ``VISA_ON_ARRIVAL``
is issued at the crossing point, so nobody can hold it at the gate: such a traveller is
``OK`` (the border decides). Neither category occurs under the union's regime, which derives
only ``authorization`` and ``visa`` for third-country nationals; they occur under a status-quo
national regime a node may run before the union's is in force. A document with an
``invalidated_document`` alert is ``NOT OK`` whatever the nationality.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from cta.domain.regime import Category
from cta.domain.travel_permits import Authorization, Visa, entries_within

__all__ = ["MAX_MANIFEST", "NOTHING", "Answer", "Held", "answer_for", "visa_with_entries"]

MAX_MANIFEST = 1_000  # travellers in one carrier query (one aircraft or train, and then some)


class Answer(StrEnum):
    """What a carrier is told of one traveller."""

    OK = "OK"
    NOT_OK = "NOT OK"


@dataclass(frozen=True, slots=True)
class Held:
    """What the node holds on one travel document: its permits and whether it is invalidated."""

    authorizations: Sequence[Authorization] = ()
    visas: Sequence[Visa] = ()  # entries used counted area-wide (``visa_with_entries``)
    invalidated: bool = False


NOTHING = Held()  # a document the node holds nothing on


def visa_with_entries(visa: Visa, entry_days: Iterable[date]) -> Visa:
    """The visa with its entries used counted from the entries recorded anywhere in the area
    in its validity (the stored count is a floor, for visas imported with entries made
    elsewhere)."""
    used = entries_within(visa.valid_from, visa.valid_to, list(entry_days))
    return replace(visa, entries_used=max(used, visa.entries_used))


def answer_for(category: Category, held: Held, on: date) -> Answer:
    """The answer for a traveller of a nationality in ``category`` on ``on``."""
    if held.invalidated:
        return Answer.NOT_OK
    return Answer.OK if _holds_what_is_asked(category, held, on) else Answer.NOT_OK


def _holds_what_is_asked(category: Category, held: Held, on: date) -> bool:
    if category in (Category.FREE_MOVEMENT, Category.VISA_EXEMPT, Category.VISA_ON_ARRIVAL):
        return True
    if category is Category.AUTHORIZATION:
        return any(a.valid_on(on) for a in held.authorizations) or _boards_on_visa(held, on)
    if category in (Category.VISA, Category.E_VISA):
        return _boards_on_visa(held, on)
    return False  # NO_ADMISSION


def _boards_on_visa(held: Held, on: date) -> bool:
    return any(
        v.valid_from <= on <= v.valid_to and (v.entries is None or v.entries_used < v.entries)
        for v in held.visas
    )
