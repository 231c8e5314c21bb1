"""The node in the federation: seal its own facts, serve them, ingest and apply its peers'.

What a node records goes first to its outbox, in the transaction of the fact itself. The
sealer (``seal_pending``) then turns outbox rows, in order, into this node's signed, chained
records (``cta.federation.records.seal``); sealing after the fact keeps signatures out of the
border check's transaction and lets a bulk import stay a bulk insert. Records are served by
``page``; a peer's batch is verified whole (``cta.federation.verify``) and stored and applied
in one transaction by ``ingest``: applying writes the peer's crossings, refusals and alerts into
this node's own tables, so that every view (stay, overstays, traveller file, alerts in checks)
is computed over all origins' records. A rejected batch stores nothing, is audited and logged
as an alarm, and blocks nothing but that peer.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from cta.domain.crossing_points import CrossingPoints
from cta.domain.documents import TravelDocument
from cta.domain.errors import CTAError
from cta.domain.screening import alert_from_json
from cta.federation.members import Federation
from cta.federation.protocol import RecordsPage
from cta.federation.records import GENESIS_HASH, Record, seal
from cta.federation.verify import ChainHead, IngestResult, Reason, Rejection, verify_batch
from cta.services.checks import read_document
from cta.services.ports import AuditEntry, ChainHeadRow, Store, Transaction

__all__ = ["FederationDaemon", "FederationService", "federation_status",
           "redact_person_records"]

log = logging.getLogger("cta.federation")
SEAL_BATCH = 1000


class FederationService:
    """One node's side of the federation over its store."""

    def __init__(
        self,
        store: Store,
        federation: Federation,
        key: Ed25519PrivateKey,
        *,
        countries: Any,
        crossing_points: CrossingPoints,
        clock: Callable[[], datetime],
    ) -> None:
        self.store = store
        self.federation = federation
        self.state = federation.node
        self._key = key
        self._countries = countries
        self._points = crossing_points
        self.clock = clock

    @property
    def key(self) -> Ed25519PrivateKey:
        return self._key

    # -- this node's records ---------------------------------------------------------------

    def seal_pending(self, limit: int = SEAL_BATCH) -> int:
        """Seal the outbox rows not sealed yet (up to ``limit``), in order; how many."""
        with self.store.transaction() as tx:
            head = tx.chain_head(self.state, lock=True) or ChainHeadRow(
                self.state, 0, GENESIS_HASH, None, 0)
            rows = tx.outbox_after(head.outbox_seq, limit)
            if not rows:
                return 0
            sealed = []
            seq, last_hash, last_at = head.seq, head.hash, _utc(head.at)
            for row in rows:
                at = _utc(row.at)
                at = max(at, last_at) if last_at is not None else at
                seq += 1
                record = seal(self.state, seq, at, row.kind, row.payload, last_hash, self._key)
                sealed.append({"origin": self.state, "seq": seq, "at": record.at,
                               "kind": record.kind, "wire": record.to_wire(),
                               "hash": record.hash, "person_id": row.person_id,
                               "received_at": self.clock()})  # fmt: skip
                last_hash, last_at = record.hash, record.at
            tx.add_records(sealed)
            tx.set_chain_head(ChainHeadRow(self.state, seq, last_hash, last_at, rows[-1].seq))
        return len(sealed)

    def seal_all(self) -> int:
        total = 0
        while done := self.seal_pending():
            total += done
        return total

    def page(self, after: int, limit: int) -> RecordsPage:
        """This node's records after ``after``: the answer to a peer's pull."""
        with self.store.transaction(read_only=True) as tx:
            wires = tx.records_page(self.state, after, limit)
            head = tx.chain_head(self.state)
        records = tuple(Record.from_wire(w) for w in wires)
        return RecordsPage(self.state, records, head.seq if head else 0)

    def position(self, origin: str) -> int:
        with self.store.transaction(read_only=True) as tx:
            head = tx.chain_head(origin)
        return head.seq if head else 0

    # -- peers' records --------------------------------------------------------------------

    def ingest(
        self, origin: str, batch: Sequence[Record], *, alarm: bool = True
    ) -> IngestResult:
        """Verify a peer's batch and store and apply it whole, or store nothing.

        A rejection is audited and raised as an alarm here unless ``alarm`` is false (the
        puller's ``on_rejection`` does it then, for its own rejections too).
        """
        if origin == self.state:
            rejection = Rejection(origin, Reason.WRONG_ORIGIN, 0, None,
                                  "a peer sent this node's own records")  # fmt: skip
            if alarm:
                self.alarm(rejection)
            return IngestResult(0, 0, self.position(origin), rejection)
        with self.store.transaction() as tx:
            row = tx.chain_head(origin, lock=True)
            head = ChainHead(row.seq, row.hash, _utc(row.at)) if row else ChainHead()
            held = tx.record_hashes(origin, [r.seq for r in batch if r.seq < head.seq])
            verdict = verify_batch(origin, head, batch, self.federation, held)
            if isinstance(verdict, Rejection):
                result = IngestResult(0, 0, head.seq, verdict)
            else:
                now = self.clock()
                stored = []
                for record in verdict.records:
                    person_id = self._apply(tx, record)
                    stored.append({"origin": origin, "seq": record.seq, "at": record.at,
                                   "kind": record.kind, "wire": record.to_wire(),
                                   "hash": record.hash, "person_id": person_id,
                                   "received_at": now})  # fmt: skip
                tx.add_records(stored)
                if verdict.records:
                    new = verdict.head
                    tx.set_chain_head(ChainHeadRow(origin, new.seq, new.hash, new.at, 0))
                result = IngestResult(len(verdict.records), verdict.skipped, verdict.head.seq)
        if result.rejection is not None and alarm:
            self.alarm(result.rejection)
        return result

    def alarm(self, rejection: Rejection) -> None:
        """A refused batch: an audit entry always, and an alarm in the log when it points at
        forgery or a broken peer (a gap is only records yet to come)."""
        level = logging.ERROR if rejection.reason.is_tampering else logging.WARNING
        log.log(level, "federation alarm: rejected a batch of %s: %s", rejection.origin,
                rejection)  # fmt: skip
        entry = AuditEntry("federation", "node", "reject records", "federation", None,
                           {"origin": rejection.origin, "reason": rejection.reason.value,
                            "seq": rejection.seq, "message": rejection.message})  # fmt: skip
        self.store.audit([entry], self.clock())

    # -- applying a peer's record to this node's tables ------------------------------------

    def _apply(self, tx: Transaction, record: Record) -> int | None:
        """Write what the record says into this node's tables; the local person it concerns."""
        payload = record.payload
        if payload is None:  # redacted at its origin before we saw it
            return None
        try:
            if record.kind in ("CrossingRecorded", "RefusalRecorded"):
                return self._apply_crossing(tx, record.origin, payload)
            if record.kind == "AlertPut":
                self._apply_alert(tx, record.origin, payload)
            elif record.kind == "AlertWithdrawn":
                tx.withdraw_alert(str(payload["alert_id"]), self.clock())
            elif record.kind == "RetentionDeletion":
                self._apply_deletion(tx, payload)
        except (CTAError, KeyError, TypeError, ValueError) as exc:
            # a signed record of a member that this node cannot apply: keep it (it is part of
            # the chain) and say so; the views miss that one fact until it is understood
            log.warning("record %s/%s (%s) not applied: %s", record.origin, record.seq,
                        record.kind, exc)  # fmt: skip
        return None

    def _apply_crossing(self, tx: Transaction, origin: str, payload: dict[str, Any]) -> int:
        occurred = datetime.fromisoformat(payload["occurred_at"]).astimezone(UTC)
        day = date.fromisoformat(payload["local_date"])
        document = self._document(payload, day)
        person_id, document_id = _file(tx, document, occurred)
        point = self._points.get(payload["crossing_point"])
        common = {"person_id": person_id, "document_id": document_id,
                  "crossing_point": payload["crossing_point"], "occurred_at": occurred,
                  "time_zone": point.time_zone if point else "UTC", "local_date": day,
                  "officer": f"{origin} node", "recorded_at": self.clock(),
                  "origin": origin}  # fmt: skip
        if payload.get("refused"):
            tx.add_refusal(reasons=payload.get("reasons", []), **common)
        else:
            tx.add_crossing(direction=payload["direction"], decision=payload["decision"],
                            override_reason=None, **common)  # fmt: skip
        exited = not payload.get("refused") and payload["direction"] == "exit"
        tx.touch_person(person_id, day, exited=exited)
        return person_id

    def _document(self, payload: dict[str, Any], day: date) -> TravelDocument | dict[str, Any]:
        if "mrz" in payload:
            return read_document(payload["mrz"], on=day, countries=self._countries)
        return dict(payload["document"])

    def _apply_alert(self, tx: Transaction, origin: str, payload: dict[str, Any]) -> None:
        alert = payload["alert"]
        alert_from_json(alert)  # as strict as a local put
        known = tx.alert(alert["id"])
        issuer = alert.get("issuing_state") or origin
        if issuer != origin or (known is not None and known.issuing_state not in (None, origin)):
            raise CTAError(f"{origin} may not put alert {alert['id']!r} of {issuer}")
        tx.put_alerts([alert], self.clock())

    def _apply_deletion(self, tx: Transaction, payload: dict[str, Any]) -> None:
        """Redact and delete the persons the records concern. Records of this node's own that
        this erases are announced in a ``RetentionDeletion`` of its own: a peer that gets one
        of them only after the deletion it heard first (and so filed the person again) hears
        of it from their origin too."""
        refs = [(str(o), int(s)) for o, s in payload["records"]]
        own: list[list[Any]] = []
        for person_id in tx.persons_of_records(refs):
            own += [ref for ref in redact_person_records(tx, person_id) if ref[0] == self.state]
            tx.delete_person(person_id)
        if own:
            tx.emit("RetentionDeletion", {"records": sorted(own)}, self.clock())


def redact_person_records(tx: Transaction, person_id: int) -> list[list[Any]]:
    """Drop the payloads of every record that concerns a person (hash and signature stay);
    the references of those records, for the ``RetentionDeletion`` that tells the peers."""
    refs: list[list[Any]] = []
    for origin, seq, wire in tx.records_of_person(person_id):
        tx.replace_record_wire(origin, seq, Record.from_wire(wire).redact().to_wire())
        refs.append([origin, seq])
    return refs


def _file(
    tx: Transaction, document: TravelDocument | dict[str, Any], at: datetime
) -> tuple[int, int]:
    """The local person and document of a peer's record: found by (issuing_state, number), or
    created, as a crossing recorded here files them."""
    fields = document.to_json() if isinstance(document, TravelDocument) else document
    known = tx.document_key(str(fields["issuing_state"]), str(fields["document_number"]))
    if known is not None:
        return known
    born = fields.get("birth_date")
    expiry = fields.get("expiry_date")
    person_id = tx.add_person(
        surname=fields["surname"], given_names=fields["given_names"],
        nationality=fields["nationality"],
        birth_date=date.fromisoformat(born) if isinstance(born, str) else born,
        birth_date_raw=fields["birth_date_raw"], sex=fields.get("sex"), created_at=at,
        last_exit=None, overstayed=False,
    )  # fmt: skip
    document_id = tx.add_document(
        person_id=person_id, document_code=fields.get("document_code") or "P",
        issuing_state=fields["issuing_state"], document_number=fields["document_number"],
        expiry_date=date.fromisoformat(expiry) if isinstance(expiry, str) else expiry,
        first_seen=at,
    )  # fmt: skip
    return person_id, document_id



class FederationDaemon:
    """The node's federation work in the background: seal the outbox, pull every peer.

    One per node (``cta serve`` starts it in its main process, whatever the number of
    workers). Peers' statuses go to the ``peer_status`` table for ``cta federation status``.
    """

    def __init__(
        self, service: FederationService, *, poll_seconds: float = 1.0, seal_seconds: float = 0.2,
    ) -> None:  # fmt: skip
        import httpx

        from cta.federation.sync import Peer, SyncLoop

        self.service = service
        self._client = httpx.Client(timeout=10.0)
        self._seal_seconds = seal_seconds
        self.loop = SyncLoop([
            Peer(state=peer, endpoint=service.federation.endpoint(peer), node=service.state,
                 key=service.key, client=self._client,
                 ingest=functools.partial(service.ingest, alarm=False),
                 position=service.position, poll_seconds=poll_seconds,
                 on_rejection=service.alarm)
            for peer in service.federation.peers
        ])  # fmt: skip
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self.loop.start()
        self._thread = threading.Thread(target=self._run, name="cta-sealer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.loop.stop()
        if self._thread is not None:
            self._thread.join(10.0)
        self._client.close()

    def _run(self) -> None:
        written = 0.0
        while not self._stop.is_set():
            try:
                sealed = self.service.seal_pending()
            except Exception:  # the database away for a moment: say so, try again
                log.exception("sealing failed; retrying")
                sealed = 0
            if time.monotonic() - written > 1.0:
                self._write_statuses()
                written = time.monotonic()
            if not sealed:
                self._stop.wait(self._seal_seconds)

    def _write_statuses(self) -> None:
        now = self.service.clock()
        try:
            with self.service.store.transaction() as tx:
                for status in self.loop.statuses():
                    tx.put_peer_status(
                        peer=status.state, endpoint=status.endpoint,
                        remote_last_seq=status.remote_last_seq,
                        last_success_at=status.last_success_at, last_error=status.last_error,
                        last_error_at=status.last_error_at, failures=status.failures,
                        rejections=status.rejections, updated_at=now,
                    )  # fmt: skip
        except Exception:
            log.exception("could not write the peers' statuses")


def federation_status(store: Store, state: str) -> list[dict[str, Any]]:
    """Per origin: the last record held, and for peers what the sync loop last saw."""
    with store.transaction(read_only=True) as tx:
        heads = {h.origin: h for h in tx.chain_heads()}
        statuses = {s["peer"]: s for s in tx.peer_statuses()}
    rows = []
    for origin in sorted(set(heads) | set(statuses) | {state}):
        head, status = heads.get(origin), statuses.get(origin, {})
        last = head.seq if head else 0
        remote = status.get("remote_last_seq")
        rows.append({
            "origin": origin, "self": origin == state, "last_seq": last,
            "last_record_at": _iso(head.at) if head else None,
            "remote_last_seq": remote,
            "lag": None if remote is None else max(0, remote - last),
            "last_success_at": _iso(status.get("last_success_at")),
            "last_error": status.get("last_error"),
            "last_error_at": _iso(status.get("last_error_at")),
            "failures": status.get("failures", 0), "rejections": status.get("rejections", 0),
            "outbox_sealed_to": head.outbox_seq if head and origin == state else None,
        })  # fmt: skip
    return rows


def _utc(value: Any) -> Any:
    """A stored time in UTC: SQLite gives it back without its zone (it was stored in UTC)."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _iso(value: Any) -> str | None:
    return _utc(value).isoformat() if value is not None else None
