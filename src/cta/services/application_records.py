"""The federation records of applications: what a decision tells the other states, and how a
peer files it (``cta.services.federation`` applies ``ApplicationDecided`` with this).

A refusal, an annulment or a revocation in one state is known in the other two: the automatic
processing of every node weighs the ``application_decisions`` rows, its own and its peers'. An
allowed appeal (``appeal_allowed``) takes the application's earlier rows out again.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from typing import Any, Protocol

from cta.domain.documents import TravelDocument
from cta.domain.errors import CTAError
from cta.domain.peer_filings import application_decision
from cta.domain.peer_records import PeerRecordError

__all__ = ["ApplicationDecisionRows", "apply_application_decision", "decision_payload",
           "document_fields"]

COUNTED = ("refused", "annulled", "revoked")  # outcomes the automatic processing weighs


class ApplicationDecisionRows(Protocol):
    def add_application_decision(self, **fields: Any) -> None: ...
    def drop_application_decisions(self, origin: str, number: str) -> None: ...


def document_fields(document: TravelDocument) -> dict[str, Any]:
    """A document as an ``AuthorizationIssued`` or ``VisaIssued`` record names it, for a peer
    to file the holder (the keys of ``cta.services.federation._file_document``)."""
    return {"document_code": document.document_code, "issuing_state": document.issuing_state,
            "document_number": document.document_number, "surname": document.surname,
            "given_names": document.given_names, "nationality": document.nationality,
            "birth_date": document.birth_date.isoformat() if document.birth_date else None,
            "birth_date_raw": document.birth_date_raw, "sex": document.sex,
            "expiry_date": document.expiry_date.isoformat() if document.expiry_date else None}


def decision_payload(application: dict[str, Any], outcome: str, reasons: list[dict[str, str]],
                     at: str) -> dict[str, Any]:  # fmt: skip
    """The payload of ``ApplicationDecided``: the application, its holder's identity, what
    was decided and why."""
    return {"number": application["number"], "kind": application["kind"], "outcome": outcome,
            "reasons": reasons, "decided_at": at,
            "holder": {k: application[k] for k in ("issuing_state", "document_number",
                                                    "nationality", "surname",
                                                    "birth_date_raw")}}  # fmt: skip


def file_decision(tx: ApplicationDecisionRows, origin: str, payload: dict[str, Any],
                  at: datetime, record_seq: int | None) -> None:  # fmt: skip
    """Write what an ``ApplicationDecided`` says into ``application_decisions``."""
    outcome = str(payload["outcome"])
    if outcome == "appeal_allowed":
        tx.drop_application_decisions(origin, str(payload["number"]))
        return
    if outcome not in COUNTED:
        raise CTAError(f"an application's outcome {outcome!r} is not one a record carries")
    holder = payload["holder"]
    reasons = payload["reasons"]
    if not isinstance(reasons, list):
        raise CTAError("an application's reasons are a list")
    tx.add_application_decision(
        origin=origin, number=str(payload["number"]), kind=str(payload["kind"]),
        outcome=outcome, issuing_state=str(holder["issuing_state"]),
        document_number=str(holder["document_number"]), nationality=str(holder["nationality"]),
        surname=str(holder["surname"]), birth_date_raw=str(holder["birth_date_raw"]),
        reasons=reasons, decided_at=at, record_seq=record_seq,
    )  # fmt: skip


def apply_application_decision(
    tx: Any, origin: str, seq: int, at: datetime, payload: dict[str, Any], codes: Collection[str]
) -> None:
    """A peer's ``ApplicationDecided`` record, filed here.

    Read whole first (``application_decision``: the origin's own application, the columns'
    lengths), so a record the database would refuse is not applied instead of failing its
    batch for good. An application has one refusal, annulment or revocation at a time (an
    allowed appeal takes its refusal out): the same decision again is a redelivery, applied as
    it was; another while one is filed is not applied, so one refusal never counts twice."""
    decided = application_decision(payload, origin=origin, codes=codes)
    if decided.outcome != "appeal_allowed":
        holder = decided.holder
        filed = [row for row in tx.application_decisions_of(
            holder["issuing_state"], holder["document_number"], holder["nationality"],
            holder["birth_date_raw"], holder["surname"],
        ) if row["origin"] == origin and row["number"] == decided.number]  # fmt: skip
        if any((row["kind"], row["outcome"], row["reasons"]) == (
                decided.kind, decided.outcome, decided.reasons) for row in filed):
            return  # a redelivery
        if filed:
            raise PeerRecordError(f"number: {decided.number} is filed already "
                                  f"({filed[0]['outcome']})")  # fmt: skip
    file_decision(tx, origin, {**payload, "reasons": decided.reasons, "holder": decided.holder},
                  at, seq)  # fmt: skip
