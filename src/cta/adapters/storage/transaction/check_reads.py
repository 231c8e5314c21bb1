"""The border check's reads: a document's owner and the owner's history, the alert watermark
and the data heads, each a statement compiled once (``_Prepared``).

On a server database a transaction answers them in two statements instead of six
(``store._RoundTripsSaved``, with ``_HOT["document_reads"]`` and ``_HOT["watermark_heads"]``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Executable,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    select,
    true,
    union_all,
)

from cta.adapters.storage import tables as t
from cta.adapters.storage.transaction.base import TransactionBase, _day, _instant
from cta.adapters.storage.transaction.histories import read_document_histories
from cta.services.ports import CheckHistory, DataHead

__all__ = ["CheckReads"]

_c, _v, _a, _d = t.crossings.c, t.visas.c, t.authorizations.c, t.documents.c
_HOT: dict[str, Executable] = {
    "owner": select(_d.person_id, _d.id).where(_d.issuing_state == bindparam("state"),
                                              _d.document_number == bindparam("number")),
    "days": select(_c.direction, _c.local_date).where(_c.person_id == bindparam("person"))
    .order_by(_c.occurred_at, _c.id),
    "visas": select(_v.document_number, _v.valid_from, _v.valid_to, _v.duration_days,
                    _v.entries, _v.entries_used, _v.territorial_validity)
    .where(_v.person_id == bindparam("person")).order_by(_v.id),
    "authorizations": select(_a.document_number, _a.valid_from, _a.valid_to,
                             _a.territorial_validity)
    .where(_a.person_id == bindparam("person")).order_by(_a.id),
    "alert_watermark": select(func.max(t.alert_changes.c.seq)),
    "heads": select(t.chain_heads.c.origin, t.chain_heads.c.seq, t.chain_heads.c.at,
                    t.peer_status.c.last_success_at, t.chain_heads.c.not_applied)
    .select_from(t.chain_heads.outerjoin(t.peer_status,
                                         t.peer_status.c.peer == t.chain_heads.c.origin))
    .order_by(t.chain_heads.c.origin),
}  # fmt: skip


def _document_reads() -> Executable:
    """A document's owner and the owner's crossing days, visas and authorisations, as one
    statement (``_RoundTripsSaved``): rows of 12 columns, ``part`` 0 to 3 first, each part in the
    order of its own statement above; the columns a part does not use are NULL."""
    doc = _HOT["owner"].cte("doc")  # type: ignore[attr-defined]

    def none(column: Any) -> Any:
        return cast(null(), column.type)

    def part(n: int) -> Any:
        return literal_column(str(n))

    at, no, count = none(_c.occurred_at), none(_c.id), none(_v.entries)
    where = none(_v.territorial_validity)
    return union_all(
        select(part(0).label("part"), doc.c.person_id, doc.c.id, none(_v.document_number),
               none(_c.local_date), none(_c.local_date), count, count, count, where,
               at.label("sort_at"), no.label("sort_id")),
        select(part(1), no, no, _c.direction, _c.local_date, none(_c.local_date), count, count,
               count, where, _c.occurred_at, _c.id)
        .select_from(t.crossings.join(doc, _c.person_id == doc.c.person_id)),
        select(part(2), no, no, _v.document_number, _v.valid_from, _v.valid_to,
               _v.duration_days, _v.entries, _v.entries_used, _v.territorial_validity, at, _v.id)
        .select_from(t.visas.join(doc, _v.person_id == doc.c.person_id)),
        select(part(3), no, no, _a.document_number, _a.valid_from, _a.valid_to, count, count,
               count, _a.territorial_validity, at, _a.id)
        .select_from(t.authorizations.join(doc, _a.person_id == doc.c.person_id)),
    ).order_by(*map(literal_column, ("part", "sort_at", "sort_id")))  # fmt: skip


def _watermark_and_heads() -> Executable:
    """The alert watermark and the data heads as one statement (``_RoundTripsSaved``): a row per
    head, each with the watermark; one row of NULL heads when there are none."""
    watermark = select(func.max(t.alert_changes.c.seq).label("watermark")).subquery("w")
    heads = _HOT["heads"].order_by(None).subquery("h")  # type: ignore[attr-defined]
    return (select(watermark.c.watermark, *heads.c)
            .select_from(watermark.outerjoin(heads, true())).order_by(heads.c.origin))  # fmt: skip


_HOT |= {"document_reads": _document_reads(), "watermark_heads": _watermark_and_heads()}


class CheckReads(TransactionBase):
    """The reads of a border check (prepared: see ``_Prepared``)."""

    def document_owner(self, issuing_state: str, number: str) -> int | None:
        found = self.document_key(issuing_state, number)
        return found[0] if found else None

    def document_key(self, issuing_state: str, number: str) -> tuple[int, int] | None:
        """(person id, document id) of a document, by its issuing state and number."""
        rows = self._prepared["owner"].rows(self.c, state=issuing_state, number=number)
        return (int(rows[0][0]), int(rows[0][1])) if rows else None

    def check_history(self, person_id: int) -> CheckHistory:
        p = self._prepared
        return CheckHistory(
            days=[(d, _day(on)) for d, on in p["days"].rows(self.c, person=person_id)],
            visas=[{"document_number": n, "valid_from": _day(f), "valid_to": _day(to),
                    "duration_days": days, "entries": e, "entries_used": used,
                    "territorial_validity": where}
                   for n, f, to, days, e, used, where
                   in p["visas"].rows(self.c, person=person_id)],
            authorizations=[
                {"document_number": n, "valid_from": _day(f), "valid_to": _day(to),
                 "territorial_validity": where}
                for n, f, to, where in p["authorizations"].rows(self.c, person=person_id)],
        )  # fmt: skip

    def data_heads(self) -> list[DataHead]:
        """Each origin's last record held, its time, when the sync loop last reached that
        peer, and how many of its records this node keeps without applying them: what a
        decision is based on."""
        rows = self._prepared["heads"].rows(self.c)
        return [(o, int(seq), _instant(at), _instant(reached), int(skipped or 0))
                for o, seq, at, reached, skipped in rows]  # fmt: skip

    def alert_watermark(self) -> int:
        """The number of the latest alert change (0: none yet); a check asks it every time."""
        rows = self._prepared["alert_watermark"].rows(self.c)
        return int(rows[0][0] or 0)

    def document_histories(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[int, CheckHistory]]:
        """Holder and ``check_history`` of many documents in a few queries (carriers)."""
        return read_document_histories(self.c, keys)
