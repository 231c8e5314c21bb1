"""Issuing a common visa or a travel authorisation, and reading stored ones back for a check.

A permit is issued for one travel document that reads as valid, on terms ``permit_problem``
accepts (``cta.domain.travel_permits``). A stored visa's entries used are counted again from
the entries recorded in its validity anywhere in the area, never fewer than the stored count
(a floor, for permits imported with entries made elsewhere).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date
from typing import Any

from cta.domain.documents import TravelDocument
from cta.domain.regime import Category
from cta.domain.travel_permits import (
    Authorization,
    Visa,
    entries_within,
    permit_problem,
    territories_from_text,
)

__all__ = ["issue_problem", "permit_terms", "stored_authorization", "stored_visa"]


def issue_problem(
    document: TravelDocument, valid_from: date, valid_to: date, *, today: date,
    duration_days: int | None = None, entries: int | None = None,
    members: Collection[str] = (), category: Category | None = None,
) -> str | None:  # fmt: skip
    """Why a visa (``duration_days`` given) or an authorisation (not) may not be issued today
    for ``document`` on these terms, naming the field; None when it may. ``members``: the
    member states of the regime in force, whose nationals move freely and are issued neither;
    ``category``: what the regime in force asks of the document's nationality, a visa
    nationality being issued no authorisation (it would admit nobody: the check asks a visa)."""
    if not document.valid:
        issues = "; ".join(f"{e.field}: {e.message}" for e in document.errors)
        return f"mrz: the document does not read as valid ({issues})"
    if document.nationality in members:
        return (f"mrz: a national of {document.nationality}, a member state, moves freely: no "
                "visa or travel authorisation is issued to them")
    problem = permit_problem(valid_from, valid_to, today=today,
                             document_expiry=document.expiry_date,
                             duration_days=duration_days, entries=entries)  # fmt: skip
    if problem is None and duration_days is None and category is not None and (
            category.needs_visa):
        return (f"mrz: a national of {document.nationality} needs a visa under the regime in "
                f"force ({category.value}), not a travel authorisation")
    return problem


def permit_terms(
    valid_from: date, valid_to: date, duration_days: int | None = None,
    entries: int | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A permit's terms as its record and the answer carry them (dates as ISO text); a visa's
    (``duration_days`` given) with its duration of stay and entries (None: multiple)."""
    terms: dict[str, Any] = {"valid_from": valid_from.isoformat(),
                             "valid_to": valid_to.isoformat()}  # fmt: skip
    if duration_days is not None:
        terms |= {"duration_days": duration_days, "entries": entries}
    return terms


def stored_visa(row: Mapping[str, Any], entry_days: Sequence[date]) -> Visa:
    """A stored visa, its entries used counted from the recorded entries in its validity, at
    any node of the area (the stored ``entries_used`` is a floor, for permits imported with
    entries made elsewhere)."""
    used = entries_within(row["valid_from"], row["valid_to"], list(entry_days))
    return Visa(row["document_number"], row["valid_from"], row["valid_to"],
                row["duration_days"], row["entries"], max(used, row["entries_used"]),
                territories_from_text(row.get("territorial_validity")))  # fmt: skip


def stored_authorization(row: Mapping[str, Any]) -> Authorization:
    """A stored travel authorisation."""
    return Authorization(row["document_number"], row["valid_from"], row["valid_to"],
                         territories_from_text(row.get("territorial_validity")))
