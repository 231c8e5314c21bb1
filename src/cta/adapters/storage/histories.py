"""Many persons' check histories at once: crossing days, visas and authorisations.

The carriers' check answers a manifest of up to 1,000 travellers in one go; reading each
person's history on its own would be three queries a traveller (``SqlTransaction.check_history``).
Here it is three queries per ``CHUNK`` persons, on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import BindParameter, Connection, bindparam, select

from cta.adapters.storage import tables as t
from cta.services.ports import CheckHistory

__all__ = ["CHUNK", "read_histories"]

CHUNK = 1000  # person ids a statement (SQLite allows 32,766 parameters)

_c, _v, _a = t.crossings.c, t.visas.c, t.authorizations.c
_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_DAYS = (select(_c.person_id, _c.direction, _c.local_date).where(_c.person_id.in_(_IDS))
         .order_by(_c.person_id, _c.occurred_at, _c.id))  # fmt: skip
_VISAS = (select(_v.person_id, _v.document_number, _v.valid_from, _v.valid_to,
                 _v.duration_days, _v.entries, _v.entries_used)
          .where(_v.person_id.in_(_IDS)).order_by(_v.id))  # fmt: skip
_AUTHORIZATIONS = (select(_a.person_id, _a.document_number, _a.valid_from, _a.valid_to)
                   .where(_a.person_id.in_(_IDS)).order_by(_a.id))  # fmt: skip


def _day(value: Any) -> date:
    """A DATE column as the driver gives it: a date (psycopg) or ISO text (sqlite3)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def read_histories(connection: Connection, person_ids: Sequence[int]) -> dict[int, CheckHistory]:
    """The check history of each person of ``person_ids`` (every one of them is in the
    answer; a person with no crossing or permit has an empty history)."""
    ids = list(dict.fromkeys(person_ids))
    found = {p: CheckHistory(days=[], visas=[], authorizations=[]) for p in ids}
    for start in range(0, len(ids), CHUNK):
        chunk = {"ids": ids[start : start + CHUNK]}
        for person, direction, day in connection.execute(_DAYS, chunk):
            found[int(person)].days.append((direction, _day(day)))
        for person, number, first, last, days, entries, used in connection.execute(_VISAS, chunk):
            found[int(person)].visas.append({
                "document_number": number, "valid_from": _day(first), "valid_to": _day(last),
                "duration_days": days, "entries": entries, "entries_used": used})  # fmt: skip
        for person, number, first, last in connection.execute(_AUTHORIZATIONS, chunk):
            found[int(person)].authorizations.append(
                {"document_number": number, "valid_from": _day(first), "valid_to": _day(last)})
    return found
