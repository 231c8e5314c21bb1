"""Alerts: read, paged, put and withdrawn; their changes (what the screening index follows);
the officers' decisions on hits; the node's meta values (the alerts' epoch)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Text, cast, insert, select, update

from cta.adapters.storage import tables as t
from cta.adapters.storage.transaction.base import _INSERT, TransactionBase
from cta.services.ports import AlertRow

__all__ = ["AlertRows"]


class AlertRows(TransactionBase):
    """Alerts, their changes, and decisions on hits."""

    def meta(self, key: str) -> str | None:
        row = self.c.execute(select(t.node_meta.c.value).where(t.node_meta.c.key == key)).first()
        return None if row is None else str(row[0])

    def alert_changes_after(self, seq: int, limit: int) -> list[tuple[int, str]]:
        a = t.alert_changes.c
        rows = self.c.execute(select(a.seq, a.alert_id).where(a.seq > seq).order_by(a.seq)
                              .limit(limit))  # fmt: skip
        return [(int(r[0]), r[1]) for r in rows]

    def alerts_by_id(self, ids: Sequence[str]) -> list[AlertRow]:
        rows = self.c.execute(select(t.alerts).where(t.alerts.c.id.in_(list(ids))))
        return [AlertRow(**r._mapping) for r in rows]

    def alert(self, alert_id: str) -> AlertRow | None:
        found = self.alerts_by_id([alert_id])
        return found[0] if found else None

    def alert_page(self, after: str, limit: int, *, active_only: bool) -> list[AlertRow]:
        a = t.alerts.c
        query = select(t.alerts).where(a.id > after).order_by(a.id).limit(limit)
        if active_only:
            query = query.where(a.withdrawn_at.is_(None))
        return [AlertRow(**r._mapping) for r in self.c.execute(query)]

    def alert_texts(self, after: str, limit: int) -> list[tuple[str, str]]:
        """The id and record (its JSON text, not decoded) of the alerts in force after
        ``after``, by id: all a screening index reads, as the cheapest thing to read and to
        hand to another process (no timestamps, no row objects: millions at a start)."""
        a = t.alerts.c
        query = (select(a.id, cast(a.record, Text)).where(a.id > after, a.withdrawn_at.is_(None))
                 .order_by(a.id).limit(limit))  # fmt: skip
        return [(row[0], row[1]) for row in self.c.execute(query)]

    def alert_heads(self, ids: Sequence[str]) -> dict[str, tuple[int, int | None]]:
        """Of the alerts ``ids`` that exist: their version and, for this node's own, the outbox
        row of their last change (what the next change supersedes)."""
        a = t.alerts.c
        return {row[0]: (int(row[1]), row[2]) for row in self.c.execute(
            select(a.id, a.version, a.outbox_seq).where(a.id.in_(list(ids))))}  # fmt: skip

    def put_alerts(
        self, records: Sequence[dict[str, Any]], at: datetime,
        outbox_seqs: dict[str, int] | None = None,
    ) -> dict[str, int]:  # fmt: skip
        """Create or change alerts (each a record dict with ``id`` and ``category``); their new
        versions by id. A withdrawn alert put again is in force again, as a new version.
        ``outbox_seqs``: this node's own alerts, the outbox row each change emitted."""
        a = t.alerts.c
        ids = [r["id"] for r in records]
        seqs = outbox_seqs or {}
        known = {i: v for i, (v, _) in self.alert_heads(ids).items()}
        new = [{"id": r["id"], "category": r["category"], "issuing_state": r.get("issuing_state"),
                "record": r, "version": 1, "created_at": at, "changed_at": at,
                "withdrawn_at": None, "outbox_seq": seqs.get(r["id"])}
               for r in records if r["id"] not in known]  # fmt: skip
        if new:
            self.c.execute(insert(t.alerts), new)
        versions = {r["id"]: 1 for r in new}
        for r in records:
            if r["id"] in known:
                versions[r["id"]] = known[r["id"]] + 1
                self.c.execute(update(t.alerts).where(a.id == r["id"]).values(
                    category=r["category"], issuing_state=r.get("issuing_state"), record=r,
                    version=versions[r["id"]], changed_at=at, withdrawn_at=None,
                    outbox_seq=seqs.get(r["id"])))  # fmt: skip
        self.c.execute(insert(t.alert_changes),
                       [{"alert_id": i, "change": "put", "at": at} for i in ids])  # fmt: skip
        return versions

    def withdraw_alert(
        self, alert_id: str, at: datetime, outbox_seq: int | None = None
    ) -> AlertRow | None:
        a = t.alerts.c
        done = self.c.execute(update(t.alerts).where(a.id == alert_id, a.withdrawn_at.is_(None))
                              .values(withdrawn_at=at, changed_at=at, version=a.version + 1,
                                      outbox_seq=outbox_seq))  # fmt: skip
        if done.rowcount == 0:
            return None
        self.c.execute(insert(t.alert_changes).values(alert_id=alert_id, change="withdraw",
                                                      at=at))  # fmt: skip
        return self.alert(alert_id)

    def add_alert_decision(self, **fields: Any) -> int:
        result = self.c.execute(_INSERT["alert_decisions"], fields)
        return int(result.inserted_primary_key[0])

    def alert_decisions_for(self, issuing_state: str, number: str) -> list[dict[str, Any]]:
        d = t.alert_decisions.c
        rows = self.c.execute(select(t.alert_decisions).where(
            d.issuing_state == issuing_state, d.document_number == number).order_by(d.id))
        return [dict(r._mapping) for r in rows]
