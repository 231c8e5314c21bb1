"""Erasing what records about applications left behind at their retention's end
(``cta.services.application_retention``): this node's own records of some kinds and their
outbox rows, the consultations of purged applications, and the rows that a peer's erased
records filed here (``application_decisions``, ``consultations``); and the carrier gateway's
audit entries past their two years (``cta.services.node.persons``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select

from cta.adapters.storage import tables as t
from cta.adapters.storage.transaction.base import TransactionBase

__all__ = ["ErasureRows"]

_r, _o, _c, _d = t.records.c, t.outbox.c, t.consultations.c, t.application_decisions.c
CHUNK = 500


def _chunks(values: Sequence[Any]) -> list[list[Any]]:
    return [list(values[n:n + CHUNK]) for n in range(0, len(values), CHUNK)]


def _filed_from(columns: Any, refs: Sequence[tuple[str, int]]) -> Any:
    """Rows filed from the records ``refs`` (their ``origin`` and ``record_seq``)."""
    origins = sorted({o for o, _ in refs})
    return or_(*[and_(columns.origin == o, columns.record_seq.in_(
        [seq for origin, seq in refs if origin == o])) for o in origins])


class ErasureRows(TransactionBase):
    """Rows erased at the end of a retention that is not a person's."""

    def own_records_of(self, origin: str, kinds: Sequence[str]) -> list[tuple[int, dict[str, Any]]]:
        """``origin``'s records of ``kinds`` held here and not erased yet: (seq, wire)."""
        rows = self.c.execute(select(_r.seq, _r.wire).where(
            _r.origin == origin, _r.kind.in_(list(kinds)), _r.erased_by.is_(None)))
        return [(int(seq), wire) for seq, wire in rows]

    def outbox_rows_of(self, kinds: Sequence[str]) -> list[tuple[int, dict[str, Any]]]:
        """This node's outbox rows of ``kinds``: (outbox seq, payload)."""
        rows = self.c.execute(select(_o.seq, _o.payload).where(_o.kind.in_(list(kinds))))
        return [(int(seq), payload) for seq, payload in rows]

    def delete_outbox_rows(self, seqs: Sequence[int]) -> None:
        for chunk in _chunks(seqs):
            self.c.execute(delete(t.outbox).where(_o.seq.in_(chunk)))

    def delete_consultations_of(self, asking_state: str, numbers: Sequence[str]) -> int:
        """The consultations this node asked on the applications ``numbers``."""
        deleted = 0
        for chunk in _chunks(numbers):
            deleted += self.c.execute(delete(t.consultations).where(
                _c.asking_state == asking_state, _c.origin.is_(None),
                _c.application.in_(chunk))).rowcount
        return deleted

    def delete_decisions_of(self, origin: str, numbers: Sequence[str]) -> None:
        """``origin``'s rows of ``application_decisions`` on the applications ``numbers``."""
        for chunk in _chunks(numbers):
            self.c.execute(delete(t.application_decisions).where(
                _d.origin == origin, _d.number.in_(chunk)))

    def delete_filed_from(self, refs: Sequence[tuple[str, int]]) -> list[str]:
        """Delete the ``application_decisions`` and ``consultations`` rows that the peers'
        records ``refs`` filed; the refs of the consultations deleted."""
        if not refs:
            return []
        asked = [str(ref) for (ref,) in self.c.execute(
            select(_c.ref).where(_filed_from(_c, refs)))]
        self.c.execute(delete(t.consultations).where(_filed_from(_c, refs)))
        self.c.execute(delete(t.application_decisions).where(_filed_from(_d, refs)))
        return asked

    def delete_audit_entries(self, actions: Sequence[str], before: datetime) -> int:
        """Audit entries of ``actions`` written before ``before``; how many."""
        a = t.audit_log.c
        result = self.c.execute(delete(t.audit_log).where(a.action.in_(list(actions)),
                                                          a.at < before))  # fmt: skip
        return int(result.rowcount)
