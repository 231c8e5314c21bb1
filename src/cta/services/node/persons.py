"""Persons and retention: a person's stay status, the overstayers inside the area, the
traveller file and its export (GDPR Art. 15), the audit log, and the deletion of persons past
retention.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from cta.domain.instants import rfc3339
from cta.domain.retention import (
    CARRIER_LOG_ACTIONS,
    CARRIER_LOG_YEARS,
    over_limit,
    years_before,
)
from cta.domain.roles import Permission
from cta.domain.stays import StayHistory
from cta.domain.travel_permits import territories_from_text
from cta.domain.travellers import CrossingDay, stays_from_crossings
from cta.services.application_retention import announce_erasure
from cta.services.federation import redact_person_records
from cta.services.node.core import Actor
from cta.services.node.internal_checks import InternalCheckUseCases
from cta.services.ports import PersonRow, Transaction, TransactionConflictError

__all__ = ["PersonUseCases"]


PURGE_ATTEMPTS = 5  # a batch ended by a conflict with another transaction is run again


class PersonUseCases(InternalCheckUseCases):
    """Reading what is held on a person, and deleting it when its time has come."""

    def stay_status(self, actor: Actor, person_id: int, on: date) -> dict[str, Any]:
        self._require(actor, Permission.READ_PERSON)
        with self.store.transaction(read_only=True) as tx:
            person = self._person(tx, person_id)
            days = [CrossingDay(c.direction, c.local_date) for c in tx.crossings_of(person_id)]
        self._audited(actor, "read stay status", [person_id], on=on.isoformat())
        return self._status(person, days, on)

    def _status(self, person: PersonRow, days: list[CrossingDay], on: date) -> dict[str, Any]:
        found = stays_from_crossings(days, on)
        rule = self.regime_on(on).rule_for(person.nationality)
        history = StayHistory(found.stays)
        result: dict[str, Any] = {
            "person_id": person.id, "on": on.isoformat(), "category": rule.category.value,
            "inside": found.open_since is not None,
            "inside_since": found.open_since.isoformat() if found.open_since else None,
            "anomalies": list(found.anomalies),
        }  # fmt: skip
        if rule.stay is None:
            return result | {"limit": None, "window": None, "days_used": None, "overstays": []}
        status = history.status(on, rule.stay.limit, rule.stay.window)
        return result | {
            "limit": status.limit, "window": status.window, "days_used": status.days_used,
            "max_stay": status.max_stay,
            "stay_until": status.stay_until.isoformat() if status.stay_until else None,
            "next_entry": status.next_entry.isoformat(),
            "overstays": [{"from": o.first.isoformat(), "to": o.last.isoformat(),
                           "days": o.days} for o in status.overstays],
        }  # fmt: skip

    def overstayers(self, actor: Actor, on: date, after: int, limit: int) -> dict[str, Any]:
        """Persons inside the area on ``on`` who are over their limit that day."""
        self._require(actor, Permission.LIST_OVERSTAYERS)
        items: list[dict[str, Any]] = []
        cursor = after
        with self.store.transaction(read_only=True) as tx:
            while len(items) < limit:
                ids = tx.persons_inside(on, cursor, 500)
                if not ids:
                    cursor = 0
                    break
                for person_id in ids:
                    cursor = person_id
                    item = self._overstay_on(tx, person_id, on)
                    if item is not None:
                        items.append(item)
                        if len(items) >= limit:
                            break
        self._audited(actor, "list overstayer", [i["person_id"] for i in items],
                      on=on.isoformat())
        return {"items": items, "next_after": cursor if items and cursor else None}

    def _overstay_on(self, tx: Transaction, person_id: int, on: date) -> dict[str, Any] | None:
        person = self._person(tx, person_id)
        days = [CrossingDay(c.direction, c.local_date) for c in tx.crossings_of(person_id)]
        status = self._status(person, days, on)
        if not over_limit(status["days_used"], status["limit"]):
            return None
        return {"person_id": person_id, "surname": person.surname,
                "given_names": person.given_names, "nationality": person.nationality,
                "inside_since": status["inside_since"], "days_used": status["days_used"],
                "limit": status["limit"], "window": status["window"]}  # fmt: skip

    def traveller_file(self, actor: Actor, person_id: int) -> dict[str, Any]:
        self._require(actor, Permission.READ_PERSON)
        with self.store.transaction(read_only=True) as tx:
            result = self._file(tx, person_id)
        self._audited(actor, "read traveller file", [person_id])
        return result

    def _file(self, tx: Transaction, person_id: int) -> dict[str, Any]:
        person = self._person(tx, person_id)
        crossings = tx.crossings_of(person_id)
        # overstayed: an overstay recorded at a crossing, or inside and over the limit today
        # (as ``overstayers`` lists them), whatever the stored flag says
        today = self._status(person, [CrossingDay(c.direction, c.local_date) for c in crossings],
                             self.today())  # fmt: skip
        over = person.overstayed or (
            today["inside"] and over_limit(today["days_used"], today["limit"]))
        return {
            "person": _row(person) | {"overstayed": over},
            "documents": [_row(d) for d in tx.documents_of(person_id)],
            "crossings": [_row(c) for c in crossings],
            "refusals": [_row(r) for r in tx.refusals_of(person_id)],
            "visas": [_permit(v) for v in tx.visas_of(person_id)],
            "authorizations": [_permit(a) for a in tx.authorizations_of(person_id)],
        }

    def export_person(self, actor: Actor, person_id: int) -> dict[str, Any]:
        """Everything held on one person, with who read it and why (GDPR Art. 15)."""
        self._require(actor, Permission.EXPORT_PERSON)
        with self.store.transaction(read_only=True) as tx:
            result = self._file(tx, person_id) | {"audit": tx.audit_of(person_id)}
        self._audited(actor, "export person", [person_id])
        return result

    def audit_log(self, actor: Actor, after: int, limit: int) -> list[dict[str, Any]]:
        self._require(actor, Permission.READ_AUDIT)
        with self.store.transaction(read_only=True) as tx:
            return tx.audit_page(after, limit)

    def purge(self, actor: Actor, *, batch: int = 1000) -> dict[str, Any]:
        """Delete persons past retention: years after their last exit (more for overstayers)."""
        self._require(actor, Permission.PURGE)
        today = self.today()
        before = years_before(today, self.retention_years)
        overstayer_before = years_before(today, self.overstayer_retention_years)
        deleted = 0
        while True:
            for attempt in range(PURGE_ATTEMPTS):
                try:
                    ids = self._purge_batch(actor, before, overstayer_before, batch)
                    break
                except TransactionConflictError:
                    # a peer's deletions applied at the same moment lock the same persons in
                    # another order (a page's records one after another): PostgreSQL ended
                    # this batch, which kept nothing, to let the other go on; run it again
                    if attempt == PURGE_ATTEMPTS - 1:
                        raise
                    time.sleep(0.05 * 2**attempt)
            deleted += len(ids)
            if len(ids) < batch:
                break
        carriers = self._purge_carrier_log(actor)
        internal = self.purge_internal_checks(actor)
        return {"deleted": deleted, "before": before.isoformat(),
                "overstayers_before": overstayer_before.isoformat(),
                "carrier_checks_deleted": carriers[0],
                "carrier_checks_before": rfc3339(carriers[1]),
                "internal_checks_deleted": internal[0],
                "internal_checks_before": rfc3339(internal[1])}  # fmt: skip

    def _purge_batch(self, actor: Actor, before: date, overstayer_before: date,
                     batch: int) -> list[int]:  # fmt: skip
        """One transaction of the purge: up to ``batch`` persons deleted; their ids."""
        with self.store.transaction() as tx:
            # a peer's page or an import applied meanwhile locks persons in its own order:
            # one waits for the other (``hold_against_purge``) instead of a deadlock
            tx.hold_against_purge(purge=True)
            tx.chain_head(self.state, lock=True)  # the sealer waits: it seals no one gone
            ids = tx.persons_to_purge(before, overstayer_before, batch)
            for person_id in ids:
                # the federation's copies: payloads dropped here, and the peers told which
                # records to drop (by reference: the deletion carries no personal data)
                refs = redact_person_records(tx, person_id)
                tx.delete_person(person_id)
                # the peers erase this node's records on its word; each other origin's on
                # that origin's own, when its purge finds the person past retention
                announce_erasure(tx, [ref for ref in refs if ref[0] == self.state],
                                 self.clock())  # fmt: skip
                self._audit(tx, actor, "retention deletion", person_id)
        return ids

    def _purge_carrier_log(self, actor: Actor) -> tuple[int, datetime]:
        """The carrier gateway's log past its retention (ETIAS Art. 45(2): two years): the
        audit entries of carriers' queries, the one exception to an audit log kept whole."""
        now = self.clock()
        before = datetime.combine(years_before(now.date(), CARRIER_LOG_YEARS), now.timetz())
        with self.store.transaction() as tx:
            count = tx.delete_audit_entries(CARRIER_LOG_ACTIONS, before)
            if count:
                self._audit(tx, actor, "carrier log retention deletion", None, count=count,
                            before=rfc3339(before))  # fmt: skip
        return count, before


def _permit(row: dict[str, Any]) -> dict[str, Any]:
    """A visa or authorisation as the file shows it: its territorial validity a list of
    states (null: the whole area)."""
    where = territories_from_text(row.get("territorial_validity"))
    return row | {"territorial_validity": list(where) if where else None}


def _row(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in row.__dataclass_fields__}
