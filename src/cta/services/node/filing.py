"""The person and document of a traveller: found, or filed.

Shared by the use cases that store something about a traveller (a recorded crossing or
refusal, an issued visa or authorisation, a decided application): each files the document
it was given, and an officer may confirm that a document belongs to a person already known.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cta.domain.documents import TravelDocument
from cta.domain.errors import InvalidInputError
from cta.domain.recording import filing_problem
from cta.domain.travellers import candidate_key, renamed_key
from cta.services.node.core import ConflictError, NodeCore
from cta.services.ports import Transaction

__all__ = ["DocumentFiling"]


class DocumentFiling(NodeCore):
    """Finding or filing a traveller's person and document."""

    def _file_document(
        self, tx: Transaction, document: TravelDocument, person_id: int | None
    ) -> tuple[int, int]:
        """The person and document of a traveller: found, or filed. ``person_id`` is a person
        the officer confirmed the document belongs to: a new document is added to them, and a
        document filed under another person of the same nationality and birth date (a
        candidate, or the same traveller after a change of name: ``renamed_key``) makes the
        two persons one. Either is an ``IdentityLinked`` record for the peers, marked
        ``name_change`` when the document is no candidate for the person (the officer saw
        the earlier document: members then merge persons whose surnames differ)."""
        if (problem := filing_problem(document.lines)) is not None:
            raise InvalidInputError(problem)
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
            if renamed_key(holder) != renamed_key(confirmed):
                raise ConflictError(
                    f"document {document.document_number} belongs to person {known.person_id}, "
                    f"who cannot be person {person_id}: their nationality or birth date differ "
                    "(a change of name keeps both)", code="not_the_same_traveller",
                    params={"document": document.document_number, "holder": known.person_id,
                            "person": person_id})  # fmt: skip
        same_as = [[d.issuing_state, d.document_number, d.document_code]
                   for d in tx.documents_of(person_id)]
        link: dict[str, Any] = {"document": _document_fields(document), "same_as": same_as}
        if candidate_key(document) != candidate_key(confirmed):  # the officer saw a new name
            link["name_change"] = True
        tx.emit("IdentityLinked", link, now, person_id)
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


def _document_fields(document: TravelDocument) -> dict[str, Any]:
    """What a peer needs to file a document and its holder (``cta.services.federation``)."""
    return {"document_code": document.document_code, "issuing_state": document.issuing_state,
            "document_number": document.document_number, "surname": document.surname,
            "given_names": document.given_names, "nationality": document.nationality,
            "birth_date": document.birth_date.isoformat() if document.birth_date else None,
            "birth_date_raw": document.birth_date_raw, "sex": document.sex,
            "expiry_date": document.expiry_date.isoformat() if document.expiry_date else None}
