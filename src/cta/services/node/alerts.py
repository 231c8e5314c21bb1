"""Alerts (the alerts issue): this state's alerts put and withdrawn, read and listed; a
traveller screened against all the area's alerts; an officer's decision on a hit; and the
screening of a document's holder that the border check weighs.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from cta.domain.alerts import alert_id_owner
from cta.domain.checks import AlertHit
from cta.domain.documents import TravelDocument
from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.instants import rfc3339
from cta.domain.roles import Permission
from cta.domain.screening import alert_from_json, query_from_json
from cta.domain.typed_text import check_typed
from cta.services.alerts import decisions_elsewhere, query_of_document, settle_hits
from cta.services.checks import read_document
from cta.services.node.core import Actor, ConflictError, NodeCore, NotFoundError
from cta.services.ports import AlertRow, Transaction

__all__ = ["AlertScreening", "AlertUseCases"]


class AlertScreening(NodeCore):
    """The screening hits of a document's holder, as a check and a hit decision see them."""

    def _alert_hits(
        self, tx: Transaction, document: TravelDocument, on: date
    ) -> tuple[list[AlertHit], list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
        """The screening hits of the document's holder, with this node's officers' earlier
        decisions applied, and the other states' decisions on them, by alert."""
        if self.alerts.opened_from == "nothing":
            self.alerts.open(self.store)
        self.alerts.current(tx)
        hits = self.alerts.screen(query_of_document(document), on)
        if not hits:
            return [], [], {}
        rows = tx.alerts_by_id([h.alert_id for h in hits])
        versions = {r.id: r.version for r in rows}
        actions = {r.id: r.record.get("action") for r in rows}
        decisions = tx.alert_decisions_for(document.issuing_state, document.document_number)
        weighed, dismissed = settle_hits(hits, decisions, versions, actions)
        elsewhere = decisions_elsewhere(decisions, versions)
        for hit in dismissed:
            hit["decisions_elsewhere"] = elsewhere.get(hit["alert_id"], [])
        return weighed, dismissed, elsewhere


class AlertUseCases(AlertScreening):
    """What officers do with alerts and hits."""

    def put_alerts(self, actor: Actor, records: Sequence[dict[str, Any]]) -> dict[str, int]:
        """Create or change alerts (validated first: one bad record stores none of them)."""
        self._require(actor, Permission.MANAGE_ALERTS)
        records = [{"issuing_state": self.state, **r} for r in records]
        for n, record in enumerate(records):
            if record["issuing_state"] != self.state:
                raise InvalidInputError(
                    f"issuing_state: this node issues {self.state}'s alerts only, not "
                    f"{record['issuing_state']}'s (each state's node issues its own)")
            try:
                check_entered_alert(record, self.reference.countries.codes)
            except CTAError as exc:
                where = f"alert {record.get('id')!r}" if len(records) == 1 else f"record {n + 1}"
                raise InvalidInputError(f"{where}: {exc}") from None
        seen: set[str] = set()
        for record in records:
            if record["id"] in seen:
                raise InvalidInputError(f"alert {record['id']!r} is given twice")
            seen.add(record["id"])
        now = self.clock()
        members = self.regime_on(self.today()).members
        versions: dict[str, int] = {}
        with self.store.transaction() as tx:  # all of them, or none
            for first in range(0, len(records), 5000):
                batch = records[first : first + 5000]
                _refuse_others_alerts(self.state, tx.alerts_by_id([r["id"] for r in batch]),
                                      "changes")  # fmt: skip
                for record in batch:  # a new id: not one that reads as another member's
                    check_alert_id_owner(record["id"], self.state, members)
                # a change supersedes the alert's last record (docs/federation.md)
                heads = tx.alert_heads([r["id"] for r in batch])
                seqs: dict[str, int] = {}
                for record in batch:
                    version, last = heads.get(record["id"], (0, None))
                    seqs[record["id"]] = tx.emit(
                        "AlertPut", {"alert": record, "version": version + 1}, now,
                        supersedes=last)  # fmt: skip
                versions |= tx.put_alerts(batch, now, seqs)
            self._audit(tx, actor, "put alerts", None, ids=[r["id"] for r in records][:100],
                        count=len(records))  # fmt: skip
        return versions

    def withdraw_alert(self, actor: Actor, alert_id: str) -> dict[str, Any]:
        self._require(actor, Permission.MANAGE_ALERTS)
        now = self.clock()
        with self.store.transaction() as tx:
            known = tx.alert(alert_id)
            if known is None:
                raise NotFoundError(f"alert {alert_id!r} is not on this node")
            _refuse_others_alerts(self.state, [known], "withdraws")
            if known.withdrawn_at is not None:
                raise ConflictError(f"alert {alert_id!r} was withdrawn already")
            seq = tx.emit("AlertWithdrawn", {"alert_id": alert_id, "version": known.version + 1},
                          now, supersedes=known.outbox_seq)  # fmt: skip
            row = tx.withdraw_alert(alert_id, now, seq)
            if row is None:  # withdrawn by another request since the read above
                raise ConflictError(f"alert {alert_id!r} was withdrawn already")
            self._audit(tx, actor, "withdraw alert", None, alert_id=alert_id)
        return _alert_json(row)

    def alert_of(self, actor: Actor, alert_id: str) -> dict[str, Any]:
        self._require(actor, Permission.READ_ALERTS)
        with self.store.transaction(read_only=True) as tx:
            row = tx.alert(alert_id)
        if row is None:
            raise NotFoundError(f"alert {alert_id!r} is not on this node")
        self._audited(actor, "read alert", [None], alert_id=alert_id)
        return _alert_json(row)

    def alert_list(self, actor: Actor, after: str, limit: int,
                   active_only: bool) -> dict[str, Any]:  # fmt: skip
        self._require(actor, Permission.MANAGE_ALERTS)
        with self.store.transaction(read_only=True) as tx:
            rows = tx.alert_page(after, limit, active_only=active_only)
        self._audited(actor, "list alerts", [None], after=after, count=len(rows))
        return {"items": [_alert_json(r) for r in rows],
                "next_after": rows[-1].id if len(rows) == limit else None}  # fmt: skip

    def screen(self, actor: Actor, traveller: dict[str, Any], on: date | None = None,
               limit: int = 10) -> dict[str, Any]:  # fmt: skip
        """Screen a traveller (a visa application, say) against the alerts, outside a check."""
        self._require(actor, Permission.SCREEN)
        query = query_from_json(traveller)
        day = on or self.today()
        with self.store.transaction(read_only=True) as tx:
            if self.alerts.opened_from == "nothing":
                self.alerts.open(self.store)
            self.alerts.current(tx)
            hits = self.alerts.screen(query, day, limit=limit)
        self._audited(actor, "screen traveller", [None], hits=[h.alert_id for h in hits])
        return {"on": day.isoformat(), "hits": [
            {"alert_id": h.alert_id, "score": round(h.score, 4), "reasons": list(h.reasons),
             "kind": h.kind, "category": h.category.value} for h in hits]}  # fmt: skip

    def decide_hit(self, actor: Actor, mrz: Sequence[str], alert_id: str, decision: str,
                   reason: str) -> dict[str, Any]:  # fmt: skip
        """An officer confirms (it is them) or dismisses (it is not) a hit of a traveller."""
        self._require(actor, Permission.DECIDE_ALERT_HIT)
        if decision not in ("confirmed", "dismissed"):
            raise InvalidInputError(f"decision {decision!r} is not confirmed or dismissed")
        check_typed(reason, "reason")  # sent to the peers: held to what they take
        on = self.today()
        document = read_document(mrz, on=on, countries=self.reference.countries)
        now = self.clock()
        with self.store.transaction() as tx:
            hits, dismissed, _ = self._alert_hits(tx, document, on)
            if alert_id not in {h.alert_id for h in hits} | {d["alert_id"] for d in dismissed}:
                raise ConflictError(
                    f"alert {alert_id!r} does not hit this traveller today: nothing to decide",
                    code="hit_not_current", params={"alert": alert_id})
            row = tx.alert(alert_id)
            assert row is not None  # it hit, so it is stored
            person_id = tx.document_owner(document.issuing_state, document.document_number)
            decision_id = tx.add_alert_decision(
                alert_id=alert_id, alert_version=row.version,
                issuing_state=document.issuing_state, document_number=document.document_number,
                person_id=person_id, decision=decision, reason=reason, officer=actor.name,
                at=now,
            )  # fmt: skip
            tx.emit("AlertHitDecided", {
                "alert_id": alert_id, "alert_version": row.version, "decision": decision,
                "issuing_state": document.issuing_state,
                "document_number": document.document_number, "officer": actor.name,
                "reason": reason, "at": rfc3339(now)}, now, person_id)  # fmt: skip
            verb = "confirm" if decision == "confirmed" else "dismiss"
            self._audit(tx, actor, f"{verb} alert hit", person_id, alert_id=alert_id,
                        decision_id=decision_id)  # fmt: skip
        return {"id": decision_id, "alert_id": alert_id, "alert_version": row.version,
                "decision": decision, "person_id": person_id}  # fmt: skip


def _alert_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "category": row.category, "version": row.version,
            "record": row.record, "created_at": rfc3339(row.created_at),
            "changed_at": rfc3339(row.changed_at),
            "withdrawn_at": rfc3339(row.withdrawn_at) if row.withdrawn_at else None}  # fmt: skip


def check_entered_alert(record: dict[str, Any], codes: frozenset[str]) -> None:
    """The rules an alert entered at a node is held to (``put_alerts``, and each line of
    ``cta alerts import`` before anything is stored), which a stored or a peer's alert is not
    (``alert_from_json``'s ``entering``); and its nationalities are codes a document may carry
    (``cta/data/countries.csv``; an MRZ's filler aside: ``D<<`` is Germany)."""
    alert_from_json(record, entering=True)
    for i, code in enumerate(record.get("nationalities") or []):
        if str(code).upper().rstrip("<") not in codes:
            raise InvalidInputError(f"nationalities[{i}]: {code!r} is not an ICAO 9303 country "
                                    "code")  # fmt: skip


def check_alert_id_owner(alert_id: str, state: str, members: Iterable[str]) -> None:
    """An id ``state``'s node gives does not read as another member's (``alert_id_owner``)."""
    owner = alert_id_owner(alert_id, members)
    if owner not in (None, state):
        raise InvalidInputError(f"alert {alert_id!r}: id reads as an alert of {owner}; this "
                                f"node issues {state}'s (an id such as {state}-…)")  # fmt: skip


def _refuse_others_alerts(state: str, known: Sequence[AlertRow], verb: str) -> None:
    """Only the issuing state changes or withdraws its alerts (its peers refuse the record):
    409 for an alert stored here that another member issued."""
    for row in known:
        if row.issuing_state not in (None, state):
            raise ConflictError(
                f"alert {row.id!r} was issued by {row.issuing_state}: only the issuing state "
                f"{verb} it (ask {row.issuing_state}'s node)")
