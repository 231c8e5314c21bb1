"""Consultation records as filed and shown: the JSON of a consultation, and how a peer's
``ConsultationRequested`` and ``ConsultationAnswered`` are filed (``services.federation``).
Apart from ``services.consultations`` so that the federation's apply imports no use case."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any

from cta.domain.consultations import ConsultationState, state_of
from cta.domain.instants import rfc3339
from cta.domain.peer_filings import ConsultationRequest, consultation_answer, consultation_request
from cta.domain.peer_records import PeerRecordError
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
    tx: Transaction, state: str, record: Record, payload: dict[str, Any],
    members: Collection[str],
) -> int | None:  # fmt: skip
    """A member consulted another: the consulted node files it in its queue; the third
    member files nothing (the opinion is for the two alone). The person it concerns.

    Read whole first (``consultation_request``: as strict as the asking node's API), so a
    record the database would refuse is not applied instead of failing its batch for good. A
    ref filed already is not filed again: the same request again is a redelivery, applied as
    it was; another under that ref is not applied."""
    asked = consultation_request(payload, origin=record.origin, members=members)
    if asked.consulted_state != state:
        return None
    filed = tx.consultation(asked.ref)
    if filed is not None:
        if _same_request(filed, asked, record.origin):
            return filed["person_id"]  # type: ignore[no-any-return]
        raise PeerRecordError(f"ref: {asked.ref} is filed already, with other content")
    document = asked.applicant.get("document") or {}
    found = (tx.document_key(str(document["issuing_state"]), str(document["number"]))
             if document.get("issuing_state") and document.get("number") else None)  # fmt: skip
    person_id = found[0] if found is not None else None
    tx.add_consultation(
        ref=asked.ref, application=asked.application, kind=asked.kind,
        asking_state=record.origin, consulted_state=state, question=asked.question,
        grounds=asked.grounds, applicant=asked.applicant, person_id=person_id,
        asked_at=asked.asked_at, due_at=asked.due_at, origin=record.origin,
        record_seq=record.seq,
    )  # fmt: skip
    return person_id


def _same_request(row: dict[str, Any], asked: ConsultationRequest, origin: str) -> bool:
    """Whether a filed consultation is this request (a redelivery), field by field."""
    return (row["asking_state"] == origin and row["application"] == asked.application
            and row["kind"] == asked.kind and row["consulted_state"] == asked.consulted_state
            and row["question"] == asked.question and row["grounds"] == asked.grounds
            and row["applicant"] == asked.applicant
            and _utc(row["asked_at"]) == asked.asked_at
            and _utc(row["due_at"]) == asked.due_at)  # fmt: skip


def apply_consultation_answer(
    tx: Transaction, state: str, record: Record, payload: dict[str, Any],
    members: Collection[str],
) -> int | None:  # fmt: skip
    """The consulted member answered: filed beside the asking node's consultation, once.

    Read whole first (``consultation_answer``). Only an answer to a consultation this node
    asked of the origin is filed; one to a third member's consultation files nothing; the same
    answer again is a redelivery; another answer to one answered already is not applied (an
    opinion is given once)."""
    said = consultation_answer(payload, origin=record.origin, members=members)
    row = tx.consultation(said.ref, lock=True)
    if row is None:
        if said.asker == state:
            raise PeerRecordError(f"ref: consultation {said.ref} is not on this node")
        return None  # a third member's consultation: not filed here
    if record.origin != row["consulted_state"]:  # one asked of this node is answered here
        raise PeerRecordError(f"ref: {record.origin} answered consultation {said.ref}, which "
                              f"asks {row['consulted_state']}")  # fmt: skip
    if row.get("opinion") is not None:
        if (row["opinion"], row["reasons"], _utc(row["answered_at"])) == (
                said.opinion, said.reasons, said.at):
            return row["person_id"]  # type: ignore[no-any-return]  # a redelivery
        raise PeerRecordError(f"ref: consultation {said.ref} was answered already "
                              f"({row['opinion']}): an opinion is given once")  # fmt: skip
    if not tx.answer_consultation(said.ref, opinion=said.opinion, reasons=said.reasons,
                                  answered_at=said.at, answered_by=None):  # fmt: skip
        raise PeerRecordError(f"ref: consultation {said.ref} was answered already")
    return row["person_id"]  # type: ignore[no-any-return]
