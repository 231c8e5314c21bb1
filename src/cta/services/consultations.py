"""Consultation between members on an application: ask another member, answer one, see both.

The deciding state (the application's first intended state) asks a member whose data weighs
on the application (a hit on its alert, a refusal or an overstay it recorded). The request is
a ``ConsultationRequested`` record; the consulted node files it in its consular officers'
queue; their reasoned opinion is a ``ConsultationAnswered`` record, filed back beside the
application. Only the two members concerned file them (ETIAS Art. 28(3): the opinion is for
them alone); the third keeps the records in its chain and files nothing. The rules (who may
be asked, when the answer is due, what a lapsed one counts as) are ``cta.domain.consultations``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cta.domain.consultations import (
    answer_due,
    check_answer,
    check_grounds,
    check_request,
    sent_grounds,
)
from cta.domain.instants import rfc3339
from cta.domain.roles import Permission
from cta.domain.typed_text import RECORD_TEXT_BYTES, text_bytes
from cta.services.consultation_records import consultation_json
from cta.services.node import Actor, ConflictError, ForbiddenError, Node, NotFoundError
from cta.services.ports import Transaction

__all__ = ["ApplicationSummary", "Consultations"]


@dataclass(frozen=True, slots=True)
class ApplicationSummary:
    """What a consultation says of the application it is about."""

    number: str
    kind: str  # authorization | visa
    first_state: str  # the deciding state
    applicant: dict[str, Any]  # surname, given_names, birth_date, nationality, document
    person_id: int | None = None


# finds an application of this node by its number (the applications service provides it)
Lookup = Callable[[Transaction, str], ApplicationSummary | None]


class Consultations:
    """The consultation use cases of one node."""

    def __init__(self, node: Node, lookup: Lookup | None = None) -> None:
        self.node = node
        self.lookup = lookup

    def _members(self) -> frozenset[str]:
        return self.node.regime_on(self.node.today()).members

    def ask(self, actor: Actor, number: str, state: str, question: str,
            grounds: Sequence[dict[str, str]] = ()) -> dict[str, Any]:  # fmt: skip
        """A consular officer of the deciding state consults ``state`` on an application."""
        self.node._require(actor, Permission.ISSUE_PERMIT)
        check_grounds(grounds)  # typed: refused here, not by the member consulted
        with self.node.store.transaction() as tx:
            summary = self.lookup(tx, number) if self.lookup is not None else None
            if summary is None:
                raise NotFoundError(f"application {number} is not on this node")
            if summary.first_state != self.node.state:
                raise ConflictError(f"application {number} is decided by "
                                    f"{summary.first_state}: it consults, not {self.node.state}")
            found = self.request(tx, summary, state, question, grounds, asked_by=actor.name)
            self.node._audit(tx, actor, "consult member state", summary.person_id,
                             consultation=found["ref"], application=number)  # fmt: skip
        return found

    def request(
        self, tx: Transaction, summary: ApplicationSummary, state: str, question: str,
        grounds: Sequence[dict[str, str]], *, asked_by: str | None,
    ) -> dict[str, Any]:
        """File and send a consultation in the caller's transaction (the automatic processing
        of an application asks the member whose data caused a hit this way)."""
        check_request(self.node.state, state, self._members(), question)
        now = self.node.clock()
        fields = {
            "application": summary.number, "kind": summary.kind,
            "asking_state": self.node.state, "consulted_state": state, "question": question,
            # within what the member consulted takes, and what one record holds
            "grounds": sent_grounds(grounds, RECORD_TEXT_BYTES - text_bytes([question])),
            "applicant": summary.applicant, "asked_at": now,
            "due_at": answer_due(summary.kind, now),
        }  # fmt: skip
        row_id = tx.add_consultation(ref=f"new-{uuid.uuid4().hex}", person_id=summary.person_id,
                                     asked_by=asked_by, **fields)  # fmt: skip
        ref = f"{self.node.state}-C-{row_id}"
        tx.set_consultation_ref(row_id, ref)
        tx.emit("ConsultationRequested", {
            "ref": ref, **fields, "asked_at": rfc3339(now), "due_at": rfc3339(fields["due_at"]),
        }, now, summary.person_id)  # fmt: skip
        return consultation_json(fields | {"ref": ref, "asked_by": asked_by}, now)

    def asked_of_us(self, actor: Actor, *, open_only: bool, after: int,
                    limit: int) -> dict[str, Any]:  # fmt: skip
        """The consultations other members asked of this one, the earliest due first."""
        self.node._require(actor, Permission.ISSUE_PERMIT)
        now = self.node.clock()
        with self.node.store.transaction() as tx:
            rows = tx.consultations_asked_of(self.node.state, open_only=open_only, after=after,
                                             limit=limit)  # fmt: skip
            for row in rows:
                self.node._audit(tx, actor, "read consultation", row["person_id"],
                                 consultation=row["ref"])  # fmt: skip
        return {"consultations": [consultation_json(row, now) for row in rows],
                "next_after": rows[-1]["id"] if len(rows) == limit else None}  # fmt: skip

    def one(self, actor: Actor, ref: str) -> dict[str, Any]:
        """One consultation this node asked or was asked."""
        self.node._require(actor, Permission.ISSUE_PERMIT)
        with self.node.store.transaction() as tx:
            row = tx.consultation(ref)
            if row is None:
                raise NotFoundError(f"consultation {ref} is not on this node")
            self.node._audit(tx, actor, "read consultation", row["person_id"], consultation=ref)
        return consultation_json(row, self.node.clock())

    def answer(self, actor: Actor, ref: str, opinion: str, reasons: list[str]) -> dict[str, Any]:
        """A consular officer of the consulted member gives its reasoned opinion."""
        self.node._require(actor, Permission.ISSUE_PERMIT)
        chosen = check_answer(opinion, reasons)
        now = self.node.clock()
        with self.node.store.transaction() as tx:
            row = tx.consultation(ref, lock=True)
            if row is None:
                raise NotFoundError(f"consultation {ref} is not on this node")
            if row["consulted_state"] != self.node.state:
                raise ForbiddenError(f"consultation {ref} asks {row['consulted_state']}: only "
                                     "its consular officers answer it")
            if not tx.answer_consultation(ref, opinion=chosen.value, reasons=reasons,
                                          answered_at=now, answered_by=actor.name):
                raise ConflictError(f"consultation {ref} was answered already "
                                    f"({row['opinion']}): an opinion is given once",
                                    code="consultation_answered",
                                    params={"ref": ref, "opinion": row["opinion"]})
            tx.emit("ConsultationAnswered", {"ref": ref, "opinion": chosen.value,
                                             "reasons": reasons, "at": rfc3339(now)},
                    now, row["person_id"])  # fmt: skip
            self.node._audit(tx, actor, "answer consultation", row["person_id"],
                             consultation=ref, opinion=chosen.value)  # fmt: skip
        answered = row | {"opinion": chosen.value, "reasons": reasons, "answered_at": now,
                          "answered_by": actor.name}  # fmt: skip
        return consultation_json(answered, now)

    def of_application(self, tx: Transaction, number: str) -> list[dict[str, Any]]:
        """The consultations this node made on one of its applications, for its file."""
        now = self.node.clock()
        return [consultation_json(row, now) for row in tx.consultations_of(self.node.state,
                                                                             number)]
