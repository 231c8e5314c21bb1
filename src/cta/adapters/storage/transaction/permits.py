"""Visas and travel authorisations: a person's, and a new one stored."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

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
