"""Common visas and travel authorisations issued by a consular officer of this state, and
revoked by one: each holds (or stops holding) at every crossing point of the area, told to the
peers as a record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from cta.domain.errors import InvalidInputError
from cta.domain.permit_issuing import issue_problem, permit_terms
from cta.domain.roles import Permission
from cta.services.checks import read_document
from cta.services.node.core import Actor, ConflictError, Idempotency, NotFoundError, _replay
from cta.services.node.filing import DocumentFiling, _document_fields
from cta.services.ports import Referenced
from cta.services.visas import issue_visa_terms

__all__ = ["IssuePermit", "PermitUseCases"]


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


class PermitUseCases(DocumentFiling):
    """Issuing and revoking visas and travel authorisations."""

    def issue_permit(
        self, actor: Actor, request: IssuePermit, *, idempotency: Idempotency | None = None
    ) -> tuple[int, dict[str, Any]]:
        """Issue a common visa (``duration_days`` given) or a travel authorisation for a
        travel document; it holds at every crossing point of the area (``VisaIssued`` or
        ``AuthorizationIssued`` to the peers)."""
        self._require(actor, Permission.ISSUE_PERMIT)
        today = self.today()
        document = read_document(request.mrz, on=today, countries=self.reference.countries)
        problem = issue_problem(document, request.valid_from, request.valid_to, today=today,
                                duration_days=request.duration_days, entries=request.entries,
                                members=self.regime_on(today).members,
                                category=self.regime_on(today).rule_for(
                                    document.nationality).category)  # fmt: skip
        if problem is not None:
            raise InvalidInputError(problem)
        table: Referenced = "visas" if request.duration_days is not None else "authorizations"
        now = self.clock()
        with self.store.transaction() as tx:
            if idempotency is not None:
                earlier = tx.idempotent_response(actor.name, idempotency.key)
                if earlier is not None:
                    return _replay(earlier, idempotency)
            person_id, _ = self._file_document(tx, document, request.person_id)
            terms = permit_terms(request.valid_from, request.valid_to, request.duration_days,
                                 request.entries)  # fmt: skip
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
