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
from cta.domain.travellers import candidate_key, crossed_together, join_problem
from cta.services.node.core import ConflictError, NodeCore
from cta.services.ports import PersonRow, Transaction

__all__ = ["DocumentFiling"]


class DocumentFiling(NodeCore):
    """Finding or filing a traveller's person and document."""

    def _file_document(
        self, tx: Transaction, document: TravelDocument, person_id: int | None,
        *, renamed: bool = False,
    ) -> tuple[int, int]:  # fmt: skip
        """The person and document of a traveller: found, or filed. ``person_id`` is a person
        the officer confirmed the document belongs to: a new document is added to them, and a
        document filed under another person makes the two persons one when they may be one
        traveller (``_joinable``). ``renamed``: the officer saw the traveller's earlier
        document, held by that person with the birth date of this one (``earlier_document``),
        and another surname may join. Either is an ``IdentityLinked`` record for the peers,
        marked ``name_change`` when it joins two surnames."""
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
        apart = candidate_key(document) != candidate_key(confirmed)
        if known is not None:
            holder = self._person(tx, known.person_id)
            _joinable(tx, document.document_number, holder, confirmed, renamed=renamed)
            apart = apart or candidate_key(holder) != candidate_key(confirmed)
        same_as = [[d.issuing_state, d.document_number, d.document_code]
                   for d in tx.documents_of(person_id)]
        link: dict[str, Any] = {"document": _document_fields(document), "same_as": same_as}
        if renamed and apart:  # members may join two surnames on this officer's word only
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


def _joinable(
    tx: Transaction, number: str, holder: PersonRow, confirmed: PersonRow, *, renamed: bool
) -> None:
    """Two persons on file may be made one (``holder``, who holds document ``number``, into
    ``confirmed``) when they may be one traveller: candidates (nationality, birth date,
    surname), or, after a change of name the officer saw (``renamed``), of another surname;
    in both cases with the same given names (``renamed_key``: twins are candidates) and never
    two who crossed the same way on one day (``crossed_together``). Else ``ConflictError``."""
    said = {"document": number, "holder": holder.id, "person": confirmed.id}
    problem = join_problem(holder, confirmed, renamed=renamed)
    if problem == "not_candidates":
        raise ConflictError(
            f"document {number} belongs to person {holder.id}, who is not a candidate for "
            f"person {confirmed.id} (nationality, birth date and surname differ): only the "
            "traveller's earlier document, shown to the officer, joins two surnames")
    if problem == "not_the_same_traveller":
        raise ConflictError(
            f"document {number} belongs to person {holder.id}, who cannot be person "
            f"{confirmed.id}: their nationality, birth date or given names differ (a change of "
            "name keeps them)", code="not_the_same_traveller", params=said)  # fmt: skip
    day = crossed_together(tx.check_history(holder.id).days,
                           tx.check_history(confirmed.id).days)  # fmt: skip
    if day is not None:
        raise ConflictError(
            f"document {number} belongs to person {holder.id}, who cannot be person "
            f"{confirmed.id}: both crossed on {day}, so they are two travellers",
            code="crossed_together", params=said | {"day": day.isoformat()})


def _document_fields(document: TravelDocument) -> dict[str, Any]:
    """What a peer needs to file a document and its holder (``cta.services.federation``)."""
    return {"document_code": document.document_code, "issuing_state": document.issuing_state,
            "document_number": document.document_number, "surname": document.surname,
            "given_names": document.given_names, "nationality": document.nationality,
            "birth_date": document.birth_date.isoformat() if document.birth_date else None,
            "birth_date_raw": document.birth_date_raw, "sex": document.sex,
            "expiry_date": document.expiry_date.isoformat() if document.expiry_date else None}
