"""Consultation records as filed and shown: the JSON of a consultation, and how a peer's
``ConsultationRequested`` and ``ConsultationAnswered`` are filed (``services.federation``).
Apart from ``services.consultations`` so that the federation's apply imports no use case."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from cta.domain.consultations import ConsultationState, check_answer, state_of
from cta.domain.errors import CTAError
from cta.domain.instants import rfc3339
from cta.federation.records import Record
from cta.services.ports import Transaction

__all__ = ["apply_consultation_answer", "apply_consultation_request", "consultation_json"]


def consultation_json(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    """A consultation as the API shows it; a lapsed one says it counts as no objection."""
    answered = row.get("opinion") is not None
    state = state_of(answered, _utc(row["due_at"]), now)
    out = {
        "ref": row["ref"], "application": row["application"], "kind": row["kind"],
        "asking_state": row["asking_state"], "consulted_state": row["consulted_state"],
        "question": row["question"], "grounds": row["grounds"], "applicant": row["applicant"],
        "asked_at": rfc3339(_utc(row["asked_at"])), "due_at": rfc3339(_utc(row["due_at"])),
        "state": state.value, "opinion": row.get("opinion"), "reasons": row.get("reasons"),
        "answered_at": rfc3339(_utc(row["answered_at"])) if row.get("answered_at") else None,
    }  # fmt: skip
    if state is ConsultationState.LAPSED:
        out["counts_as"] = "no objection"  # ETIAS Art. 28, Visa Code Art. 22(2)
    for staff in ("asked_by", "answered_by"):  # this node's own officers only
        if row.get(staff):
            out[staff] = row[staff]
    return out


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def apply_consultation_request(
    tx: Transaction, state: str, record: Record, payload: dict[str, Any]
) -> int | None:
    """A member consulted another: the consulted node files it in its queue; the third
    member files nothing (the opinion is for the two alone). The person it concerns."""
    ref = str(payload["ref"])
    if not ref.startswith(f"{record.origin}-C-"):
        raise CTAError(f"consultation {ref!r} is not named by its asking member {record.origin}")
    if payload["asking_state"] != record.origin:
        raise CTAError(f"asking_state {payload['asking_state']!r} is not the record's origin")
    if payload["consulted_state"] != state:
        return None
    if payload["kind"] not in ("authorization", "visa"):
        raise CTAError(f"kind {payload['kind']!r} is not authorization or visa")
    applicant = payload["applicant"]
    document = applicant.get("document") or {}
    found = (tx.document_key(str(document["issuing_state"]), str(document["number"]))
             if document.get("issuing_state") and document.get("number") else None)  # fmt: skip
    person_id = found[0] if found is not None else None
    tx.add_consultation(
        ref=ref, application=str(payload["application"]), kind=payload["kind"],
        asking_state=record.origin, consulted_state=state, question=str(payload["question"]),
        grounds=list(payload["grounds"]), applicant=dict(applicant), person_id=person_id,
        asked_at=datetime.fromisoformat(payload["asked_at"]),
        due_at=datetime.fromisoformat(payload["due_at"]), origin=record.origin,
        record_seq=record.seq,
    )  # fmt: skip
    return person_id


def apply_consultation_answer(
    tx: Transaction, state: str, record: Record, payload: dict[str, Any]
) -> int | None:
    """The consulted member answered: filed beside the asking node's application."""
    ref = str(payload["ref"])
    row = tx.consultation(ref)
    if row is None:
        if ref.startswith(f"{state}-C-"):
            raise CTAError(f"consultation {ref} is not on this node")
        return None  # a third member's consultation: not filed here
    if record.origin != row["consulted_state"]:
        raise CTAError(f"{record.origin} answered consultation {ref}, which asks "
                       f"{row['consulted_state']}")
    reasons = [str(r) for r in payload["reasons"]]
    chosen = check_answer(str(payload["opinion"]), reasons)
    tx.answer_consultation(ref, opinion=chosen.value, reasons=reasons,
                           answered_at=datetime.fromisoformat(payload["at"]),
                           answered_by=None)  # fmt: skip
    return row["person_id"]  # type: ignore[no-any-return]
