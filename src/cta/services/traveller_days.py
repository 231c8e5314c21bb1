"""A traveller's own days in the area ("My days", ``/traveller/days``): no token, no sign-in.

The traveller gives the document's number, the nationality (the passport's issuing state) and
the birth date. When all three match a person of this node, the answer is that person's days
used and latest exit, counted from the recorded crossings as ``Node.stay_status`` counts them;
otherwise it is what a traveller with no recorded stay would see. So the answer for an unknown
document, or a known one with another birth date, is the same as for a traveller who has not
yet crossed: nothing tells whether the node holds a document. Every call is audited as the
traveller's own read (actor ``traveller``, purpose "traveller's own days"), with the person
when one matched.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from cta.domain.regime import Category
from cta.domain.stays import StayHistory
from cta.domain.travellers import CrossingDay, stays_from_crossings
from cta.services.node import Node
from cta.services.ports import AuditEntry

__all__ = ["PURPOSE", "TRAVELLER", "OwnDays", "own_days"]

TRAVELLER = "traveller"
PURPOSE = "traveller's own days"


@dataclass(frozen=True, slots=True)
class OwnDays:
    """What the traveller sees: ``limit`` None when the nationality has no stay limit."""

    on: date
    category: Category
    limit: int | None
    window: int | None
    days_used: int
    inside: bool
    stay_until: date | None
    next_entry: date | None


def own_days(node: Node, document_number: str, nationality: str, birth_date: date,
             on: date) -> OwnDays:  # fmt: skip
    """The days of the person holding this document, or a traveller's with none recorded."""
    days: list[CrossingDay] = []
    person_id: int | None = None
    with node.store.transaction(read_only=True) as tx:
        document = tx.find_document(nationality, document_number)
        person = tx.person(document.person_id) if document is not None else None
        if person is not None and person.nationality == nationality \
                and person.birth_date == birth_date:
            person_id = person.id
            days = [CrossingDay(c.direction, c.local_date) for c in tx.crossings_of(person.id)]
    node.store.audit([AuditEntry(TRAVELLER, TRAVELLER, "read own days", PURPOSE, person_id,
                                 {"on": on.isoformat(), "matched": person_id is not None})],
                     node.clock())  # fmt: skip
    found = stays_from_crossings(days, on)
    rule = node.regime_on(on).rule_for(nationality)
    inside = found.open_since is not None
    if rule.stay is None:
        return OwnDays(on, rule.category, None, None, 0, inside, None, None)
    status = StayHistory(found.stays).status(on, rule.stay.limit, rule.stay.window)
    return OwnDays(on, rule.category, status.limit, status.window, status.days_used, inside,
                   status.stay_until, status.next_entry)  # fmt: skip
