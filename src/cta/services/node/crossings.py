"""Checks and crossings at this state's external crossing points: the border check decided
over what this node holds, an entry, exit or refusal recorded after deciding it again, and a
recorded crossing corrected or withdrawn (a new record supersedes the old one:
docs/federation.md).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from cta.domain.checks import AlertHit, Check, Decision, Direction, decide, decide_internal
from cta.domain.crossing_points import CrossingPoint, local_date
from cta.domain.documents import TravelDocument
from cta.domain.errors import InvalidInputError
from cta.domain.instants import rfc3339
from cta.domain.internal_checks import Reintroduction
from cta.domain.permit_issuing import stored_authorization, stored_visa
from cta.domain.recording import (
    corrected_refusal_reasons,
    override_problem,
    refusal_reasons,
    time_problem,
)
from cta.domain.roles import Permission
from cta.domain.stays import Stay
from cta.domain.travel_permits import Authorization, Visa
from cta.domain.travellers import (
    CrossingAnomaly,
    CrossingDay,
    anomaly_of_crossing,
    candidate_key,
    earlier_document_problem,
    open_stay_at_entry,
    stays_from_crossings,
)
from cta.services.checks import decision_json, read_document
from cta.services.node.alerts import AlertScreening
from cta.services.node.core import (
    Actor,
    ConflictError,
    Idempotency,
    NotFoundError,
    _replay,
)
from cta.services.node.filing import DocumentFiling
from cta.services.node.internal_checks import InternalCheckUseCases
from cta.services.ports import CheckHistory, Transaction
from cta.services.visas import scan_visa

__all__ = [
    "BorderCheck",
    "CheckOutcome",
    "CrossingCorrection",
    "CrossingUseCases",
    "RecordCrossing",
    "RefusalCorrection",
]


@dataclass(frozen=True, slots=True)
class BorderCheck:
    mrz: Sequence[str]
    crossing_point: str
    direction: Direction
    planned_exit: date | None = None
    person_id: int | None = None  # a person the officer confirmed this document belongs to
    visa_mrz: Sequence[str] | None = None  # a visa's MRZ scanned beside it (services.visas)
    # the traveller's earlier document the officer saw, held here by ``person_id`` (a change of
    # name): recording may then join a person of another surname (``DocumentFiling``)
    earlier_mrz: Sequence[str] | None = None


@dataclass(frozen=True, slots=True)
class RecordCrossing(BorderCheck):
    occurred_at: datetime | None = None
    override_reason: str | None = None
    refused: bool = False  # record a refusal instead of a crossing
    # a refusal's letters as the officer ticked them on the form; None: the check's reasons
    letters: tuple[str, ...] | None = None


@dataclass(frozen=True, slots=True)
class CrossingCorrection:
    """What an officer corrects in a recorded crossing; ``withdraw``: recorded in error."""

    reason: str
    occurred_at: datetime | None = None
    crossing_point: str | None = None
    direction: Direction | None = None
    withdraw: bool = False


@dataclass(frozen=True, slots=True)
class RefusalCorrection:
    """What an officer corrects in a recorded refusal (its time, point or the form's letters);
    ``withdraw``: recorded in error (the traveller was not refused)."""

    reason: str
    occurred_at: datetime | None = None
    crossing_point: str | None = None
    letters: tuple[str, ...] | None = None
    withdraw: bool = False


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
    # at an internal point with checks reintroduced: which reintroduction, until when
    internal_check: dict[str, Any] | None = None
    # ``anomalies`` with their codes and days, in the same order, for a page's own words
    coded_anomalies: tuple[CrossingAnomaly, ...] = ()
    # the person the document in hand is filed under here when the officer confirmed another
    # (a change of name): their histories are weighed together, as recording will join them
    joined: int | None = None


class CrossingUseCases(DocumentFiling, AlertScreening, InternalCheckUseCases):
    """The border check, recording a crossing or a refusal, and correcting a crossing; at an
    internal point while checks are reintroduced there, the internal check."""

    # -- the border check ------------------------------------------------------------------

    def check(self, actor: Actor, request: BorderCheck) -> CheckOutcome:
        """Decide a border check over what this node holds; stores only the audit entry."""
        self._require(actor, Permission.CHECK)
        now = self.clock()
        point, internal = self._checkpoint(request.crossing_point, now)
        on = local_date(point, now)
        with self.store.transaction(read_only=True) as tx:
            outcome = (self._decide(tx, request, on) if internal is None
                       else self._decide_internal(tx, request, on, internal))  # fmt: skip
        holder = outcome.visa["person_id"] if outcome.visa else outcome.person_id
        read = [outcome.person_id] + ([holder] if holder != outcome.person_id else [])
        if outcome.joined is not None:
            read.append(outcome.joined)
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
                *candidate_key(document))]
        stays: list[Stay] = []
        visas: list[Visa] = []
        authorizations: list[Authorization] = []
        anomalies: tuple[str, ...] = ()
        coded: tuple[CrossingAnomaly, ...] = ()
        open_since: date | None = None
        joined: int | None = None
        if person_id is not None:
            history = tx.check_history(person_id)
            if request.person_id is not None:  # the officer's link will make them one person
                owner = tx.document_owner(document.issuing_state, document.document_number)
                if owner is not None and owner != person_id:
                    joined, history = owner, _joined(history, tx.check_history(owner))
            found = stays_from_crossings([CrossingDay(d, day) for d, day in history.days], on)
            stays, anomalies, open_since = list(found.stays), found.anomalies, found.open_since
            coded = found.coded_anomalies
            if request.direction is Direction.ENTRY and found.open_since is not None:
                # the stay goes on to today: a missing exit never shortens a count (travellers)
                coded += (open_stay_at_entry(found.open_since),)
                anomalies += (coded[-1].message,)
            entries = [day for direction, day in history.days if direction == "entry"]
            visas = [stored_visa(v, entries) for v in history.visas]
            authorizations = [stored_authorization(a) for a in history.authorizations]
        # this crossing's own anomaly (an exit while no stay is open), named in its answer
        crossing_anomaly = anomaly_of_crossing(request.direction.value, open_since, on)
        if crossing_anomaly is not None and crossing_anomaly.code == "exit_without_entry":
            anomalies += (crossing_anomaly.message,)
            coded += (crossing_anomaly,)
        hits, dismissed, elsewhere = self._alert_hits(tx, document, on)
        scan = scan_visa(tx, request.visa_mrz, document, on=on, state=self.state,
                         countries=self.reference.countries)  # fmt: skip
        check = Check(
            on=on, direction=request.direction, document=document, regime=self.regime_on(on),
            history=stays, planned_exit=request.planned_exit, visas=visas,
            authorizations=authorizations, alert_hits=hits, visa_reasons=scan.reasons,
            state=self.state,  # every crossing point of this node is this state's
        )  # fmt: skip
        based_on = [{"origin": o, "last_seq": seq,
                     "last_record_at": rfc3339(at) if at else None,
                     "peer_reached_at": rfc3339(reached) if reached else None,
                     "not_applied": not_applied}
                    for o, seq, at, reached, not_applied in tx.data_heads()]  # fmt: skip
        return CheckOutcome(decide(check), document, on, person_id, candidates, anomalies,
                            hits, dismissed, based_on, elsewhere, crossing_anomaly,
                            scan.visa, coded_anomalies=coded, joined=joined)  # fmt: skip

    def _checkpoint(
        self, code: str, at: datetime
    ) -> tuple[CrossingPoint, Reintroduction | None]:
        """The point of a check or record at ``at``, and the reintroduction of checks in
        force there if it is an internal point of this state (else, as ever, an internal
        point is refused: no check there)."""
        point = self.crossing_points.get(code)
        if point is not None:
            internal = self.reintroduction_at(point, at)
            if internal is not None:
                return point, internal
        return self._point(code), None

    def _decide_internal(
        self, tx: Transaction, request: BorderCheck, on: date, internal: Reintroduction
    ) -> CheckOutcome:
        """The check at an internal point under ``internal``: the document and the alerts
        only (``decide_internal``); no stay, visa or authorisation is read."""
        document = read_document(request.mrz, on=on, countries=self.reference.countries)
        person_id = self._person_of(tx, document, request.person_id)
        hits, dismissed, elsewhere = self._alert_hits(tx, document, on)
        check = Check(on=on, direction=request.direction, document=document,
                      regime=self.regime_on(on), alert_hits=hits, state=self.state)
        about = {"id": internal.id, "state": internal.state,
                 "until": internal.final_day.isoformat(), "ground": internal.ground}
        return CheckOutcome(decide_internal(check), document, on, person_id,
                            alert_hits=hits, dismissed_hits=dismissed,
                            decisions_elsewhere=elsewhere, internal_check=about)  # fmt: skip

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
        now = self.clock()
        at = (request.occurred_at or now).astimezone(UTC)  # stored in UTC (DESIGN.md, Dates)
        point, internal = self._checkpoint(request.crossing_point, at)
        if (problem := time_problem(at, now)) is not None:
            raise InvalidInputError(problem)
        on = local_date(point, at)
        with self.store.transaction(shared=True) as tx:  # one commit for many officers' records
            if idempotency is not None:
                earlier = tx.idempotent_response(actor.name, idempotency.key)
                if earlier is not None:
                    return _replay(earlier, idempotency)
            body = (self._record(tx, actor, request, point, at, on) if internal is None
                    else self._record_internal(tx, actor, request, point, at, on, internal))
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
        renamed = request.earlier_mrz is not None and self._saw_earlier(tx, request, outcome)
        person_id, document_id = self._file_document(tx, outcome.document, outcome.person_id,
                                                     renamed=renamed)  # fmt: skip
        common = {"person_id": person_id, "document_id": document_id,
                  "crossing_point": point.code, "occurred_at": at,
                  "time_zone": point.time_zone, "local_date": on, "officer": actor.name,
                  "recorded_at": now, "origin": self.state}  # fmt: skip
        decision = outcome.decision
        kind = "RefusalRecorded" if request.refused else "CrossingRecorded"
        reasons = _refusal_reasons(request, decision)
        # the outbox row first: the row keeps its number, for a correction to name it
        seq = tx.emit(kind, _record_payload(common, request, decision, reasons), now, person_id)
        if request.refused:
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
                "anomalies": anomalies,
                **({"reasons_recorded": reasons} if request.refused else {})}  # fmt: skip

    def _record_internal(
        self, tx: Transaction, actor: Actor, request: RecordCrossing, point: CrossingPoint,
        at: datetime, on: date, internal: Reintroduction,
    ) -> dict[str, Any]:  # fmt: skip
        """An internal check recorded: admitted, or refused with its Annex V letters; in its
        own table, never a crossing, so that no stay counts it; not sent to the peers."""
        outcome = self._decide_internal(tx, request, on, internal)
        self._confirmable(outcome, request)
        decision, document = outcome.decision, outcome.document
        reasons = _refusal_reasons(request, decision)
        record_id = tx.add_internal_check(
            reintroduction=internal.id, person_id=outcome.person_id,
            document={"document_code": document.document_code,
                      "issuing_state": document.issuing_state,
                      "document_number": document.document_number,
                      "nationality": document.nationality, "surname": document.surname,
                      "given_names": document.given_names,
                      "birth_date": document.birth_date_raw},
            nationality=document.nationality[:3],
            crossing_point=point.code, direction=request.direction.value, occurred_at=at,
            time_zone=point.time_zone, local_date=on, officer=actor.name,
            decision=decision.outcome.value,
            outcome="refused" if request.refused else "admitted", reasons=reasons,
            override_reason=request.override_reason, recorded_at=self.clock(),
        )  # fmt: skip
        self._audit(tx, actor, "record internal check", outcome.person_id,
                    internal_check=record_id, reintroduction=internal.id)  # fmt: skip
        return {"id": record_id, "kind": "InternalCheckRecorded",
                "person_id": outcome.person_id, "outbox_seq": None,
                "local_date": on.isoformat(), **decision_json(decision),
                "refused": request.refused, "reasons_recorded": reasons,
                "internal_check": outcome.internal_check, "anomalies": []}  # fmt: skip

    def _saw_earlier(
        self, tx: Transaction, request: BorderCheck, outcome: CheckOutcome
    ) -> bool:
        """Whether the earlier document the officer saw says that the document in hand is the
        confirmed person's after a change of name: filed here under that person, no visa, the
        same birth date as printed (``earlier_document_problem``); else ``InvalidInputError``
        naming why."""
        assert request.earlier_mrz is not None
        earlier = read_document(request.earlier_mrz, on=outcome.on,
                                countries=self.reference.countries)  # fmt: skip
        found = tx.find_document(earlier.issuing_state, earlier.document_number)
        why = earlier_document_problem(outcome.document.birth_date_raw, earlier.document_code,
                                       earlier.birth_date_raw, known=found is not None)
        if why is not None:
            raise InvalidInputError(f"earlier_mrz: {_EARLIER_PROBLEMS[why]}")
        assert found is not None  # known, or ``why`` said so
        if found.person_id != request.person_id:
            raise InvalidInputError(
                f"earlier_mrz: document {earlier.document_number} is person "
                f"{found.person_id}'s here, not person {request.person_id}'s")
        return True

    def _confirmable(self, outcome: CheckOutcome, request: RecordCrossing) -> None:
        problem = override_problem(
            outcome.decision, request.direction, document_valid=outcome.document.valid,
            refused=request.refused, override_reason=request.override_reason,
            letters=request.letters)
        if problem is not None:  # coded for the console to say it in its language
            codes = ", ".join(r.code for r in outcome.decision.reasons) or "B"
            code = ("exit_never_refused" if request.direction is Direction.EXIT else
                    "no_ground_to_refuse") if request.refused else "override_reason_needed"
            raise ConflictError(problem, code=code, params={
                "outcome": outcome.decision.outcome.value, "letters": codes})

    # -- corrections (a new record supersedes the old one: docs/federation.md) -------------

    def correct_crossing(
        self, actor: Actor, crossing_id: int, correction: CrossingCorrection
    ) -> dict[str, Any]:
        """Correct an entry or exit this node recorded (time, point, direction), or withdraw
        it as recorded in error. The row changes here; a ``CrossingCorrected`` or
        ``CrossingWithdrawn`` record superseding the last one about it tells the peers."""

        def corrected(row: dict[str, Any], now: datetime) -> tuple[dict[str, Any], ...]:
            point, at = self._placed(correction.crossing_point, correction.occurred_at, row, now)
            fields = {"direction": (correction.direction or Direction(row["direction"])).value,
                      "crossing_point": point.code, "occurred_at": at,
                      "time_zone": point.time_zone, "local_date": local_date(point, at)}
            return _crossing_fields(fields), fields

        return self._amend(actor, "crossing", crossing_id, correction.reason,
                           correction.withdraw, corrected)  # fmt: skip

    def correct_refusal(
        self, actor: Actor, refusal_id: int, correction: RefusalCorrection
    ) -> dict[str, Any]:
        """Correct a refusal this node recorded (time, point, the form's letters), or withdraw
        it as recorded in error; ``RefusalCorrected`` or ``RefusalWithdrawn`` tells the peers,
        superseding the last record about it."""

        def corrected(row: dict[str, Any], now: datetime) -> tuple[dict[str, Any], ...]:
            point, at = self._placed(correction.crossing_point, correction.occurred_at, row, now)
            letters = correction.letters
            reasons = list(row["reasons"]) if letters is None else [
                {"code": r.code, "message": r.message}
                for r in corrected_refusal_reasons(row["reasons"], letters)]  # fmt: skip
            on = local_date(point, at)
            fields = {"crossing_point": point.code, "occurred_at": at,
                      "time_zone": point.time_zone, "local_date": on, "reasons": reasons}
            payload = {"crossing_point": point.code, "occurred_at": rfc3339(at),
                       "local_date": on.isoformat(), "reasons": reasons}
            return payload, fields

        return self._amend(actor, "refusal", refusal_id, correction.reason,
                           correction.withdraw, corrected)  # fmt: skip

    def _placed(
        self, code: str | None, occurred_at: datetime | None, row: dict[str, Any], now: datetime
    ) -> tuple[CrossingPoint, datetime]:
        """A corrected record's crossing point and time: the ones given, else the row's."""
        point = self._point(code or row["crossing_point"])
        at = (occurred_at or row["occurred_at"]).astimezone(UTC)
        if (problem := time_problem(at, now)) is not None:
            raise InvalidInputError(problem)
        return point, at

    def _amend(
        self, actor: Actor, noun: Literal["crossing", "refusal"], row_id: int, reason: str,
        withdraw: bool,
        corrected: Callable[[dict[str, Any], datetime], tuple[dict[str, Any], ...]],
    ) -> dict[str, Any]:  # fmt: skip
        """A crossing's or refusal's correction (``corrected``: the record's payload and the
        row's new fields) or withdrawal, with the record that supersedes the last one about it
        (``CrossingCorrected``, ``RefusalWithdrawn``, ...) and an audit entry."""
        self._require(actor, Permission.RECORD_CROSSING)
        now = self.clock()
        table, kind = f"{noun}s", noun.capitalize()
        with self.store.transaction() as tx:
            row = _amendable(tx, noun, row_id, reason, self.state)
            person_id = int(row["person_id"])
            common = {"reason": reason, "officer": actor.name}
            if withdraw:
                tx.emit(f"{kind}Withdrawn", common, now, person_id, supersedes=row["outbox_seq"])
                tx.delete_row(table, row_id)  # type: ignore[arg-type]  # crossings, refusals
                body: dict[str, Any] = {"id": row_id, "withdrawn": True}
            else:
                payload, fields = corrected(row, now)
                seq = tx.emit(f"{kind}Corrected", common | payload, now, person_id,
                              supersedes=row["outbox_seq"])  # fmt: skip
                tx.update_row(table, row_id, outbox_seq=seq, **fields)  # type: ignore[arg-type]
                body = {"id": row_id, "withdrawn": False} | payload
            tx.refresh_person_days(person_id)
            self._audit(tx, actor, f"{'withdraw' if withdraw else 'correct'} {noun}",
                        person_id, **{noun: row_id}, reason=reason)  # fmt: skip
        return body | {"person_id": person_id}


def _amendable(
    tx: Transaction, noun: Literal["crossing", "refusal"], row_id: int, reason: str, state: str
) -> dict[str, Any]:
    """The row of a crossing or refusal an officer corrects, if this node may amend it: its
    own (only a row's origin amends it), with the record a correction supersedes."""
    if not reason.strip():
        raise InvalidInputError(f"reason: say why the {noun} is corrected")
    row = tx.row("crossings" if noun == "crossing" else "refusals", row_id)
    if row is None:
        raise NotFoundError(f"{noun} {row_id} is not on this node (never recorded here, "
                            "withdrawn, or deleted when its retention ended)")  # fmt: skip
    if row["origin"] not in (None, state):
        raise ConflictError(
            f"{noun} {row_id} was recorded by {row['origin']}: only its origin corrects it")
    if row["outbox_seq"] is None:
        raise ConflictError(f"{noun} {row_id} has no record of this node to supersede "
                            "(recorded before migration 0005, or imported before 0016)")
    return row


def _refusal_reasons(request: RecordCrossing, decision: Decision) -> list[dict[str, str]]:
    """The reasons a refusal is recorded with: the officer's letters, else the check's."""
    if not request.refused:
        return []
    reasons = (decision.reasons if request.letters is None
               else refusal_reasons(decision, request.letters))  # fmt: skip
    return [{"code": r.code, "message": r.message} for r in reasons]


def _record_payload(
    common: dict[str, Any], request: RecordCrossing, decision: Decision,
    reasons: list[dict[str, str]],
) -> dict[str, Any]:  # fmt: skip
    return {
        "person_id": common["person_id"],
        "direction": request.direction.value,
        "refused": request.refused,
        "crossing_point": common["crossing_point"],
        "occurred_at": common["occurred_at"].isoformat(),
        "local_date": common["local_date"].isoformat(),
        "decision": decision.outcome.value,
        "mrz": list(request.mrz),
        **({"reasons": reasons} if request.refused else {}),
    }


def _crossing_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """A crossing's corrected fields as a record's payload carries them (ISO text)."""
    return {"direction": fields["direction"], "crossing_point": fields["crossing_point"],
            "occurred_at": rfc3339(fields["occurred_at"]),
            "local_date": fields["local_date"].isoformat()}  # fmt: skip


def _joined(first: CheckHistory, second: CheckHistory) -> CheckHistory:
    """Two persons' histories as one, their crossing days in the order of the days (each
    list's own order kept within a day)."""
    return CheckHistory(days=sorted(first.days + second.days, key=lambda d: d[1]),
                        visas=first.visas + second.visas,
                        authorizations=first.authorizations + second.authorizations)


# why an earlier document does not show a change of name (``earlier_document_problem``)
_EARLIER_PROBLEMS = {
    "visa": "a visa is no travel document of the traveller's: give the earlier passport or "
            "identity card",
    "unknown": "that document is not on this node: its holder is not known here",
    "born_apart": "that document's holder was born on another day: it is not this traveller's",
}
