"""Visas and travel authorisations: a person's, and a new one stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update

from cta.adapters.storage import tables as t
from cta.adapters.storage.transaction.base import _INSERT, TransactionBase

__all__ = ["PermitRows"]


class PermitRows(TransactionBase):
    """Visas and travel authorisations."""

    def visas_of(self, person_id: int) -> list[dict[str, Any]]:
        rows = self.c.execute(select(t.visas).where(t.visas.c.person_id == person_id))
        return [dict(r._mapping) for r in rows]

    def authorizations_of(self, person_id: int) -> list[dict[str, Any]]:
        rows = self.c.execute(
            select(t.authorizations).where(t.authorizations.c.person_id == person_id)
        )
        return [dict(r._mapping) for r in rows]

    def add_visa(self, **fields: Any) -> int:
        return int(self.c.execute(_INSERT["visas"], fields).inserted_primary_key[0])

    def add_authorization(self, **fields: Any) -> int:
        result = self.c.execute(_INSERT["authorizations"], fields)
        return int(result.inserted_primary_key[0])

    # -- visa numbers (migration 0010, cta.services.visas) ---------------------------------

    def next_in_sequence(self, key: str) -> int:
        """The next number of the ``node_meta`` counter ``key`` (its row locked until the
        transaction ends; on SQLite the writer's lock does the same)."""
        m = t.node_meta.c
        value = self.c.execute(select(m.value).where(m.key == key).with_for_update()).scalar()
        number = int(value or 0) + 1
        if value is None:
            self.c.execute(insert(t.node_meta).values(key=key, value=str(number)))
        else:
            self.c.execute(update(t.node_meta).where(m.key == key).values(value=str(number)))
        return number

    def visa_by_number(self, number: str) -> dict[str, Any] | None:
        row = self.c.execute(select(t.visas).where(t.visas.c.visa_number == number)).first()
        return dict(row._mapping) if row else None
