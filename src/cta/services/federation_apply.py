"""Applying a peer's verified records to this node's own tables (``FederationService``'s
part): crossings and refusals in bulk runs, every other kind one at a time, in its place; a
record that cannot be applied is kept, with why (``records.not_applied``)."""

from __future__ import annotations

import contextlib
import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cta.domain.alerts import alert_id_owner
from cta.domain.crossing_points import CrossingPoints
from cta.domain.errors import CTAError
from cta.domain.peer_filings import hit_decision, territories
from cta.domain.peer_records import (
    PeerRecordError,
    corrected_place,
    crossing_facts,
    deletion_refs,
    document_days,
    document_fields,
    member_national_problem,
    one_of,
    permit_validity,
    plain,
    refusal_reasons,
    text,
)
from cta.domain.screening import alert_from_json
from cta.domain.travel_permits import territories_text
from cta.domain.travellers import crossed_together, join_problem
from cta.domain.typed_text import with_escapes
from cta.federation.members import Federation
from cta.federation.records import Record
from cta.federation.verify import Checked, Reason, erased_by
from cta.services.application_records import apply_application_decision
from cta.services.application_retention import announce_erasure, erase_filed_from
from cta.services.checks import read_document
from cta.services.consultation_records import (
    apply_consultation_answer,
    apply_consultation_request,
)
from cta.services.internal_check_records import INTERNAL_CHECK_KINDS, apply_reintroduction
from cta.services.ports import DatabaseUnavailableError, Referenced, Transaction
from cta.services.visas import peer_visa_fields

__all__ = ["CROSSING_KINDS", "MAX_LINKED_DOCUMENTS", "PeerRecords", "redact_person_records"]

log = logging.getLogger("cta.federation")
# the most documents a peer's IdentityLinked may name: the documents one person holds (its
# passports over the years, an identity card or two); a link of 1,500 made 1,500 persons one
MAX_LINKED_DOCUMENTS = 50
CROSSING_KINDS = frozenset({"CrossingRecorded", "RefusalRecorded"})  # applied in bulk
MRZ_KEYS = 50_000  # MRZs whose document key is kept (``PeerRecords._document``)
# the kinds that supersede a record and amend the row it wrote, and that row's table
_AMENDING: dict[str, Referenced] = {
    "CrossingCorrected": "crossings", "CrossingWithdrawn": "crossings",
    "RefusalCorrected": "refusals", "RefusalWithdrawn": "refusals",
    "VisaRevoked": "visas", "AuthorizationRevoked": "authorizations",
}  # fmt: skip


# the kinds whose record names the one it follows (``supersedes``): the amendments, an alert's
# change or withdrawal (its last record), an application's decision again (its last decision)
_SUPERSEDING = frozenset({*_AMENDING, "AlertPut", "AlertWithdrawn", "ApplicationDecided"})


def _check_supersedes(record: Record) -> None:
    """A record names a record it follows only when its kind does, and only its origin's own
    (the sweep's S15-D1: a crossing that superseded another, and ARM's alert that superseded
    AZE's crossing, were applied as if they named nothing)."""
    old = record.supersedes
    if old is None:
        return
    if record.kind not in _SUPERSEDING:
        raise PeerRecordError(f"supersedes: a {record.kind} follows no record, and names "
                              f"{old.origin}/{old.seq}")  # fmt: skip
    if old.origin != record.origin:
        raise PeerRecordError(f"supersedes: {record.origin} follows its own records only, not "
                              f"{old.origin}/{old.seq}")  # fmt: skip


class Prepared(list[tuple[Reason, str] | None]):
    """Rule 2's verdicts on a page (``check_records``), and what applying its intact
    crossings will need that does not depend on this node's tables, worked out in the thread
    that fetched the page ahead while the page before was applied (``PeerRecords.prepare``):
    each crossing's reading by seq, with the very record it was read from."""

    __slots__ = ("readings",)

    def __init__(self, verdicts: Checked,
                 readings: dict[int, tuple[Record, _PeerCrossing]]) -> None:  # fmt: skip
        super().__init__(verdicts)
        self.readings = readings


class PeerRecords:
    """Writes what a peer's records say into this node's tables."""

    state: str
    federation: Federation
    clock: Callable[[], datetime]
    _countries: Any
    _points: CrossingPoints
    # MRZ text -> the document's (issuing_state, number), read once (``_document``)
    _mrz_keys: dict[Any, tuple[str, str]]


    def prepare(self, batch: Sequence[Record], verdicts: Checked) -> Prepared:
        """``verdicts`` with the readings of ``batch``'s crossings that rule 2 found intact
        (``_read_crossing``) and each intact record's stored form encoded
        (``Record.stored_wire``): the sync thread's work, done beforehand in the thread that
        fetched the page. A record that cannot be read is left to the apply, which says why."""
        readings: dict[int, tuple[Record, _PeerCrossing]] = {}
        for record, verdict in zip(batch, verdicts, strict=True):
            if verdict is not None:
                continue
            record.stored_wire()
            if record.kind in CROSSING_KINDS and record.payload is not None:
                with contextlib.suppress(Exception):  # no store here: the apply says why
                    readings[record.seq] = (record, self._read_crossing(record))
        return Prepared(verdicts, readings)

    def _apply_and_store(
        self, tx: Transaction, records: Sequence[Record], received_at: datetime,
        readings: dict[int, tuple[Record, _PeerCrossing]] | None = None,
    ) -> int:  # fmt: skip
        """Apply a verified batch in order, and store its records with their local persons
        and, for those not applied, why; how many were not applied.

        Catching up is mostly crossings, and applying them one by one spent most of its time
        on per-row statements (docs/benchmarks.md, the catch-up profile). So each run of
        consecutive crossings and refusals is applied in bulk (``_apply_crossings``); any
        other record ends the run and is applied on its own, in its place. The records of a
        run, or the one record, are stored as soon as applied: a later record of the batch
        that names them (a deletion, a correction) finds them, as if they had come in an
        earlier batch.
        """
        not_applied = 0
        for bulk, group in itertools.groupby(records, key=lambda r: r.kind in CROSSING_KINDS):
            members = list(group)
            steps = [members] if bulk else [[record] for record in members]
            for applied in steps:
                outcomes = (self._apply_crossings(tx, applied, readings or {}) if bulk
                            else [self._apply(tx, applied[0])])  # fmt: skip
                tx.add_records([{"origin": record.origin, "seq": record.seq, "at": record.at,
                                 "kind": record.kind, "wire": record.stored_wire(),
                                 "hash": record.hash, "person_id": person_id,
                                 "received_at": received_at, "not_applied": why}
                                for record, (person_id, why)
                                in zip(applied, outcomes, strict=True)])  # fmt: skip
                not_applied += sum(why is not None for _, why in outcomes)
                for record in applied:
                    if record.kind == "RetentionDeletion":
                        tx.mark_erased(record.origin, erased_by(record), record.seq)
        return not_applied

    def _apply(self, tx: Transaction, record: Record) -> tuple[int | None, str | None]:
        """Write what the record says into this node's tables: the local person it concerns,
        and why it was not applied (None: it was, or it was erased at its origin)."""
        payload = record.payload
        if payload is None:  # erased at its origin before we saw it (verify has the proof)
            return None, None
        try:
            _check_supersedes(record)
            # in a savepoint: a record not applied keeps nothing it wrote before its fault,
            # and on PostgreSQL the transaction a refused value aborted goes on with the next
            with tx.savepoint():
                return self._apply_kind(tx, record, payload), None
        except Exception as exc:
            if _store_fault(exc):  # the batch fails, stores nothing, and is pulled again
                raise
            # a signed record of a member that this node cannot apply: keep it (it is part of
            # the chain), say so and count it; the views miss that one fact
            return None, _not_applied(record, exc)

    def _apply_kind(self, tx: Transaction, record: Record, payload: dict[str, Any]) -> int | None:
        """``_apply`` by the record's kind: the local person it concerns; raises when the
        record cannot be applied."""
        members, codes = self.federation.states, self._countries.codes
        if record.kind in _AMENDING:
            return self._apply_amendment(tx, record, payload)
        if record.kind in ("VisaIssued", "AuthorizationIssued"):
            return self._apply_permit(tx, record, payload)
        if record.kind == "IdentityLinked":
            return self._apply_link(tx, payload, record.at)
        if record.kind == "AlertHitDecided":
            return self._apply_hit_decision(tx, record, payload)
        if record.kind == "ApplicationDecided":  # cta.services.application_records
            apply_application_decision(tx, record.origin, record.seq, record.at, payload,
                                       codes)  # fmt: skip
            return None
        if record.kind == "ConsultationRequested":
            return apply_consultation_request(tx, self.state, record, payload, members)
        if record.kind == "ConsultationAnswered":
            return apply_consultation_answer(tx, self.state, record, payload, members)
        if record.kind in INTERNAL_CHECK_KINDS:  # cta.services.internal_check_records
            apply_reintroduction(tx, self._points, record, payload)
            return None
        if record.kind == "AlertPut":
            self._apply_alert(tx, record.origin, payload)
        elif record.kind == "AlertWithdrawn":
            self._apply_withdrawal(tx, record.origin, payload)
        elif record.kind == "RetentionDeletion":
            self._apply_deletion(tx, record, payload)
        else:
            raise CTAError(f"{record.kind} is not a kind of record this node applies")
        return None

    def _apply_crossings(
        self, tx: Transaction, run: Sequence[Record],
        readings: dict[int, tuple[Record, _PeerCrossing]],
    ) -> list[tuple[int | None, str | None]]:  # fmt: skip
        """File a run of a peer's crossings and refusals with a handful of statements; the
        local person of each record (None: redacted, or not applied) and why it was not.

        Each record is read and checked whole first, so one that cannot be applied writes
        nothing (it is logged and kept, as in ``_apply``). Then one look-up of the run's
        documents, new persons and documents inserted together (a document seen twice in the
        run is one person; one already on this node is reused), the crossings and refusals
        inserted together, and each person's last day seen and last exit moved forward once.
        """
        now = self.clock()
        read: list[tuple[int, _PeerCrossing]] = []
        why: dict[int, str] = {}  # by seq
        for n, record in enumerate(run):
            if record.payload is None:  # redacted at its origin before we saw it
                continue
            ready = readings.get(record.seq)
            if ready is not None and ready[0] is record:  # read ahead (``prepare``)
                read.append((n, ready[1]))
                continue
            try:
                read.append((n, self._read_crossing(record)))
            except Exception as exc:  # no store in the reading: any fault is the record's
                why[record.seq] = _not_applied(record, exc)
        filed, unfiled = _file(tx, [(run[n], crossing) for n, crossing in read])
        why |= unfiled
        person_ids: list[int | None] = [None] * len(run)
        crossings: list[dict[str, Any]] = []
        refusals: list[dict[str, Any]] = []
        last_seen: dict[int, date] = {}
        last_exits: dict[int, date] = {}
        for n, crossing in read:
            if run[n].seq in unfiled:
                continue
            person_id, document_id = filed[crossing.key]
            person_ids[n] = person_id
            row = {"person_id": person_id, "document_id": document_id, **crossing.row,
                   "recorded_at": now}  # fmt: skip
            (refusals if crossing.refused else crossings).append(row)
            day = crossing.row["local_date"]
            if day > last_seen.get(person_id, date.min):
                last_seen[person_id] = day
            if crossing.exited and day > last_exits.get(person_id, date.min):
                last_exits[person_id] = day
        tx.add_crossings(crossings)
        tx.add_refusals(refusals)
        tx.touch_persons(last_seen, last_exits)
        return [(person_id, why.get(record.seq))
                for person_id, record in zip(person_ids, run, strict=True)]  # fmt: skip

    def _read_crossing(self, record: Record) -> _PeerCrossing:
        """A peer's crossing or refusal as this node's row, every field of it read and checked
        as this node's API checks an officer's (``cta.domain.peer_records``; or raise); the
        document's dates, and an MRZ's fields, are read only if it is new here (``_file``)."""
        payload = record.payload
        assert payload is not None
        _check_supersedes(record)
        facts = crossing_facts(payload, kind=record.kind, origin=record.origin,
                               sealed_at=record.at, point=self._point(payload),
                               codes=self._countries.codes)  # fmt: skip
        key, fields = self._document(facts.mrz, facts.document, facts.local_date)
        row = {"crossing_point": facts.point.code, "occurred_at": facts.occurred,
               "time_zone": facts.point.time_zone, "local_date": facts.local_date,
               "officer": f"{record.origin} node", "origin": record.origin,
               "record_seq": record.seq}  # fmt: skip
        if facts.refused:
            row["reasons"] = facts.reasons
        else:
            row.update(direction=facts.direction, decision=facts.decision,
                       override_reason=None)  # fmt: skip
        exited = not facts.refused and facts.direction == "exit"
        return _PeerCrossing(key, fields, facts.occurred, row, facts.refused, exited)

    def _point(self, payload: dict[str, Any]) -> Any:
        """The crossing point a payload names, or None."""
        code = payload.get("crossing_point")
        return self._points.get(code) if isinstance(code, str) else None

    def _document(
        self, mrz: list[str] | None, given: dict[str, Any] | None, day: date
    ) -> tuple[tuple[str, str], Callable[[], dict[str, Any]]]:
        """The document's key (issuing_state, number), and how to read its other fields: from
        the MRZ, as a crossing recorded here reads it, or as the payload gives them.

        Only a document new here needs its fields (``_file``), and reading an MRZ was a third
        of applying a crossing. The key does not depend on the day an MRZ is read as of (only
        its dates do), so an MRZ read before (the same text: a traveller's exit after the
        entry, the same passport again) gives its key from ``_mrz_keys`` without being read
        again; its fields, as of this record's day, only if they are needed."""
        if mrz is None:
            assert given is not None
            return _key(given), lambda: given
        lines = _mrz_text(mrz)
        known = self._mrz_keys.get(lines) if lines is not None else None
        if known is not None:
            return known, lambda: self._read_mrz(mrz, day)
        fields = self._read_mrz(mrz, day)
        key = _key(fields)
        if lines is not None:
            if len(self._mrz_keys) >= MRZ_KEYS:  # bounded: start again
                self._mrz_keys.clear()
            self._mrz_keys[lines] = key
        return key, lambda: fields

    def _read_mrz(self, mrz: Any, day: date) -> dict[str, Any]:
        return read_document(mrz, on=day, countries=self._countries).to_json()

    def _apply_amendment(self, tx: Transaction, record: Record, payload: dict[str, Any]) -> int:
        """A correction, withdrawal or revocation: find the row the superseded record wrote
        (or last corrected) and change or delete it. Only a row's origin amends it."""
        table = _AMENDING[record.kind]
        old = record.supersedes
        if old is None or old.origin != record.origin:
            raise CTAError(f"{record.kind} must supersede a record of its own origin")
        new: dict[str, Any] = {}  # the row's new values, all read before anything is written
        if record.kind in ("CrossingCorrected", "RefusalCorrected"):
            point, occurred, on = corrected_place(payload, origin=record.origin,
                                                  sealed_at=record.at,
                                                  point=self._point(payload))  # fmt: skip
            new = {"crossing_point": point.code, "occurred_at": occurred,
                   "time_zone": point.time_zone, "local_date": on, "record_seq": record.seq}
            if record.kind == "CrossingCorrected":
                new["direction"] = one_of(payload.get("direction"), "direction",
                                          ("entry", "exit"))  # fmt: skip
            else:
                new["reasons"] = refusal_reasons(payload.get("reasons"))
        row_id = tx.row_of_record(table, old.origin, old.seq)
        row = tx.row(table, row_id) if row_id is not None else None
        if row_id is None or row is None:
            raise CTAError(f"the row of record {old.origin}/{old.seq} is not on this node")
        person_id = int(row["person_id"])
        if new:
            tx.update_row(table, row_id, **new)
        else:
            tx.delete_row(table, row_id)
        if table in ("crossings", "refusals"):
            tx.refresh_person_days(person_id)
        return person_id

    def _apply_permit(self, tx: Transaction, record: Record, payload: dict[str, Any]) -> int:
        """A visa or authorisation a peer issued: it holds here too (one common regime).
        Everything is read before anything is written: a record that cannot be read files no
        one. Its terms are those an issuing node accepts (``permit_validity``), and never for
        a member state's national."""
        document = document_fields(payload.get("document"), self._countries.codes)
        if (problem := member_national_problem(document, self.federation.states)) is not None:
            raise PeerRecordError(problem)
        visa = record.kind == "VisaIssued"
        valid_from, valid_to, days, entries = permit_validity(payload, visa=visa)
        fields = {"document_number": document["document_number"], "valid_from": valid_from,
                  "valid_to": valid_to, "issued_at": record.at,
                  "origin": record.origin, "record_seq": record.seq,
                  "territorial_validity": territories_text(territories(
                      payload.get("territorial_validity"), self.federation.states))}  # fmt: skip
        if visa:
            fields |= {"duration_days": days, "entries": entries, "entries_used": 0}
            fields |= peer_visa_fields(tx, payload, record.origin, record.at.date())
        person_id, _ = _file_document(tx, document, record.at)
        if record.kind == "VisaIssued":
            tx.add_visa(person_id=person_id, **fields)
        else:
            tx.add_authorization(person_id=person_id, **fields)
        return person_id

    def _apply_link(self, tx: Transaction, payload: dict[str, Any], at: datetime) -> int:
        """An officer at the origin confirmed that a new document is a known person's: the
        persons filed here under any of those documents become one, holding all of them.

        A document of ``same_as`` this node has not met yet (its record, from a third node,
        may still be on its way) is filed for that person now, by its key alone: when its
        record comes, it finds the person instead of making a new one."""
        codes = self._countries.codes
        document = document_fields(payload.get("document"), codes)
        new = (document["issuing_state"], document["document_number"])
        same_as = _same_as(payload.get("same_as"), codes)
        document_days(document)  # read before anything is written
        name_change = payload.get("name_change", False)
        if not isinstance(name_change, bool):
            raise PeerRecordError("name_change: true or false is expected")
        earlier = sorted({found[0] for s, n, _ in same_as
                          if (found := tx.document_key(s, n)) is not None})  # fmt: skip
        held = tx.document_key(*new)
        _check_merge(tx, earlier, held[0] if held is not None else None, renamed=name_change)
        persons = sorted({*earlier, *([held[0]] if held is not None else [])})
        if persons:
            keep = persons[0]
            for other in persons[1:]:
                tx.merge_persons(keep, other)
            _file_document(tx, document, at, keep)
        else:  # none of them here yet (or erased)
            keep = _file_document(tx, document, at)[0]
        for state, number, code in same_as:
            if tx.document_key(state, number) is None:
                tx.add_document(person_id=keep, document_code=code, issuing_state=state,
                                document_number=number, expiry_date=None, first_seen=at)
        return keep

    def _apply_alert(self, tx: Transaction, origin: str, payload: dict[str, Any]) -> None:
        """An alert put: only by its issuing state, and under an id that does not read as
        another member's (``alert_id_owner``), unless the origin put it here under that id
        already (older data: its issuer may still change it, as it may withdraw it)."""
        alert = payload.get("alert")
        if not isinstance(alert, dict):
            raise PeerRecordError("alert: an object of the alert's fields is expected")
        plain(alert, "alert")
        alert_from_json(alert)  # as strict as a local put
        known = tx.alert(alert["id"])
        issuer = alert.get("issuing_state") or origin
        if known is not None and known.issuing_state not in (None, origin):
            issuer = known.issuing_state
        if issuer != origin:
            raise CTAError(f"only the issuing state changes its alerts: {origin} may not put "
                           f"alert {alert['id']!r} of {issuer}")  # fmt: skip
        owner = alert_id_owner(alert["id"], self.federation.states)
        if owner not in (None, origin) and (known is None or known.issuing_state != origin):
            raise PeerRecordError(f"alert.id: {alert['id']!r} reads as an alert of {owner}: "
                                  f"{origin} gives ids of its own ({origin}-…) or of no "
                                  "member's")  # fmt: skip
        tx.put_alerts([{**alert, "issuing_state": issuer}], self.clock())

    def _apply_withdrawal(self, tx: Transaction, origin: str, payload: dict[str, Any]) -> None:
        alert_id = text(payload.get("alert_id"), "alert_id", most=100, least=1)
        known = tx.alert(alert_id)
        if known is None:
            raise CTAError(f"alert {alert_id!r} is not on this node")
        if known.issuing_state not in (None, origin):
            raise CTAError(f"only the issuing state withdraws its alerts: {origin} may not "
                           f"withdraw alert {alert_id!r} of {known.issuing_state}")  # fmt: skip
        tx.withdraw_alert(alert_id, self.clock())

    def _apply_hit_decision(
        self, tx: Transaction, record: Record, payload: dict[str, Any]
    ) -> int | None:
        """An officer of the origin confirmed or dismissed a hit there. It is filed here as
        the origin's (``alert_decisions.origin``): checks here show it beside the hit, but only
        this node's own officers' decisions change what a check here decides. Read whole first
        (``hit_decision``: as ``POST /v1/alert-hits`` takes one, the columns' lengths)."""
        d = hit_decision(payload, sealed_at=record.at, codes=self._countries.codes)
        found = tx.document_key(d.issuing_state, d.document_number)
        person_id = found[0] if found is not None else None
        tx.add_alert_decision(
            alert_id=d.alert_id, alert_version=d.alert_version, issuing_state=d.issuing_state,
            document_number=d.document_number, person_id=person_id, decision=d.decision,
            reason=d.reason, officer=d.officer, at=d.at, origin=record.origin,
            record_seq=record.seq,
        )  # fmt: skip
        return person_id

    def _apply_deletion(self, tx: Transaction, record: Record, payload: dict[str, Any]) -> None:
        """Erase the origin's records the deletion names, and only those: a record is erased
        on its origin's word (``deletion_refs``; the others named are left to their origins,
        and logged). A person they concern is deleted when nothing else of theirs is left
        here; else only the rows those records wrote go. Then the payloads of the origin's
        records named that concern no one here (an application's decision, a consultation)
        and the rows they filed (``cta.services.application_retention``); this node's answers
        to consultations so erased are announced in a ``RetentionDeletion`` of its own."""
        origin = record.origin
        seqs, others = deletion_refs(payload, origin)
        if others:
            log.info("record %s/%s (RetentionDeletion): %d records of other origins left to "
                     "them (%s)", origin, record.seq, len(others), ", ".join(others[:5]))
        refs = [(origin, seq) for seq in seqs]
        named = set(refs)
        tx.delete_peer_decisions(refs)  # those filed for no one here go too
        for person_id in tx.persons_of_records(refs):
            for ref_origin, seq, wire in tx.records_of_person(person_id):
                if (ref_origin, seq) in named:
                    tx.replace_record_wire(ref_origin, seq,
                                           Record.from_wire(wire).redact().to_wire())
                    _delete_rows_of(tx, ref_origin, seq)
            if _holds_more(tx, person_id):  # another origin's, or one not named
                tx.refresh_person_days(person_id)
            else:
                tx.delete_person(person_id)
        announce_erasure(tx, sorted(erase_filed_from(tx, self.state, origin, refs)),
                         self.clock())  # fmt: skip


def _check_merge(
    tx: Transaction, earlier: list[int], holder: int | None, *, renamed: bool
) -> None:
    """The persons a peer's link would make one must be candidates for each other, as an
    officer's link asks (``DocumentFiling``: nationality, birth date and surname): a peer's
    link cannot make this node's traveller one with a stranger, which no officer of the origin
    could have confirmed. ``earlier``: the holders here of the documents the person held
    (``same_as``), candidates among themselves; ``holder``: the new document's, a candidate
    too, or, when the link's officer saw the earlier document and marked a change of name
    (``renamed``), of another surname; all of the same given names (``join_problem``: twins are
    candidates). Two who crossed the same way on one day here are never made one
    (``crossed_together``)."""
    persons = sorted({*earlier, *([holder] if holder is not None else [])})
    if len(persons) < 2:
        return
    rows = {person_id: tx.person(person_id) for person_id in persons}
    reference = rows[earlier[0]]
    assert reference is not None  # found by its document in this transaction
    strangers = [person_id for person_id in persons if (row := rows[person_id]) is None
                 or join_problem(row, reference, renamed=renamed and person_id == holder
                                 and holder not in earlier) is not None]  # fmt: skip
    if strangers:
        why = ("nationality, birth date and surname differ: a link makes one person of "
               "candidates only, or, after a change of name, of the same nationality, birth "
               "date and given names")  # fmt: skip
        raise PeerRecordError(
            f"same_as: the persons here holding these documents ({earlier[0]} and "
            f"{', '.join(map(str, sorted(strangers)))}) are not candidates for each other "
            f"({why})")
    days = tx.check_history(earlier[0]).days
    for other in persons:
        if other != earlier[0] and (day := crossed_together(
                days, tx.check_history(other).days)) is not None:
            raise PeerRecordError(
                f"same_as: the persons here holding these documents ({earlier[0]} and {other}) "
                f"both crossed on {day}: two travellers, whatever the link says")


def _same_as(value: Any, codes: Any) -> list[tuple[str, str, str]]:
    """An ``IdentityLinked``'s other documents: [issuing_state, number, code] each, at most
    ``MAX_LINKED_DOCUMENTS``."""
    if not isinstance(value, list) or not all(
            isinstance(d, list) and len(d) == 3 for d in value):
        raise PeerRecordError("same_as: a list of [issuing_state, document_number, "
                              "document_code] is expected")  # fmt: skip
    if len(value) > MAX_LINKED_DOCUMENTS:
        raise PeerRecordError(f"same_as: {len(value):,} documents; a link names at most "
                              f"{MAX_LINKED_DOCUMENTS}, the documents one person holds")
    for n, (state, number, code) in enumerate(value):
        if state not in codes:
            raise PeerRecordError(f"same_as[{n}]: {state!r} is not a country code")
        text(number, f"same_as[{n}].document_number", most=30, least=1)
        text(code, f"same_as[{n}].document_code", most=2, least=1)
    return [(s, n, c) for s, n, c in value]


def _delete_rows_of(tx: Transaction, origin: str, seq: int) -> None:
    """The crossing, refusal or permit a record wrote (or last corrected), gone."""
    for table in _TABLES:
        row_id = tx.row_of_record(table, origin, seq)
        if row_id is not None:
            tx.delete_row(table, row_id)


_TABLES: tuple[Referenced, ...] = ("crossings", "refusals", "visas", "authorizations")


def _holds_more(tx: Transaction, person_id: int) -> bool:
    """Whether anything of a person's is left here: a record (sealed here, or of another
    origin), or a row (this node's own not sealed yet among them)."""
    return bool(tx.records_of_person(person_id) or tx.crossings_of(person_id)
                or tx.refusals_of(person_id) or tx.visas_of(person_id)
                or tx.authorizations_of(person_id))  # fmt: skip


def redact_person_records(tx: Transaction, person_id: int) -> list[list[Any]]:
    """Drop the payloads of every record that concerns a person (hash and signature stay);
    the references of those records, for the ``RetentionDeletion`` that tells the peers."""
    refs: list[list[Any]] = []
    for origin, seq, wire in tx.records_of_person(person_id):
        tx.replace_record_wire(origin, seq, Record.from_wire(wire).redact().to_wire())
        refs.append([origin, seq])
    return refs


@dataclass(frozen=True, slots=True)
class _PeerCrossing:
    """A peer's crossing or refusal, read and checked, before it is filed."""

    key: tuple[str, str]  # the document's (issuing_state, document_number)
    document: Callable[[], dict[str, Any]]  # its fields, as the record gives them (if new here)
    occurred: datetime
    row: dict[str, Any]  # the crossing's or refusal's row (but its person and document)
    refused: bool
    exited: bool


def _file(
    tx: Transaction, read: Sequence[tuple[Record, _PeerCrossing]]
) -> tuple[dict[tuple[str, str], tuple[int, int]], dict[int, str]]:
    """The local (person, document) of each document the crossings name: found by
    (issuing_state, number), or filed from the first crossing that names it, as a crossing
    recorded here files them; and the seqs of the records not applied because their document
    is new here and its fields cannot file it (as one by one, the next record naming that
    document files it), with why."""
    filed = tx.document_keys(list(dict.fromkeys(crossing.key for _, crossing in read)))
    new: dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]] = {}
    unfiled: dict[int, str] = {}
    for record, crossing in read:
        if crossing.key in filed or crossing.key in new:
            continue
        try:
            new[crossing.key] = _new_rows(crossing)
        except Exception as exc:  # no store in the reading: any fault is the record's
            unfiled[record.seq] = _not_applied(record, exc)
    person_ids = tx.add_persons([person for person, _ in new.values()])
    document_ids = tx.add_documents([{**document, "person_id": person_id}
                                     for (_, document), person_id
                                     in zip(new.values(), person_ids, strict=True)])  # fmt: skip
    for key, person_id, document_id in zip(new, person_ids, document_ids, strict=True):
        filed[key] = (person_id, document_id)
    return filed, unfiled


def _new_rows(crossing: _PeerCrossing) -> tuple[dict[str, Any], dict[str, Any]]:
    """The person's and the document's rows (but its person) of a document new here."""
    fields, at = crossing.document(), crossing.occurred
    born, expiry = document_days(fields)
    person = {"surname": fields["surname"], "given_names": fields["given_names"],
              "nationality": fields["nationality"], "birth_date": born,
              "birth_date_raw": fields["birth_date_raw"], "sex": fields.get("sex"),
              "created_at": at, "last_exit": None, "overstayed": False}  # fmt: skip
    document = {"document_code": fields.get("document_code") or "P",
                "issuing_state": fields["issuing_state"],
                "document_number": fields["document_number"],
                "expiry_date": expiry, "first_seen": at}  # fmt: skip
    return person, document


def _key(fields: dict[str, Any]) -> tuple[str, str]:
    return str(fields["issuing_state"]), str(fields["document_number"])


def _mrz_text(mrz: Any) -> Any:
    """An MRZ as a key of ``_mrz_keys`` (its text, or its lines as a tuple), None if neither."""
    if isinstance(mrz, str):
        return mrz
    if isinstance(mrz, list) and all(isinstance(line, str) for line in mrz):
        return tuple(mrz)
    return None


def _not_applied(record: Record, problem: Exception) -> str:
    """A signed record of a member that this node cannot apply: kept (it is part of the
    chain), said and counted; the views miss that one fact. Why, in a line."""
    if _refused_value(problem):  # its message quotes the statement's values: personal data
        cause = getattr(problem, "orig", None)
        why = (f"{type(problem).__name__}: the database refused a value of the record"
               + (f" ({type(cause).__name__})" if cause is not None else ""))
    elif isinstance(problem, CTAError):
        why = str(problem)
    elif isinstance(problem, KeyError) and problem.args:
        why = f"{problem.args[0]}: missing"
    else:
        why = f"{type(problem).__name__}: {problem}"
    # a message may quote a value of the record as it came (a visa number "ARM\x00"): a NUL
    # made PostgreSQL refuse the record's row, so its batch failed whole, for ever, and the
    # origin's chain stopped there (the sweep of session 16); a line break would split the log
    why = with_escapes(why)
    log.warning("record %s/%s (%s) not applied: %s", record.origin, record.seq, record.kind,
                why)  # fmt: skip
    return why[:500]


def _file_document(
    tx: Transaction, fields: dict[str, Any], at: datetime, holder: int | None = None
) -> tuple[int, int]:
    """The local (person, document) of one document a record names (``_document_fields`` in
    ``cta.services.node``): found by (issuing_state, number), or filed, for ``holder`` if given,
    else for a new person."""
    key = (str(fields["issuing_state"]), str(fields["document_number"]))
    known = tx.document_key(*key)
    if known is not None:
        return known
    born, expiry = document_days(fields)  # before anything is written
    person_id = holder or tx.add_person(
        surname=str(fields["surname"]), given_names=str(fields["given_names"]),
        nationality=str(fields["nationality"]), birth_date=born,
        birth_date_raw=str(fields["birth_date_raw"]), sex=fields.get("sex"), created_at=at,
        last_exit=None, overstayed=False,
    )  # fmt: skip
    document_id = tx.add_document(
        person_id=person_id, document_code=str(fields.get("document_code") or "P"),
        issuing_state=key[0], document_number=key[1],
        expiry_date=expiry, first_seen=at,
    )  # fmt: skip
    return person_id, document_id


# the packages whose errors are the store's: a record's content never raises them
_DRIVERS = frozenset({"sqlalchemy", "sqlite3", "psycopg", "psycopg2"})


def _store_fault(problem: Exception) -> bool:
    """Whether applying failed for the store (the database away, a statement refused), not
    for the record: then the batch fails whole and is pulled again, where a fault of the
    record's content keeps it not applied. The services know no driver by name, so its
    errors are told by their package.

    But a value the database refuses (``DataError``: too long for its column, a NUL, a time
    out of its range) is the record's fault: pulled again it fails again, for ever, and the
    origin's chain would stop there (the sweep of session 15, S15-A1). A unique constraint
    (``IntegrityError``) stays the store's: two pullers racing meet it, and the apply checks
    the record's own duplicates before writing."""
    if isinstance(problem, (DatabaseUnavailableError, OSError, MemoryError)):
        return True
    if _refused_value(problem):
        return False
    return any(cls.__module__.partition(".")[0] in _DRIVERS for cls in type(problem).__mro__)


def _refused_value(problem: Exception) -> bool:
    """Whether the database refused one of the values written (SQLAlchemy's ``DataError``,
    SQLSTATE class 22), told by its name as ``_store_fault`` tells the drivers'."""
    return any(cls.__name__ == "DataError" and cls.__module__ == "sqlalchemy.exc"
               for cls in type(problem).__mro__)  # fmt: skip

