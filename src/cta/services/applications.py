"""Applications for the travel authorisation and the common visa: submission, automatic
processing, the consular queue and decisions (issue 12; docs/applications.md).

The applicant has no token: an application number and an access code (shown once; only its
SHA-256 is kept) open it. Every read and write of an application is audited, the applicant's
with the actor ``applicant``. Decisions are federation records: a grant is the same
``AuthorizationIssued`` / ``VisaIssued`` record ``Node.issue_permit`` makes (so every border
check of the area sees it), a refusal, annulment or revocation an ``ApplicationDecided``.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from cta.domain.applications import (
    OPEN,
    ApplicationKind,
    ApplicationStatus,
    ReviewReason,
    authorization_validity,
    automatic_outcome,
    check_route,
    deadline,
    median_hours,
    move,
    overdue,
    refusal_reasons,
)
from cta.domain.documents import TravelDocument
from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.instants import rfc3339
from cta.domain.mail import is_mail_address
from cta.domain.roles import Permission, Role
from cta.domain.screening_rules import RuleSet
from cta.domain.travel_permits import check_permit_terms, territories_text
from cta.domain.typed_text import check_typed
from cta.policy.screening_rules import load_shipped_rules
from cta.services.application_records import decision_payload, document_fields, file_decision
from cta.services.application_retention import announce_erasure, erase_application_records
from cta.services.application_review import review_application
from cta.services.checks import read_document
from cta.services.consultations import ApplicationSummary, Consultations
from cta.services.node import Actor, ConflictError, Idempotency, Node, NotFoundError
from cta.services.ports import AuditEntry
from cta.services.visas import issue_visa_terms

__all__ = ["APPLICANT", "Applications", "Decision", "MailFn", "Submission"]

APPLICANT = "applicant"  # the audit's actor and role for the applicant's own calls
REPLAY_KEPT = timedelta(hours=24)  # an applicant's idempotent answer (it holds the code)
NOT_FOUND = "no application with this number and access code"


class MailFn(Protocol):
    """``cta.services.mail.enqueue_mail``: a mail to the applicant, sent from the outbox."""

    def __call__(self, tx: Any, *, to: str, language: str, template: str,
                 params: dict[str, Any], now: datetime) -> None: ...  # fmt: skip


@dataclass(frozen=True, slots=True)
class Submission:
    """An application as the applicant filled it in (the API's body, validated)."""

    kind: ApplicationKind
    mrz: Sequence[str]
    first_state: str
    language: str
    email: str
    answers: Mapping[str, bool]
    form: dict[str, Any]  # every field, as given (the visa form's too)


@dataclass(frozen=True, slots=True)
class Decision:
    """A consular officer's decision on an application."""

    outcome: str  # granted | refused
    reasons: Sequence[str] = ()
    valid_from: date | None = None
    valid_to: date | None = None
    territorial_validity: Sequence[str] = field(default_factory=tuple)


def access_hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


class Applications:
    """The application use cases of one node (``node``: its store, clock, regime, alerts)."""

    def __init__(self, node: Node, *, rules: RuleSet | None = None,
                 mail: MailFn | None = None) -> None:  # fmt: skip
        self.node = node
        self.rules = rules if rules is not None else load_shipped_rules()
        self.mail = mail
        self.consultations = Consultations(node, lookup=application_summary)

    # -- the applicant ---------------------------------------------------------------------

    def submit(self, submission: Submission, client: str,
               idempotency: Idempotency) -> tuple[int, dict[str, Any]]:  # fmt: skip
        """Check and store an application, then decide it automatically or queue it."""
        node = self.node
        today, now = node.today(), node.clock()
        if not is_mail_address(submission.email.strip()):  # the mail layer's own rule
            raise InvalidInputError(
                f"email: {submission.email!r} is not an address this node can write to (after "
                "the @, a domain of Latin letters, digits and hyphens)")
        codes = node.reference.countries.codes
        named = [("residence_country", submission.form.get("residence_country"))] + [
            (f"other_nationalities[{i}]", code)
            for i, code in enumerate(submission.form.get("other_nationalities") or [])]
        for where, code in named:
            if code is not None and code not in codes:
                raise InvalidInputError(f"{where}: {code!r} is not an ICAO 9303 country code")
        arrival = submission.form.get("arrival")
        if arrival is not None and str(arrival) < today.isoformat():  # both YYYY-MM-DD
            raise InvalidInputError(f"arrival: {arrival} is in the past (today is {today}): a "
                                    "visa is asked for a journey to come")  # fmt: skip
        document = self._document(submission, today)
        user = f"{APPLICANT}@{client}"[:100]
        with node.store.transaction(read_only=True) as tx:
            review = review_application(self.node, self.rules, tx, submission, document, today)
        status = automatic_outcome(submission.kind, review)
        with node.store.transaction() as tx:
            tx.drop_applicant_replays(now - REPLAY_KEPT)
            earlier = tx.idempotent_response(user, idempotency.key)
            if earlier is not None:
                if earlier[0] != idempotency.request_hash:
                    raise ConflictError(f"Idempotency-Key {idempotency.key!r} was used before "
                                        "for a different application")  # fmt: skip
                return int(earlier[1]), earlier[2]
            number = f"{node.state}-{secrets.token_hex(6).upper()}"
            code = secrets.token_urlsafe(24)  # 192 random bits
            row = self._new_row(submission, document, number, code, review, now)
            tx.add_application(**row)
            self._applicant_audit(tx, "submit application", row, now)
            self._send(tx, row, "received", now)
            if status is ApplicationStatus.GRANTED:
                valid = authorization_validity(today, document.expiry_date)
                self._grant(tx, row, document, Actor("automatic processing",
                                                     Role.CONSULAR_OFFICER, "automatic decision"),
                            valid, (), now, automatic=True)  # fmt: skip
            else:
                self._step(tx, row, "automatic processing", "queued for a consular officer",
                           now, status=ApplicationStatus.MANUAL.value)  # fmt: skip
                self._consult(tx, row, review)
            body = {"number": number, "access_code": code, "status": row["status"]}
            tx.save_response(user, idempotency.key, idempotency.request_hash, 201, body, now)
        return 201, body

    def status(self, number: str, code: str) -> dict[str, Any]:
        """What the applicant sees; the same ``NotFoundError`` for an unknown number and a
        wrong code."""
        with self.node.store.transaction(read_only=True) as tx:
            row = self._opened(tx, number, code)
        self._applicant_reads(row, number, "read own application")
        answer = {"number": row["number"], "kind": row["kind"], "status": row["status"],
                  "submitted_at": rfc3339(row["submitted_at"]),
                  "deadline": rfc3339(row["deadline"]), "decision": row["decision"]}  # fmt: skip
        if row["status"] == ApplicationStatus.INFORMATION_REQUESTED.value:
            answer["information_requested"] = row["form"].get("_requested")
        return answer

    def answer_information(self, number: str, code: str, answer: str) -> dict[str, Any]:
        """The applicant answers a request for information: back to the officer."""
        now = self.node.clock()
        with self.node.store.transaction() as tx:
            row = self._opened(tx, number, code, lock=True)
            if row["status"] != ApplicationStatus.INFORMATION_REQUESTED.value:
                raise ConflictError(f"application {number} is {row['status']}: no information "
                                    "was requested")  # fmt: skip
            form = dict(row["form"])
            form["_answers"] = [*form.get("_answers", []), {"at": rfc3339(now), "text": answer}]
            tx.update_application(number, form=form)
            row["form"] = form
            self._step(tx, row, APPLICANT, "information given", now,
                       status=ApplicationStatus.MANUAL.value)  # fmt: skip
            self._applicant_audit(tx, "answer information request", row, now)
        return {"number": number, "status": row["status"]}

    # -- the consular officer --------------------------------------------------------------

    def queue(self, actor: Actor, limit: int = 100) -> dict[str, Any]:
        """Open applications of this state, the oldest deadline first."""
        self.node._require(actor, Permission.DECIDE_APPLICATION)
        now = self.node.clock()
        with self.node.store.transaction(read_only=True) as tx:
            rows = tx.application_queue(self.node.state, limit)
        self.node._audited(actor, "list application queue", [None], count=len(rows))
        return {"items": [{
            "number": r["number"], "kind": r["kind"], "status": r["status"],
            "nationality": r["nationality"], "submitted_at": rfc3339(r["submitted_at"]),
            "deadline": rfc3339(r["deadline"]), "claimed_by": r["claimed_by"],
            "overdue": overdue(ApplicationStatus(r["status"]), r["deadline"], now),
            "reasons": r["review"]} for r in rows]}  # fmt: skip

    def figures(self, actor: Actor) -> dict[str, Any]:
        """Waiting, overdue and the median time to a decision, of this state's applications."""
        self.node._require(actor, Permission.DECIDE_APPLICATION)
        with self.node.store.transaction(read_only=True) as tx:
            waiting, late, decided = tx.application_figures(self.node.state, self.node.clock())
        return {"first_state": self.node.state, "waiting": waiting, "overdue": late,
                "decided": len(decided),
                "median_hours_to_decision": median_hours([d - s for s, d in decided])}

    def claim(self, actor: Actor, number: str) -> dict[str, Any]:
        now = self.node.clock()
        with self._officers(actor, number) as (tx, row):
            if ApplicationStatus(row["status"]) not in OPEN:
                raise ConflictError(f"application {number} is {row['status']}: nothing to claim",
                                    code="nothing_to_claim",
                                    params={"number": number, "status": row["status"]})
            if row["claimed_by"] not in (None, actor.name):
                raise ConflictError(f"application {number} is claimed by {row['claimed_by']}",
                                    code="claimed_by_another",
                                    params={"number": number, "officer": row["claimed_by"]})
            tx.update_application(number, claimed_by=actor.name)
            self._step(tx, row, actor.name, "claimed", now)
            self.node._audit(tx, actor, "claim application", row["person_id"], number=number)
        return {"number": number, "claimed_by": actor.name, "status": row["status"]}

    def file(self, actor: Actor, number: str) -> dict[str, Any]:
        """The whole application: form, review reasons (hits, rule matches), history."""
        self.node._require(actor, Permission.DECIDE_APPLICATION)
        with self.node.store.transaction(read_only=True) as tx:
            row = tx.application(number)
            consulted = self.consultations.of_application(tx, number)
        if row is None or row["first_state"] != self.node.state:
            raise NotFoundError(f"application {number} is not in {self.node.state}'s queue")
        self.node._audited(actor, "read application file", [row["person_id"]], number=number)
        now = self.node.clock()
        keep = ("number", "kind", "status", "first_state", "issuing_state", "document_number",
                "nationality", "language", "email", "form", "review", "history", "claimed_by",
                "decision", "person_id")  # fmt: skip
        return {k: row[k] for k in keep} | {
            "submitted_at": rfc3339(row["submitted_at"]), "deadline": rfc3339(row["deadline"]),
            "overdue": overdue(ApplicationStatus(row["status"]), row["deadline"], now),
            "consultations": consulted}

    def decide(self, actor: Actor, number: str, decision: Decision) -> dict[str, Any]:
        now, today = self.node.clock(), self.node.today()
        with self._officers(actor, number, claimed=True) as (tx, row):
            kind = ApplicationKind(row["kind"])
            if decision.outcome == "refused":
                reasons = [{"code": r.code, "message": r.message}
                           for r in refusal_reasons(kind, decision.reasons)]  # fmt: skip
                self._refuse(tx, row, actor, reasons, now)
            elif decision.outcome == "granted":
                document = read_document(row["form"]["mrz"], on=today,
                                         countries=self.node.reference.countries)  # fmt: skip
                valid = self._validity(row, document, decision, today)
                try:
                    self._grant(tx, row, document, actor, valid,
                                decision.territorial_validity, now)  # fmt: skip
                except InvalidInputError as exc:
                    raise _from_the_form(exc, row, decision) from None
            else:
                raise InvalidInputError("outcome: granted or refused")
        return {"number": number, "status": row["status"], "decision": row["decision"]}

    def request_information(self, actor: Actor, number: str, questions: str) -> dict[str, Any]:
        """Ask the applicant for more; the deadline moves 14 days (once: ETIAS Art. 32(2))."""
        now = self.node.clock()
        with self._officers(actor, number, claimed=True) as (tx, row):
            move(ApplicationStatus(row["status"]), ApplicationStatus.INFORMATION_REQUESTED)
            form = dict(row["form"]) | {"_requested": questions}
            first = row["information_requested_at"] is None
            at = now if first else row["information_requested_at"]
            due = deadline(row["submitted_at"], information_requested=True,
                           interview=row["interview_at"] is not None)  # fmt: skip
            tx.update_application(number, form=form, information_requested_at=at, deadline=due)
            row |= {"form": form, "deadline": due}
            self._step(tx, row, actor.name, "information requested", now,
                       status=ApplicationStatus.INFORMATION_REQUESTED.value)  # fmt: skip
            self.node._audit(tx, actor, "request information", row["person_id"], number=number)
            self._send(tx, row, "information_requested", now)
        return {"number": number, "status": row["status"], "deadline": rfc3339(due)}

    def invite(self, actor: Actor, number: str, at: datetime, place: str) -> dict[str, Any]:
        """Invite the applicant to an interview; the deadline moves 30 days (once)."""
        now = self.node.clock()
        with self._officers(actor, number, claimed=True) as (tx, row):
            if row["status"] != ApplicationStatus.MANUAL.value:
                raise ConflictError(f"application {number} is {row['status']}: an interview is "
                                    "for an application waiting for an officer",
                                    code="interview_not_waiting",
                                    params={"number": number, "status": row["status"]})
            due = deadline(row["submitted_at"], interview=True,
                           information_requested=row["information_requested_at"] is not None)
            tx.update_application(number, interview_at=row["interview_at"] or now, deadline=due)
            row["deadline"] = due
            self._step(tx, row, actor.name, "invited to an interview", now,
                       interview_at=rfc3339(at), place=place)  # fmt: skip
            self.node._audit(tx, actor, "invite to interview", row["person_id"], number=number)
        return {"number": number, "status": row["status"], "deadline": rfc3339(due)}

    def end(self, actor: Actor, number: str, outcome: str,
            reasons: Sequence[str]) -> dict[str, Any]:  # fmt: skip
        """Annul or revoke a granted authorisation or visa: the permit is revoked across the
        area, and the outcome counts in later applications anywhere."""
        now = self.node.clock()
        status = ApplicationStatus(outcome)
        if not reasons or not all(r.strip() for r in reasons):
            raise InvalidInputError(f"reasons: say why the application is {outcome}")
        for n, reason in enumerate(reasons):  # sent to the peers: held to what they take
            check_typed(reason, f"reasons[{n}]")
        with self._officers(actor, number) as (tx, row):
            move(ApplicationStatus(row["status"]), status)
            table = "authorizations" if row["kind"] == "authorization" else "visas"
            if row["permit_id"] is not None and tx.row(table, row["permit_id"]) is not None:
                revoked = "AuthorizationRevoked" if table == "authorizations" else "VisaRevoked"
                tx.emit(revoked, {"reason": "; ".join(reasons)}, now, row["person_id"],
                        supersedes=row["permit_outbox_seq"])  # fmt: skip
                tx.delete_row(table, row["permit_id"])
            words = [{"code": outcome, "message": r.strip()} for r in reasons]
            decision = dict(row["decision"] or {}) | {outcome: {"at": rfc3339(now),
                                                                "reasons": words}}
            self._record_decision(tx, row, status.value, words, now)
            tx.update_application(number, decision=decision)
            row["decision"] = decision
            self._step(tx, row, actor.name, outcome, now, status=status.value)
            self.node._audit(tx, actor, f"{outcome[:-1]} application", row["person_id"],
                             number=number)  # fmt: skip
        return {"number": number, "status": row["status"], "decision": row["decision"]}

    def appeal(self, actor: Actor, number: str, grounds: str) -> dict[str, Any]:
        """Record an appeal lodged against a refusal."""
        now = self.node.clock()
        with self._officers(actor, number) as (tx, row):
            if row["status"] != ApplicationStatus.REFUSED.value:
                raise ConflictError(f"application {number} is {row['status']}: only a refusal "
                                    "is appealed", code="only_a_refusal_is_appealed",
                                    params={"number": number, "status": row["status"]})
            decision = dict(row["decision"]) | {"appeal": {"lodged_at": rfc3339(now),
                                                           "grounds": grounds,
                                                           "outcome": None}}
            tx.update_application(number, decision=decision)
            row["decision"] = decision
            self._step(tx, row, actor.name, "appeal lodged", now)
            self.node._audit(tx, actor, "record appeal", row["person_id"], number=number)
        return {"number": number, "status": row["status"], "decision": decision}

    def appeal_outcome(self, actor: Actor, number: str, outcome: str,
                       reasons: Sequence[str]) -> dict[str, Any]:  # fmt: skip
        """``dismissed``: the refusal stands; ``allowed``: back to the queue, 96 hours anew."""
        now = self.node.clock()
        with self._officers(actor, number) as (tx, row):
            appeal = (row["decision"] or {}).get("appeal")
            if row["status"] != ApplicationStatus.REFUSED.value or not appeal \
                    or appeal.get("outcome"):
                raise ConflictError(f"application {number} has no appeal waiting for its outcome",
                                    code="no_appeal_waiting", params={"number": number})
            appeal = appeal | {"outcome": outcome, "reasons": list(reasons),
                               "decided_at": rfc3339(now)}
            decision = dict(row["decision"]) | {"appeal": appeal}
            fields: dict[str, Any] = {"decision": decision}
            if outcome == "allowed":
                move(ApplicationStatus.REFUSED, ApplicationStatus.MANUAL)
                fields |= {"status": ApplicationStatus.MANUAL.value, "deadline": deadline(now),
                           "decided_at": None}
                seq = tx.emit("ApplicationDecided", decision_payload(
                    row, "appeal_allowed", [], rfc3339(now)), now, row["person_id"],
                    supersedes=row["decision_outbox_seq"])  # fmt: skip
                fields["decision_outbox_seq"] = seq
                tx.drop_application_decisions(self.node.state, number)
            tx.update_application(number, **fields)
            row |= fields
            self._step(tx, row, actor.name, f"appeal {outcome}", now)
            self.node._audit(tx, actor, "record appeal outcome", row["person_id"],
                             number=number, outcome=outcome)  # fmt: skip
        return {"number": number, "status": row["status"], "decision": decision}

    def purge(self, actor: Actor) -> dict[str, Any]:
        """Delete application files past retention (ETIAS Art. 54(1)): a grant's once its
        permit has ended, a refusal's, annulment's or revocation's 5 years after it."""
        self.node._require(actor, Permission.PURGE)
        today = self.node.today()
        decided_before = self.node.clock() - timedelta(days=5 * 365 + 1)
        with self.node.store.transaction() as tx:
            tx.chain_head(self.node.state, lock=True)  # the sealer waits: it seals no one gone
            gone = tx.purge_applications(today.isoformat(), decided_before)
            # their records everywhere: erased here, and the peers told which (by reference)
            refs = erase_application_records(tx, self.node.state, gone)
            announce_erasure(tx, refs, self.node.clock())
            self.node._audit(tx, actor, "application retention deletion", None,
                             numbers=gone[:100], count=len(gone),
                             records=len(refs))  # fmt: skip
        return {"deleted": len(gone), "decided_before": rfc3339(decided_before),
                "permits_ended_before": today.isoformat(), "records_erased": len(refs)}

    # -- the steps -------------------------------------------------------------------------

    def _document(self, submission: Submission, today: date) -> TravelDocument:
        node = self.node
        try:
            document = read_document(submission.mrz, on=today,
                                     countries=node.reference.countries)  # fmt: skip
        except CTAError as exc:
            raise InvalidInputError(f"mrz: {exc}") from None
        if not document.valid:
            issues = "; ".join(f"{e.field}: {e.message}" for e in document.errors)
            raise InvalidInputError(f"mrz: the travel document does not read as valid ({issues})")
        if submission.first_state != node.state:
            raise InvalidInputError(
                f"first_state: this is {node.state}'s node; an application whose first intended "
                f"state is {submission.first_state} is made at {submission.first_state}'s")
        category = node.regime_on(today).category_for(document.nationality)
        check_route(submission.kind, document.nationality, category)
        return document

    def _new_row(self, submission: Submission, document: TravelDocument, number: str,
                 code: str, review: list[ReviewReason], now: datetime) -> dict[str, Any]:
        return {
            "number": number, "kind": submission.kind.value,
            "status": ApplicationStatus.PROCESSING.value, "access_hash": access_hash(code),
            "first_state": submission.first_state, "issuing_state": document.issuing_state,
            "document_number": document.document_number, "nationality": document.nationality,
            "surname": document.surname, "birth_date_raw": document.birth_date_raw,
            "person_id": None, "language": submission.language, "email": submission.email,
            "form": submission.form,
            "review": [{"code": r.code, "message": r.message}
                       | ({"source": r.source} if r.source else {}) for r in review],
            "history": [{"at": rfc3339(now), "by": APPLICANT, "action": "submitted"}],
            "submitted_at": now, "deadline": deadline(now), "decision": None,
            "claimed_by": None, "information_requested_at": None, "interview_at": None,
            "permit_id": None, "permit_outbox_seq": None, "decision_outbox_seq": None,
        }  # fmt: skip

    def _validity(self, row: dict[str, Any], document: TravelDocument, decision: Decision,
                  today: date) -> tuple[date, date]:  # fmt: skip
        if row["kind"] == "authorization":
            first, last = authorization_validity(today, document.expiry_date)
        else:
            first = date.fromisoformat(row["form"]["arrival"])
            last = date.fromisoformat(row["form"]["departure"])
        return decision.valid_from or first, decision.valid_to or last

    def _grant(self, tx: Any, row: dict[str, Any], document: TravelDocument, actor: Actor,
               valid: tuple[date, date], territorial: Sequence[str], now: datetime, *,
               automatic: bool = False) -> None:  # fmt: skip
        """Issue the authorisation or visa as ``Node.issue_permit`` does, in this transaction."""
        node = self.node
        visa = row["kind"] == "visa"
        form = row["form"]
        days = form.get("duration_days") if visa else None
        entries = (None if form.get("entries") == "multiple" else int(form["entries"])) \
            if visa else None
        # refused with a code, for the consular console to say it in its words
        check_permit_terms(valid[0], valid[1], today=node.today(),
                           document_expiry=document.expiry_date, duration_days=days,
                           entries=entries)  # fmt: skip
        members = node.regime_on(node.today()).members
        bad = [s for s in territorial if s not in members]
        if bad:
            raise InvalidInputError(f"territorial_validity: {', '.join(bad)} is not a member "
                                    "state (Visa Code Art. 25, ETIAS Art. 44)")  # fmt: skip
        # every member named is the whole area: no limit to record
        where = territories_text(territorial) if set(territorial) != members else None
        person_id, _ = node._file_document(tx, document, None)
        terms: dict[str, Any] = {"valid_from": valid[0].isoformat(),
                                 "valid_to": valid[1].isoformat()}
        if visa:  # its number and MRZ, as Node.issue_permit gives them (the sticker's)
            terms |= {"duration_days": days, "entries": entries}
            terms |= issue_visa_terms(tx, state=node.state, passport=document, valid_to=valid[1],
                                      format="MRV-A", today=node.today(),
                                      countries=node.reference.countries)  # fmt: skip
        if where is not None:  # peers enforce it at their borders (VisaIssued, ...Issued)
            terms["territorial_validity"] = where.split()
        kind = "VisaIssued" if visa else "AuthorizationIssued"
        seq = tx.emit(kind, {"document": document_fields(document), **terms}, now, person_id)
        fields = {"person_id": person_id, "document_number": document.document_number,
                  "valid_from": valid[0], "valid_to": valid[1], "issued_at": now,
                  "origin": node.state, "outbox_seq": seq,
                  "territorial_validity": where}  # fmt: skip
        if visa:
            permit_id = tx.add_visa(duration_days=days, entries=entries, entries_used=0,
                                    visa_number=terms["visa_number"], mrz=terms["mrz"],
                                    **fields)  # fmt: skip
        else:
            permit_id = tx.add_authorization(**fields)
        decision = {"outcome": "granted", **terms, "reasons": [], "decided_by": node.state,
                    "automatic": automatic,
                    "territorial_validity": where.split() if where else None}  # fmt: skip
        move(ApplicationStatus(row["status"]), ApplicationStatus.GRANTED)
        update = {"person_id": person_id, "permit_id": permit_id, "permit_outbox_seq": seq,
                  "decision": decision, "decided_at": now}  # fmt: skip
        tx.update_application(row["number"], **update)
        row |= update
        self._step(tx, row, actor.name, "granted", now, status=ApplicationStatus.GRANTED.value)
        if automatic:  # no officer: the audit names the automatic processing as its role
            tx.audit(AuditEntry(actor.name, "automatic", f"issue {row['kind']}", actor.purpose,
                                person_id, {"id": permit_id, "number": row["number"]}), now)
        else:
            node._audit(tx, actor, f"issue {row['kind']}", person_id, id=permit_id,
                        number=row["number"])  # fmt: skip
        self._send(tx, row, "granted", now)

    def _refuse(self, tx: Any, row: dict[str, Any], actor: Actor,
                reasons: list[dict[str, str]], now: datetime) -> None:  # fmt: skip
        move(ApplicationStatus(row["status"]), ApplicationStatus.REFUSED)
        decision = {"outcome": "refused", "valid_from": None, "valid_to": None,
                    "reasons": reasons, "decided_by": self.node.state, "automatic": False,
                    "appeal_to": f"an appeal lies to the courts of {self.node.state}, the "
                                 "refusing state, under its national law (ETIAS Art. 37(3))"}
        self._record_decision(tx, row, "refused", reasons, now)
        tx.update_application(row["number"], decision=decision, decided_at=now)
        row |= {"decision": decision, "decided_at": now}
        self._step(tx, row, actor.name, "refused", now, status=ApplicationStatus.REFUSED.value)
        self.node._audit(tx, actor, "refuse application", row["person_id"],
                         number=row["number"])  # fmt: skip
        self._send(tx, row, "refused", now)

    def _record_decision(self, tx: Any, row: dict[str, Any], outcome: str,
                         reasons: list[dict[str, str]], now: datetime) -> None:  # fmt: skip
        """An ``ApplicationDecided`` record for the peers, and this node's own row of it."""
        payload = decision_payload(row, outcome, reasons, rfc3339(now))
        seq = tx.emit("ApplicationDecided", payload, now, row["person_id"])
        file_decision(tx, self.node.state, payload, now, None)
        tx.update_application(row["number"], decision_outbox_seq=seq)
        row["decision_outbox_seq"] = seq

    def _step(self, tx: Any, row: dict[str, Any], by: str, action: str, now: datetime,
              status: str | None = None, **detail: Any) -> None:  # fmt: skip
        history = [*row["history"], {"at": rfc3339(now), "by": by, "action": action, **detail}]
        fields: dict[str, Any] = {"history": history}
        if status is not None:
            fields["status"] = status
        tx.update_application(row["number"], **fields)
        row |= fields

    def _send(self, tx: Any, row: dict[str, Any], template: str, now: datetime) -> None:
        """The applicant's mail of ``template``; a request for information gives the
        officer's questions where a decision gives its reasons."""
        if self.mail is None:
            return
        decision = row["decision"] or {}
        reasons = [r["message"] for r in decision.get("reasons") or []]
        if template == "information_requested":
            reasons = [row["form"]["_requested"]]
        self.mail(tx, to=row["email"], language=row["language"], template=template, params={
            "number": row["number"], "kind": row["kind"], "status": row["status"],
            "valid_from": decision.get("valid_from"), "valid_to": decision.get("valid_to"),
            "reasons": reasons, "deadline": rfc3339(row["deadline"])}, now=now)  # fmt: skip

    def _opened(self, tx: Any, number: str, code: str, *,
                lock: bool = False) -> dict[str, Any]:  # fmt: skip
        row = tx.application(number, lock=lock) if len(number) <= 20 else None
        given = access_hash(code)
        if row is None or not hmac.compare_digest(row["access_hash"], given):
            raise NotFoundError(NOT_FOUND)
        return dict(row)

    @contextmanager
    def _officers(self, actor: Actor, number: str, *,
                  claimed: bool = False) -> Iterator[tuple[Any, dict[str, Any]]]:  # fmt: skip
        """A write transaction and the locked row of one application of this state, for a
        consular officer: 404 outside this state's queue, 409 when ``claimed`` and another
        officer (or no one) claimed it."""
        self.node._require(actor, Permission.DECIDE_APPLICATION)
        with self.node.store.transaction() as tx:
            row = tx.application(number, lock=True)
            if row is None or row["first_state"] != self.node.state:
                raise NotFoundError(f"application {number} is not in {self.node.state}'s queue")
            if claimed and row["claimed_by"] != actor.name:
                raise ConflictError(f"application {number} is claimed by "
                                    f"{row['claimed_by'] or 'no one'}: claim it first",
                                    code="claim_first" if row["claimed_by"] else "not_claimed",
                                    params={"number": number, "officer": row["claimed_by"]})
            yield tx, dict(row)

    def _applicant_audit(self, tx: Any, action: str, row: dict[str, Any], now: datetime) -> None:
        tx.audit(AuditEntry(APPLICANT, APPLICANT, action, "the applicant's own application",
                            row["person_id"], {"number": row["number"]}), now)  # fmt: skip

    def _applicant_reads(self, row: dict[str, Any], number: str, action: str) -> None:
        self.node.store.audit([AuditEntry(APPLICANT, APPLICANT, action,
                                          "the applicant's own application", row["person_id"],
                                          {"number": number})], self.node.clock())

    def _consult(self, tx: Any, row: dict[str, Any], review: Sequence[ReviewReason]) -> None:
        """Consult each other member whose data sent the application to a person (ETIAS
        Art. 28, Visa Code Art. 22): one consultation per member, with its grounds."""
        by_member: dict[str, list[ReviewReason]] = {}
        for reason in review:
            if reason.source and reason.source != self.node.state:
                by_member.setdefault(reason.source, []).append(reason)
        if not by_member:
            return
        summary = _summary(row, tx.document_owner(row["issuing_state"], row["document_number"]))
        for member, grounds in sorted(by_member.items()):
            self.consultations.request(
                tx, summary, member,
                f"{member}'s data weighs on this {row['kind']} application: does {member} "
                "object to granting it?", [{"code": g.code, "message": g.message}
                                           for g in grounds], asked_by=None)  # fmt: skip


def _summary(row: dict[str, Any], person_id: int | None) -> ApplicationSummary:
    form = row["form"]
    applicant = {"surname": row["surname"], "mrz": form.get("mrz"),
                 "birth_date_raw": row["birth_date_raw"], "nationality": row["nationality"],
                 "document": {"issuing_state": row["issuing_state"],
                              "number": row["document_number"]}}  # fmt: skip
    return ApplicationSummary(row["number"], row["kind"], row["first_state"], applicant,
                              person_id)


def application_summary(tx: Any, number: str) -> ApplicationSummary | None:
    """An application of this node, as a consultation names it (``Consultations.lookup``)."""
    row = tx.application(number)
    if row is None:
        return None
    return _summary(row, row["person_id"] or tx.document_owner(row["issuing_state"],
                                                               row["document_number"]))


def _from_the_form(exc: InvalidInputError, row: dict[str, Any],
                   decision: Decision) -> InvalidInputError:  # fmt: skip
    """A visa's validity the officer did not give comes from the application's arrival and
    departure: a problem with it names them, not ``valid_to``, which the officer did not send
    (the sweep's C6: "valid_to: a permit is valid 10 years at most")."""
    text = str(exc)
    given = decision.valid_from is not None or decision.valid_to is not None
    if given or row["kind"] != "visa" or not text.startswith(("valid_from:", "valid_to:")):
        return exc
    form = row["form"]
    message = (f"the validity comes from the application's arrival {form['arrival']} and "
               f"departure {form['departure']}, and {text.split(': ', 1)[1]}: give valid_from "
               "and valid_to")  # fmt: skip
    if exc.code == "permit_too_long":  # coded, for the console's words
        return InvalidInputError(message, code="permit_too_long_from_journey", params={
            **exc.params, "arrival": date.fromisoformat(form["arrival"]),
            "departure": date.fromisoformat(form["departure"])})
    return InvalidInputError(message)
