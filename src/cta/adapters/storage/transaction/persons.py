"""Persons, their documents, crossings and refusals: found, filed, touched by each record,
and two persons found to be one merged."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Boolean, Date, bindparam, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError

from cta.adapters.storage import tables as t
from cta.adapters.storage.transaction.base import (
    _INSERT,
    DuplicateError,
    TransactionBase,
    _day,
)
from cta.services.ports import CrossingRow, DocumentRow, PersonRow, RefusalRow

__all__ = ["PersonRows"]

_p = t.persons.c
_DAY, _EXITED = bindparam("day", type_=Date), bindparam("exited", type_=Boolean)
_TOUCH = update(t.persons).where(_p.id == bindparam("person", type_=t.Id)).values(
    last_seen=case((_p.last_seen.is_(None) | (_p.last_seen < _DAY), _DAY), else_=_p.last_seen),
    last_exit=case((_EXITED & (_p.last_exit.is_(None) | (_p.last_exit < _DAY)), _DAY),
                   else_=_p.last_exit),
    overstayed=_p.overstayed | bindparam("overstayed", type_=Boolean),
)  # fmt: skip


class PersonRows(TransactionBase):
    """Persons, documents, crossings and refusals."""

    def find_document(self, issuing_state: str, number: str) -> DocumentRow | None:
        row = self.c.execute(
            select(t.documents).where(
                t.documents.c.issuing_state == issuing_state,
                t.documents.c.document_number == number,
            )
        ).first()
        return DocumentRow(**row._mapping) if row else None

    def person(self, person_id: int) -> PersonRow | None:
        row = self.c.execute(select(t.persons).where(t.persons.c.id == person_id)).first()
        return PersonRow(**row._mapping) if row else None

    def candidates(self, nationality: str, birth_date_raw: str, surname: str) -> list[PersonRow]:
        rows = self.c.execute(
            select(t.persons)
            .where(
                t.persons.c.nationality == nationality,
                t.persons.c.birth_date_raw == birth_date_raw,
                t.persons.c.surname == surname,
            )
            .order_by(t.persons.c.id)
            .limit(20)
        )
        return [PersonRow(**r._mapping) for r in rows]

    def add_person(self, **fields: Any) -> int:
        return int(self.c.execute(_INSERT["persons"], fields).inserted_primary_key[0])

    def add_document(self, **fields: Any) -> int:
        try:
            with self.c.begin_nested():
                result = self.c.execute(_INSERT["documents"], fields)
        except IntegrityError as exc:
            raise DuplicateError("document already recorded") from exc
        return int(result.inserted_primary_key[0])

    def documents_of(self, person_id: int) -> list[DocumentRow]:
        rows = self.c.execute(
            select(t.documents).where(t.documents.c.person_id == person_id).order_by("id")
        )
        return [DocumentRow(**r._mapping) for r in rows]

    def crossings_of(self, person_id: int) -> list[CrossingRow]:
        rows = self.c.execute(
            select(t.crossings)
            .where(t.crossings.c.person_id == person_id)
            .order_by(t.crossings.c.occurred_at, t.crossings.c.id)
        )
        return [CrossingRow(**r._mapping) for r in rows]

    def refusals_of(self, person_id: int) -> list[RefusalRow]:
        rows = self.c.execute(
            select(t.refusals).where(t.refusals.c.person_id == person_id).order_by("id")
        )
        return [RefusalRow(**r._mapping) for r in rows]

    def add_crossing(self, **fields: Any) -> int:
        return int(self.c.execute(_INSERT["crossings"], fields).inserted_primary_key[0])

    def add_refusal(self, **fields: Any) -> int:
        return int(self.c.execute(_INSERT["refusals"], fields).inserted_primary_key[0])

    def touch_person(
        self, person_id: int, day: date, *, exited: bool = False, overstayed: bool = False
    ) -> None:
        """A record of ``day``: the last day seen (and last exit) only ever move forwards."""
        self.c.execute(_TOUCH, {"person": person_id, "day": day, "exited": exited,
                                "overstayed": overstayed})  # fmt: skip

    def refresh_person_days(self, person_id: int) -> None:
        """Last day seen and last exit computed again from the records (after a correction
        moved or removed one: ``touch_person`` only moves them forwards)."""
        c, r = t.crossings.c, t.refusals.c
        crossed, exited = self.c.execute(
            select(func.max(c.local_date), func.max(case((c.direction == "exit", c.local_date))))
            .where(c.person_id == person_id)).one()  # fmt: skip
        refused = self.c.execute(select(func.max(r.local_date))
                                 .where(r.person_id == person_id)).scalar()  # fmt: skip
        days = [_day(d) for d in (crossed, refused) if d is not None]
        self.c.execute(update(t.persons).where(_p.id == person_id).values(
            last_seen=max(days) if days else None,
            last_exit=_day(exited) if exited is not None else None))  # fmt: skip

    def merge_persons(self, keep: int, other: int) -> None:
        """Two persons found to be one (an identity link): ``other``'s documents and records
        become ``keep``'s and ``other`` is gone. The audit log is not rewritten: its entries
        name the person id they concerned then."""
        for table in (t.documents, t.crossings, t.refusals, t.visas, t.authorizations,
                      t.alert_decisions, t.outbox, t.records):
            self.c.execute(update(table).where(table.c.person_id == other)
                           .values(person_id=keep))  # fmt: skip
        was = self.c.execute(select(_p.overstayed).where(_p.id == other)).scalar()
        self.c.execute(delete(t.persons).where(_p.id == other))
        if was:
            self.c.execute(update(t.persons).where(_p.id == keep).values(overstayed=True))
        self.refresh_person_days(keep)
