"""The national node's use cases: check, record, read a traveller file, sweep, export.

Each use case takes the actor (who asks, in which role, for what purpose), checks the role,
does its work in one transaction of the store, and writes an audit entry for every read or
write of personal data in that same transaction, so that no personal data moves unaudited.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

from cta.domain.checks import AlertHit, Check, Decision, Direction, Outcome, decide
from cta.domain.crossing_points import CrossingPoint, CrossingPoints, local_date
from cta.domain.documents import TravelDocument
from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.instants import rfc3339
from cta.domain.regime import Regime
from cta.domain.roles import Permission, Role, allows
from cta.domain.screening import alert_from_json, query_from_json
from cta.domain.stays import Stay, StayHistory
from cta.domain.travel_permits import Authorization, Visa, entries_within, permit_problem
from cta.domain.travellers import (
    CrossingAnomaly,
    CrossingDay,
    anomaly_of_crossing,
    stays_from_crossings,
)
from cta.services.alerts import AlertBook, decisions_elsewhere, query_of_document, settle_hits
from cta.services.checks import ReferenceData, decision_json, read_document
from cta.services.federation import redact_person_records
from cta.services.ports import (
    Aggregates,
    AlertRow,
    AuditEntry,
    PersonRow,
    Referenced,
    Store,
    Transaction,
)
from cta.services.visas import issue_visa_terms, scan_visa

__all__ = [
    "UNKNOWN",
    "Actor",
    "BorderCheck",
    "CheckOutcome",
    "ConflictError",
    "CrossingCorrection",
    "ForbiddenError",
    "Idempotency",
    "IssuePermit",
    "Node",
    "NotFoundError",
    "RecordCrossing",
    "hash_token",
]


class ForbiddenError(CTAError):
    """The actor's role does not allow this."""


class NotFoundError(CTAError):
    """No such person (or record) on this node."""


class ConflictError(CTAError):
    """The request contradicts what is stored (a refused entry without an override, ...)."""


@dataclass(frozen=True, slots=True)
class Actor:
    name: str
    role: Role
    purpose: str = "border control"


class _Unknown(Enum):
    UNKNOWN = "unknown"


UNKNOWN = _Unknown.UNKNOWN  # ``Node.cached_actor``: not in the cache, ask ``authenticate``

# how long an answer to "whose token is this" is kept: a deactivated user's token works on
# for at most this long (the price of not reading the users table on every request)
TOKEN_CACHE = timedelta(seconds=5)


def hash_token(token: str) -> str:
    """Tokens are random 256-bit strings, so one SHA-256 suffices (no password stretching)."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class BorderCheck:
    mrz: Sequence[str]
    crossing_point: str
    direction: Direction
    planned_exit: date | None = None
    person_id: int | None = None  # a person the officer confirmed this document belongs to
    visa_mrz: Sequence[str] | None = None  # a visa's MRZ scanned beside it (services.visas)


@dataclass(frozen=True, slots=True)
class RecordCrossing(BorderCheck):
    occurred_at: datetime | None = None
    override_reason: str | None = None
    refused: bool = False  # record a refusal instead of a crossing


@dataclass(frozen=True, slots=True)
class CrossingCorrection:
    """What an officer corrects in a recorded crossing; ``withdraw``: recorded in error."""

    reason: str
    occurred_at: datetime | None = None
    crossing_point: str | None = None
    direction: Direction | None = None
    withdraw: bool = False


@dataclass(frozen=True, slots=True)
class IssuePermit:
    """A common visa (with ``duration_days``) or a travel authorisation (without)."""

    mrz: Sequence[str]
    valid_from: date
    valid_to: date
    duration_days: int | None = None
    entries: int | None = None  # a visa's entries; None: multiple
    person_id: int | None = None  # a known person this new document is confirmed to be
    format: str = "MRV-A"  # a visa's MRZ: MRV-A or MRV-B (services.visas)


@dataclass(frozen=True, slots=True)
class CheckOutcome:
    decision: Decision
    document: TravelDocument
    on: date
    person_id: int | None
    candidates: list[int] = field(default_factory=list)
    anomalies: tuple[str, ...] = ()
    alert_hits: list[AlertHit] = field(default_factory=list)
    dismissed_hits: list[dict[str, Any]] = field(default_factory=list)
    # whose records the decision weighed: origin, last record held, its time (federation)
    based_on: list[dict[str, Any]] = field(default_factory=list)
    # other states' officers' decisions on these hits, by alert: shown, never weighed here
    decisions_elsewhere: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    crossing_anomaly: CrossingAnomaly | None = None  # what recording this crossing would make
    visa: dict[str, Any] | None = None  # the visa of a scanned visa MRZ (services.visas)


class Node:
    """One state's node: its store, reference data, crossing points, regime and clock."""

    def __init__(
        self,
        store: Store,
        reference: ReferenceData,
        crossing_points: CrossingPoints,
        *,
        state: str,
        regime: str = "union-draft",
        clock: Callable[[], datetime],
        retention_years: int = 3,
        overstayer_retention_years: int = 5,
        aggregates: Aggregates | None = None,
        alerts: AlertBook | None = None,
    ) -> None:
        self.store = store
        self.alerts = alerts if alerts is not None else AlertBook()
        self.aggregates = aggregates
        self._tokens: dict[str, tuple[Actor | None, datetime]] = {}
        self.reference = reference
        self.crossing_points = crossing_points
        self.state = state
        self.regime_name = regime
        self.clock = clock
        self.retention_years = retention_years
        self.overstayer_retention_years = overstayer_retention_years

    # -- authentication --------------------------------------------------------------------

    def cached_actor(self, token: str) -> Actor | _Unknown | None:
        """The cached answer to ``authenticate(token)``, or ``UNKNOWN``: never reads the store."""
        cached = self._tokens.get(hash_token(token))
        if cached is not None and cached[1] > self.clock():
            return cached[0]
        return UNKNOWN

    def authenticate(self, token: str) -> Actor | None:
        """The user a bearer token belongs to; answers are kept ``TOKEN_CACHE`` seconds."""
        digest = hash_token(token)
        now = self.clock()
        cached = self._tokens.get(digest)
        if cached is not None and cached[1] > now:
            return cached[0]
        with self.store.transaction(read_only=True) as tx:
            user = tx.user_by_token_hash(digest)
        actor = Actor(user.name, Role(user.role)) if user is not None and user.active else None
        if len(self._tokens) > 10_000:
            self._tokens.clear()
        self._tokens[digest] = (actor, now + TOKEN_CACHE)
        return actor

    def add_user(self, name: str, role: Role) -> str:
        """Create a user and return its bearer token (shown once; only its hash is kept)."""
        token = secrets.token_urlsafe(32)
        with self.store.transaction() as tx:
            tx.add_user(name, role.value, hash_token(token), self.clock())
        return token

    # -- helpers ---------------------------------------------------------------------------

    def _require(self, actor: Actor, permission: Permission) -> None:
        if not allows(actor.role, permission):
            raise ForbiddenError(f"role {actor.role} may not {permission.value.replace('_', ' ')}")

    def _point(self, code: str) -> CrossingPoint:
        point = self.crossing_points.get(code)
        if point is None:
            raise InvalidInputError(f"crossing_point {code!r} is not a known crossing point")
        if point.state != self.state:
            raise InvalidInputError(
                f"crossing_point {code} is run by {point.state}: this node records {self.state}'s"
            )
        if not point.is_external:
            # internal borders are not checked (DESIGN.md, data flow 2)
            raise InvalidInputError(
                f"crossing_point {code} is on an internal border of the area: no check and no "
                "record there"
            )
        return point

    def today(self) -> date:
        """Today at this state's crossing points (a day of stay is a local date, DESIGN.md)."""
        points = self.crossing_points.of_state(self.state)
        now = self.clock()
        return local_date(points[0], now) if points else now.date()

    def regime_on(self, on: date) -> Regime:
        return self.reference.regime(self.regime_name).as_if_on(on)

    def _audit(self, tx: Transaction, actor: Actor, action: str, person_id: int | None,
               **detail: Any) -> None:
        entry = AuditEntry(actor.name, actor.role.value, action, actor.purpose, person_id, detail)
        tx.audit(entry, self.clock())

    def _audited(
        self, actor: Actor, action: str, person_ids: Sequence[int | None], **detail: Any
    ) -> None:
        """Audit entries for what was just read, written before the answer leaves the node.

        Reads run in read-only transactions and the entries in one short write after them:
        on SQLite a read never holds the database's one write lock.
        """
        entries = [AuditEntry(actor.name, actor.role.value, action, actor.purpose, person_id,
                              detail) for person_id in person_ids]  # fmt: skip
        self.store.audit(entries, self.clock())

    # -- the border check ------------------------------------------------------------------

    def check(self, actor: Actor, request: BorderCheck) -> CheckOutcome:
        """Decide a border check over what this node holds; stores only the audit entry."""
        self._require(actor, Permission.CHECK)
        point = self._point(request.crossing_point)
        on = local_date(point, self.clock())
        with self.store.transaction(read_only=True) as tx:
            outcome = self._decide(tx, request, on)
        holder = outcome.visa["person_id"] if outcome.visa else outcome.person_id
        read = [outcome.person_id] + ([holder] if holder != outcome.person_id else [])
        self._audited(actor, "check", read, crossing_point=point.code,
                      decision=outcome.decision.outcome.value,
                      alert_hits=[h.alert_id for h in outcome.alert_hits])  # fmt: skip
        return outcome

    def _decide(self, tx: Transaction, request: BorderCheck, on: date) -> CheckOutcome:
        document = read_document(request.mrz, on=on, countries=self.reference.countries)
        person_id = self._person_of(tx, document, request.person_id)
        candidates: list[int] = []
        if person_id is None and document.valid:
            candidates = [p.id for p in tx.candidates(
                document.nationality, document.birth_date_raw, document.surname)]
        stays: list[Stay] = []
        visas: list[Visa] = []
        authorizations: list[Authorization] = []
        anomalies: tuple[str, ...] = ()
        open_since: date | None = None
        if person_id is not None:
            history = tx.check_history(person_id)
            found = stays_from_crossings([CrossingDay(d, day) for d, day in history.days], on)
            stays, anomalies, open_since = list(found.stays), found.anomalies, found.open_since
            if request.direction is Direction.ENTRY and found.open_since is not None:
                # the stay goes on to today: a missing exit never shortens a count (travellers)
                anomalies += (f"entry while a stay since {found.open_since} has no exit",)
            entries = [day for direction, day in history.days if direction == "entry"]
            visas = [_visa(v, entries) for v in history.visas]
            authorizations = [_authorization(a) for a in history.authorizations]
        # this crossing's own anomaly (an exit while no stay is open), named in its answer
        crossing_anomaly = anomaly_of_crossing(request.direction.value, open_since, on)
        if crossing_anomaly is not None and crossing_anomaly.code == "exit_without_entry":
            anomalies += (crossing_anomaly.message,)
        hits, dismissed, elsewhere = self._alert_hits(tx, document, on)
        scan = scan_visa(tx, request.visa_mrz, document, on=on, state=self.state,
                         countries=self.reference.countries)  # fmt: skip
        check = Check(
            on=on, direction=request.direction, document=document, regime=self.regime_on(on),
            history=stays, planned_exit=request.planned_exit, visas=visas,
            authorizations=authorizations, alert_hits=hits, visa_reasons=scan.reasons,
        )  # fmt: skip
        based_on = [{"origin": o, "last_seq": seq,
                     "last_record_at": rfc3339(at) if at else None,
                     "peer_reached_at": rfc3339(reached) if reached else None,
                     "not_applied": not_applied}
                    for o, seq, at, reached, not_applied in tx.data_heads()]  # fmt: skip
        return CheckOutcome(decide(check), document, on, person_id, candidates, anomalies,
                            hits, dismissed, based_on, elsewhere, crossing_anomaly,
                            scan.visa)  # fmt: skip

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

    def _person_of(
        self, tx: Transaction, document: TravelDocument, confirmed: int | None
    ) -> int | None:
        if confirmed is not None:
            if tx.person(confirmed) is None:
                raise NotFoundError(f"person {confirmed} is not on this node")
            return confirmed
        return tx.document_owner(document.issuing_state, document.document_number)

    # -- recording -------------------------------------------------------------------------

    def record(
        self, actor: Actor, request: RecordCrossing, *, idempotency: Idempotency | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Record an entry, an exit or a refusal, after deciding the check again.

        With an idempotency key the answer is stored in the same transaction as the record,
        so a retried request gets the first answer back and never records twice.
        """
        self._require(actor, Permission.RECORD_CROSSING)
        point = self._point(request.crossing_point)
        now = self.clock()
        at = (request.occurred_at or now).astimezone(UTC)  # stored in UTC (DESIGN.md, Dates)
        if at > now + timedelta(minutes=5):
            raise InvalidInputError(f"occurred_at {at.isoformat()} is in the future")
        on = local_date(point, at)
        with self.store.transaction() as tx:
            if idempotency is not None:
                earlier = tx.idempotent_response(actor.name, idempotency.key)
                if earlier is not None:
                    return _replay(earlier, idempotency)
            body = self._record(tx, actor, request, point, at, on)
            if idempotency is not None:
                tx.save_response(actor.name, idempotency.key, idempotency.request_hash, 201,
                                 body, now)  # fmt: skip
        return 201, body

    def _record(
        self, tx: Transaction, actor: Actor, request: RecordCrossing, point: CrossingPoint,
        at: datetime, on: date,
    ) -> dict[str, Any]:  # fmt: skip
        now = self.clock()
        outcome = self._decide(tx, request, on)
        self._confirmable(outcome, request)
        person_id, document_id = self._file_document(tx, outcome.document, outcome.person_id)
        common = {"person_id": person_id, "document_id": document_id,
                  "crossing_point": point.code, "occurred_at": at,
                  "time_zone": point.time_zone, "local_date": on, "officer": actor.name,
                  "recorded_at": now, "origin": self.state}  # fmt: skip
        decision = outcome.decision
        kind = "RefusalRecorded" if request.refused else "CrossingRecorded"
        # the outbox row first: the row keeps its number, for a correction to name it
        seq = tx.emit(kind, _record_payload(common, request, decision), now, person_id)
        if request.refused:
            reasons = [{"code": r.code, "message": r.message} for r in decision.reasons]
            record_id = tx.add_refusal(reasons=reasons, outbox_seq=seq, **common)
            action = "record refusal"
        else:
            record_id = tx.add_crossing(
                direction=request.direction.value, decision=decision.outcome.value,
                override_reason=request.override_reason, outbox_seq=seq, **common,
            )  # fmt: skip
            action = f"record {request.direction.value}"
        exited = not request.refused and request.direction is Direction.EXIT
        tx.touch_person(person_id, on, exited=exited, overstayed=decision.overstay_days > 0)
        self._audit(tx, actor, action, person_id, record=record_id, outbox_seq=seq)
        found = outcome.crossing_anomaly
        anomalies = [] if request.refused or found is None else [
            {"code": found.code, "message": found.message}]
        return {"id": record_id, "kind": kind, "person_id": person_id, "outbox_seq": seq,
                "local_date": on.isoformat(), **decision_json(decision),
                "anomalies": anomalies}  # fmt: skip

    def _confirmable(self, outcome: CheckOutcome, request: RecordCrossing) -> None:
        if request.refused:
            if request.direction is Direction.EXIT:
                raise ConflictError("exits are never refused")
            return
        decision = outcome.decision
        needs = not outcome.document.valid or (
            request.direction is Direction.ENTRY and decision.outcome is Outcome.REFUSE
        )
        if needs and not (request.override_reason or "").strip():
            codes = ", ".join(r.code for r in decision.reasons) or "B"
            raise ConflictError(
                f"the check decided {decision.outcome.value} ({codes}): recording this entry "
                "needs override_reason"
            )

    def _file_document(
        self, tx: Transaction, document: TravelDocument, person_id: int | None
    ) -> tuple[int, int]:
        """The person and document of a traveller: found, or filed. ``person_id`` is a person
        the officer confirmed the document belongs to: a new document is added to them, and a
        document filed under another person of the same identity (nationality, birth date,
        surname: a candidate) makes the two persons one. Either is an ``IdentityLinked``
        record for the peers."""
        now = self.clock()
        known = tx.find_document(document.issuing_state, document.document_number)
        if person_id is None or (known is not None and known.person_id == person_id):
            if known is not None:
                return known.person_id, known.id
            person_id = tx.add_person(
                surname=document.surname, given_names=document.given_names,
                nationality=document.nationality, birth_date=document.birth_date,
                birth_date_raw=document.birth_date_raw, sex=document.sex, created_at=now,
                last_exit=None, overstayed=False,
            )  # fmt: skip
            return person_id, self._add_document(tx, document, person_id, now)
        confirmed = self._person(tx, person_id)
        if known is not None:
            holder = self._person(tx, known.person_id)
            if (holder.nationality, holder.birth_date_raw, holder.surname) != (
                    confirmed.nationality, confirmed.birth_date_raw, confirmed.surname):
                raise ConflictError(
                    f"document {document.document_number} belongs to person {known.person_id}, "
                    f"who is not a candidate for person {person_id} (nationality, birth date "
                    "and surname differ)")
        same_as = [[d.issuing_state, d.document_number, d.document_code]
                   for d in tx.documents_of(person_id)]
        tx.emit("IdentityLinked", {"document": _document_fields(document), "same_as": same_as},
                now, person_id)  # fmt: skip
        if known is not None:
            tx.merge_persons(person_id, known.person_id)
            return person_id, known.id
        return person_id, self._add_document(tx, document, person_id, now)

    @staticmethod
    def _add_document(
        tx: Transaction, document: TravelDocument, person_id: int, now: datetime
    ) -> int:
        return tx.add_document(
            person_id=person_id, document_code=document.document_code,
            issuing_state=document.issuing_state, document_number=document.document_number,
            expiry_date=document.expiry_date, first_seen=now,
        )  # fmt: skip

    # -- corrections (a new record supersedes the old one: docs/federation.md) -------------

    def correct_crossing(
        self, actor: Actor, crossing_id: int, correction: CrossingCorrection
    ) -> dict[str, Any]:
        """Correct an entry or exit this node recorded (time, point, direction), or withdraw
        it as recorded in error. The row changes here; a ``CrossingCorrected`` or
        ``CrossingWithdrawn`` record superseding the last one about it tells the peers."""
        self._require(actor, Permission.RECORD_CROSSING)
        if not correction.reason.strip():
            raise InvalidInputError("reason: say why the crossing is corrected")
        now = self.clock()
        with self.store.transaction() as tx:
            row = tx.row("crossings", crossing_id)
            if row is None:
                raise NotFoundError(f"crossing {crossing_id} is not on this node")
            if row["origin"] not in (None, self.state):
                raise ConflictError(
                    f"crossing {crossing_id} was recorded by {row['origin']}: only its origin "
                    "corrects it")
            if row["outbox_seq"] is None:
                raise ConflictError(
                    f"crossing {crossing_id} has no record of this node to supersede (it came "
                    "in a bulk import, or was recorded before migration 0005)")
            person_id = int(row["person_id"])
            common = {"reason": correction.reason, "officer": actor.name}
            if correction.withdraw:
                tx.emit("CrossingWithdrawn", common, now, person_id, supersedes=row["outbox_seq"])
                tx.delete_row("crossings", crossing_id)
                body: dict[str, Any] = {"id": crossing_id, "withdrawn": True}
            else:
                point = self._point(correction.crossing_point or row["crossing_point"])
                at = (correction.occurred_at or row["occurred_at"]).astimezone(UTC)
                if at > now + timedelta(minutes=5):
                    raise InvalidInputError(f"occurred_at {at.isoformat()} is in the future")
                fields = {"direction": (correction.direction or Direction(row["direction"])).value,
                          "crossing_point": point.code, "occurred_at": at,
                          "time_zone": point.time_zone, "local_date": local_date(point, at)}
                seq = tx.emit("CrossingCorrected", common | _crossing_fields(fields), now,
                              person_id, supersedes=row["outbox_seq"])  # fmt: skip
                tx.update_row("crossings", crossing_id, outbox_seq=seq, **fields)
                body = {"id": crossing_id, "withdrawn": False} | _crossing_fields(fields)
            tx.refresh_person_days(person_id)
            verb = "withdraw" if correction.withdraw else "correct"
            self._audit(tx, actor, f"{verb} crossing", person_id, crossing=crossing_id,
                        reason=correction.reason)  # fmt: skip
        return body | {"person_id": person_id}

    # -- visas and travel authorisations ---------------------------------------------------

    def issue_permit(
        self, actor: Actor, request: IssuePermit, *, idempotency: Idempotency | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Issue a common visa (``duration_days`` given) or a travel authorisation for a
        travel document; it holds at every crossing point of the area (``VisaIssued`` or
        ``AuthorizationIssued`` to the peers)."""
        self._require(actor, Permission.ISSUE_PERMIT)
        today = self.today()
        document = read_document(request.mrz, on=today, countries=self.reference.countries)
        _check_permit(request, document, today)
        table: Referenced = "visas" if request.duration_days is not None else "authorizations"
        now = self.clock()
        with self.store.transaction() as tx:
            if idempotency is not None:
                earlier = tx.idempotent_response(actor.name, idempotency.key)
                if earlier is not None:
                    return _replay(earlier, idempotency)
            person_id, _ = self._file_document(tx, document, request.person_id)
            terms = _permit_terms(request)
            if table == "visas":
                terms |= issue_visa_terms(tx, state=self.state, passport=document,
                                          valid_to=request.valid_to, format=request.format,
                                          today=today, countries=self.reference.countries)
            kind = "VisaIssued" if table == "visas" else "AuthorizationIssued"
            seq = tx.emit(kind, {"document": _document_fields(document), **terms}, now,
                          person_id)  # fmt: skip
            fields = {"person_id": person_id, "document_number": document.document_number,
                      "valid_from": request.valid_from, "valid_to": request.valid_to,
                      "issued_at": now, "origin": self.state, "outbox_seq": seq}  # fmt: skip
            if table == "visas":
                permit_id = tx.add_visa(duration_days=request.duration_days,
                                        entries=request.entries, entries_used=0,
                                        visa_number=terms["visa_number"], mrz=terms["mrz"],
                                        **fields)  # fmt: skip
            else:
                permit_id = tx.add_authorization(**fields)
            self._audit(tx, actor, f"issue {table[:-1]}", person_id, id=permit_id)
            body = {"id": permit_id, "kind": table[:-1], "person_id": person_id,
                    "document_number": document.document_number, "issued_by": self.state,
                    **terms}  # fmt: skip
            if idempotency is not None:
                tx.save_response(actor.name, idempotency.key, idempotency.request_hash, 201,
                                 body, now)  # fmt: skip
        return 201, body

    def revoke_permit(
        self, actor: Actor, table: Referenced, permit_id: int, reason: str
    ) -> dict[str, Any]:
        """Revoke a visa or authorisation this node issued; the peers drop it too."""
        self._require(actor, Permission.ISSUE_PERMIT)
        if not reason.strip():
            raise InvalidInputError("reason: say why it is revoked")
        what = table[:-1]
        with self.store.transaction() as tx:
            row = tx.row(table, permit_id)
            if row is None:
                raise NotFoundError(f"{what} {permit_id} is not on this node")
            if row["origin"] not in (None, self.state) or row["outbox_seq"] is None:
                raise ConflictError(
                    f"{what} {permit_id} was issued by {row['origin'] or 'another node'}: only "
                    "the issuing state revokes it")
            kind = "VisaRevoked" if table == "visas" else "AuthorizationRevoked"
            tx.emit(kind, {"reason": reason}, self.clock(), row["person_id"],
                    supersedes=row["outbox_seq"])  # fmt: skip
            tx.delete_row(table, permit_id)
            self._audit(tx, actor, f"revoke {what}", row["person_id"], id=permit_id,
                        reason=reason)  # fmt: skip
        return {"id": permit_id, "kind": what, "revoked": True, "person_id": row["person_id"]}

    # -- alerts (the alerts issue) ---------------------------------------------------------

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
                alert_from_json(record)
            except CTAError as exc:
                where = f"alert {record.get('id')!r}" if len(records) == 1 else f"record {n + 1}"
                raise InvalidInputError(f"{where}: {exc}") from None
        seen: set[str] = set()
        for record in records:
            if record["id"] in seen:
                raise InvalidInputError(f"alert {record['id']!r} is given twice")
            seen.add(record["id"])
        now = self.clock()
        versions: dict[str, int] = {}
        with self.store.transaction() as tx:  # all of them, or none
            for first in range(0, len(records), 5000):
                batch = records[first : first + 5000]
                _refuse_others_alerts(self.state, tx.alerts_by_id([r["id"] for r in batch]),
                                      "changes")  # fmt: skip
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
        on = self.today()
        document = read_document(mrz, on=on, countries=self.reference.countries)
        now = self.clock()
        with self.store.transaction() as tx:
            hits, dismissed, _ = self._alert_hits(tx, document, on)
            if alert_id not in {h.alert_id for h in hits} | {d["alert_id"] for d in dismissed}:
                raise ConflictError(
                    f"alert {alert_id!r} does not hit this traveller today: nothing to decide"
                )
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

    # -- reading ---------------------------------------------------------------------------

    def _person(self, tx: Transaction, person_id: int) -> PersonRow:
        person = tx.person(person_id)
        if person is None:
            raise NotFoundError(f"person {person_id} is not on this node")
        return person

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
        if not _over_limit(status):
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
        over = person.overstayed or (today["inside"] and _over_limit(today))
        return {
            "person": _row(person) | {"overstayed": over},
            "documents": [_row(d) for d in tx.documents_of(person_id)],
            "crossings": [_row(c) for c in crossings],
            "refusals": [_row(r) for r in tx.refusals_of(person_id)],
            "visas": tx.visas_of(person_id),
            "authorizations": tx.authorizations_of(person_id),
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
        before = _years_before(today, self.retention_years)
        overstayer_before = _years_before(today, self.overstayer_retention_years)
        deleted = 0
        while True:
            with self.store.transaction() as tx:
                tx.chain_head(self.state, lock=True)  # the sealer waits: it seals no one gone
                ids = tx.persons_to_purge(before, overstayer_before, batch)
                for person_id in ids:
                    # the federation's copies: payloads dropped here, and the peers told which
                    # records to drop (by reference: the deletion carries no personal data)
                    refs = redact_person_records(tx, person_id)
                    tx.delete_person(person_id)
                    if refs:
                        tx.emit("RetentionDeletion", {"records": refs}, self.clock())
                    self._audit(tx, actor, "retention deletion", person_id)
            deleted += len(ids)
            if len(ids) < batch:
                break
        return {"deleted": deleted, "before": before.isoformat(),
                "overstayers_before": overstayer_before.isoformat()}  # fmt: skip


def _over_limit(status: dict[str, Any]) -> bool:
    """Whether a stay status (``Node._status``) has more days used than the limit allows."""
    return status.get("days_used") is not None and bool(status["days_used"] > status["limit"])


def _alert_json(row: Any) -> dict[str, Any]:
    return {"id": row.id, "category": row.category, "version": row.version,
            "record": row.record, "created_at": rfc3339(row.created_at),
            "changed_at": rfc3339(row.changed_at),
            "withdrawn_at": rfc3339(row.withdrawn_at) if row.withdrawn_at else None}  # fmt: skip


@dataclass(frozen=True, slots=True)
class Idempotency:
    """The Idempotency-Key of a request and a hash of what it asked."""

    key: str
    request_hash: str


def _replay(earlier: tuple[str, int, Any], idempotency: Idempotency) -> tuple[int, Any]:
    request_hash, status, body = earlier
    if request_hash != idempotency.request_hash:
        raise ConflictError(
            f"Idempotency-Key {idempotency.key!r} was used before for a different request"
        )
    return status, body


def _refuse_others_alerts(state: str, known: Sequence[AlertRow], verb: str) -> None:
    """Only the issuing state changes or withdraws its alerts (its peers refuse the record):
    409 for an alert stored here that another member issued."""
    for row in known:
        if row.issuing_state not in (None, state):
            raise ConflictError(
                f"alert {row.id!r} was issued by {row.issuing_state}: only the issuing state "
                f"{verb} it (ask {row.issuing_state}'s node)")


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _row(row: Any) -> dict[str, Any]:
    return {k: getattr(row, k) for k in row.__dataclass_fields__}


def _visa(v: dict[str, Any], entries: list[date]) -> Visa:
    """A stored visa, its entries used counted from the recorded entries in its validity, at
    any node of the area (the stored ``entries_used`` is a floor, for permits imported with
    entries made elsewhere)."""
    used = entries_within(v["valid_from"], v["valid_to"], entries)
    return Visa(v["document_number"], v["valid_from"], v["valid_to"], v["duration_days"],
                v["entries"], max(used, v["entries_used"]))  # fmt: skip


def _authorization(a: dict[str, Any]) -> Authorization:
    return Authorization(a["document_number"], a["valid_from"], a["valid_to"])


def _record_payload(
    common: dict[str, Any], request: RecordCrossing, decision: Decision
) -> dict[str, Any]:
    return {
        "person_id": common["person_id"],
        "direction": request.direction.value,
        "refused": request.refused,
        "crossing_point": common["crossing_point"],
        "occurred_at": common["occurred_at"].isoformat(),
        "local_date": common["local_date"].isoformat(),
        "decision": decision.outcome.value,
        "mrz": list(request.mrz),
        **({"reasons": [{"code": r.code, "message": r.message} for r in decision.reasons]}
           if request.refused else {}),
    }


def _document_fields(document: TravelDocument) -> dict[str, Any]:
    """What a peer needs to file a document and its holder (``cta.services.federation``)."""
    return {"document_code": document.document_code, "issuing_state": document.issuing_state,
            "document_number": document.document_number, "surname": document.surname,
            "given_names": document.given_names, "nationality": document.nationality,
            "birth_date": document.birth_date.isoformat() if document.birth_date else None,
            "birth_date_raw": document.birth_date_raw, "sex": document.sex,
            "expiry_date": document.expiry_date.isoformat() if document.expiry_date else None}


def _crossing_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A crossing's corrected fields as a record's payload carries them (ISO text)."""
    return {"direction": fields["direction"], "crossing_point": fields["crossing_point"],
            "occurred_at": rfc3339(fields["occurred_at"]),
            "local_date": fields["local_date"].isoformat()}  # fmt: skip


def _check_permit(request: IssuePermit, document: TravelDocument, today: date) -> None:
    if not document.valid:
        issues = "; ".join(f"{e.field}: {e.message}" for e in document.errors)
        raise InvalidInputError(f"mrz: the document does not read as valid ({issues})")
    problem = permit_problem(request.valid_from, request.valid_to, today=today,
                             document_expiry=document.expiry_date,
                             duration_days=request.duration_days, entries=request.entries)
    if problem is not None:
        raise InvalidInputError(problem)


def _permit_terms(request: IssuePermit) -> dict[str, Any]:
    terms: dict[str, Any] = {"valid_from": request.valid_from.isoformat(),
                             "valid_to": request.valid_to.isoformat()}  # fmt: skip
    if request.duration_days is not None:
        terms |= {"duration_days": request.duration_days, "entries": request.entries}
    return terms
