"""Many documents' holders and their check histories at once: crossing days, visas and
authorisations.

The carriers' check answers a manifest of up to 1,000 travellers in one go; reading each
document's holder and history on its own would be four queries a traveller
(``SqlTransaction.document_key`` and ``check_history``). Here it is four queries per ``CHUNK``
documents. On PostgreSQL the keys go as arrays (``unnest``, ``= ANY``): one parameter each, so
the statement's text and plan are the same for every manifest; a list of 1,000 placeholders
costs more to convert and to plan than the query takes to run. SQLite gets ``IN`` lists of
person ids (it plans them cheaply, and has no arrays), and the documents' keys as a table of
values joined to ``documents`` (``sqlite_documents_by_key``: a row-value ``IN`` list made it
read every document on the node for each chunk).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Connection,
    Executable,
    String,
    and_,
    bindparam,
    func,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from cta.adapters.storage import tables as t
from cta.adapters.storage.transaction.base import sqlite_documents_by_key
from cta.services.ports import CheckHistory

__all__ = ["CHUNK", "read_document_histories"]

CHUNK = 1000  # documents a statement (SQLite allows 32,766 parameters)
DocumentKey = tuple[str, str]  # (issuing_state, document_number)

_c, _v, _a, _d = t.crossings.c, t.visas.c, t.authorizations.c, t.documents.c


def _statements(ids: Any) -> dict[str, Executable]:
    """The history's three reads for the persons ``ids`` (an IN list or an ``= ANY``)."""
    return {
        "days": select(_c.person_id, _c.direction, _c.local_date).where(ids(_c.person_id))
        .order_by(_c.person_id, _c.occurred_at, _c.id),
        "visas": select(_v.person_id, _v.document_number, _v.valid_from, _v.valid_to,
                        _v.duration_days, _v.entries, _v.entries_used, _v.territorial_validity)
        .where(ids(_v.person_id)).order_by(_v.id),
        "authorizations": select(_a.person_id, _a.document_number, _a.valid_from, _a.valid_to,
                                 _a.territorial_validity)
        .where(ids(_a.person_id)).order_by(_a.id),
    }  # fmt: skip


_IDS: BindParameter[int] = bindparam("ids", expanding=True)
_LISTS = _statements(lambda column: column.in_(_IDS))
_ID_ARRAY = bindparam("ids", type_=ARRAY(BigInteger))
_KEYS = func.unnest(bindparam("states", type_=ARRAY(String)),
                    bindparam("numbers", type_=ARRAY(String))).table_valued(
    "state", "number").render_derived(name="manifest")
_ARRAYS = _statements(lambda column: column == func.any(_ID_ARRAY)) | {
    "owners": select(_d.issuing_state, _d.document_number, _d.person_id).select_from(
        t.documents.join(_KEYS, and_(_d.issuing_state == _KEYS.c.state,
                                     _d.document_number == _KEYS.c.number))),
}  # fmt: skip


def _day(value: Any) -> date:
    """A DATE column as the driver gives it: a date (psycopg) or ISO text (sqlite3)."""
    return value if isinstance(value, date) else date.fromisoformat(value)


def read_document_histories(
    connection: Connection, keys: Sequence[DocumentKey]
) -> dict[DocumentKey, tuple[int, CheckHistory]]:
    """The holder (person id) and check history of each document of ``keys`` on record;
    documents not on record are not in the answer."""
    arrays = connection.dialect.name == "postgresql"
    statements = _ARRAYS if arrays else _LISTS
    unique = list(dict.fromkeys(keys))
    owners: dict[DocumentKey, int] = {}
    for start in range(0, len(unique), CHUNK):
        chunk = unique[start : start + CHUNK]
        rows: Any = (
            connection.execute(statements["owners"], {"states": [k[0] for k in chunk],
                                                      "numbers": [k[1] for k in chunk]})
            if arrays else
            connection.exec_driver_sql(sqlite_documents_by_key(len(chunk)),
                                       tuple(value for key in chunk for value in key))
        )  # fmt: skip
        for state, number, person, *_ in rows:
            owners[(state, number)] = int(person)
    histories = _histories(connection, statements, sorted(set(owners.values())))
    return {key: (person, histories[person]) for key, person in owners.items()}


def _histories(
    connection: Connection, statements: dict[str, Executable], ids: list[int]
) -> dict[int, CheckHistory]:
    found = {p: CheckHistory(days=[], visas=[], authorizations=[]) for p in ids}
    for start in range(0, len(ids), CHUNK):
        chunk = {"ids": ids[start : start + CHUNK]}
        for person, direction, day in connection.execute(statements["days"], chunk):
            found[int(person)].days.append((direction, _day(day)))
        for person, number, first, last, days, entries, used, where in connection.execute(
            statements["visas"], chunk
        ):  # fmt: skip
            found[int(person)].visas.append({
                "document_number": number, "valid_from": _day(first), "valid_to": _day(last),
                "duration_days": days, "entries": entries, "entries_used": used,
                "territorial_validity": where})  # fmt: skip
        for person, number, first, last, where in connection.execute(
            statements["authorizations"], chunk
        ):  # fmt: skip
            found[int(person)].authorizations.append(
                {"document_number": number, "valid_from": _day(first), "valid_to": _day(last),
                 "territorial_validity": where})  # fmt: skip
    return found
