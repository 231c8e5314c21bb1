"""The common visa in the node's use cases: its number and MRZ when a consular officer issues
it, the scan of its MRZ at the border, and a peer's ``VisaIssued`` record
(``cta.domain.visas`` holds the rules)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from cta.domain.checks import Reason
from cta.domain.countries import CountryTable
from cta.domain.documents import TravelDocument, parse_mrz
from cta.domain.errors import CTAError, MRZFormatError
from cta.domain.visas import IssuedVisa, read_visa, scan_reasons, visa_mrz, visa_number
from cta.services.ports import Transaction

__all__ = ["SEQUENCE", "VisaScan", "issue_visa_terms", "peer_visa_fields", "scan_visa"]

SEQUENCE = "visa_sequence"  # node_meta: the last sequence number of this node's visas


def issue_visa_terms(
    tx: Transaction, *, state: str, passport: TravelDocument, valid_to: date, format: str,
    today: date, countries: CountryTable,
) -> dict[str, Any]:  # fmt: skip
    """A new visa's number (this node's next) and its MRZ lines, read back before it is kept."""
    number = visa_number(state, tx.next_in_sequence(SEQUENCE))
    lines = visa_mrz(passport, number=number, state=state, valid_to=valid_to, format=format,
                     today=today, known_codes=countries.mrz_codes)  # fmt: skip
    return {"visa_number": number, "mrz": list(lines)}


@dataclass(frozen=True, slots=True)
class VisaScan:
    """What the visa's MRZ scanned beside the passport gave: reasons for the decision, and the
    visa found (as the check's answer shows it), if any."""

    reasons: tuple[Reason, ...] = ()
    visa: dict[str, Any] | None = None


def scan_visa(
    tx: Transaction, lines: Sequence[str] | None, passport: TravelDocument, *, on: date,
    state: str, countries: CountryTable,
) -> VisaScan:  # fmt: skip
    """Find the visa of a scanned visa MRZ among the area's visas this node holds, and say
    whether it is the visa issued, unaltered, for this passport and its holder."""
    if not lines:
        return VisaScan()
    read = read_visa(lines, on=on, known_codes=countries.mrz_codes)
    row = tx.visa_by_number(read.document_number) if read.document_number else None
    issued = None
    if row is not None and row["mrz"]:
        issued = IssuedVisa(row["visa_number"], row["document_number"], tuple(row["mrz"]),
                            row["person_id"])  # fmt: skip
    reasons = scan_reasons(read, issued, passport, on=on, known_codes=countries.mrz_codes)
    found = None if row is None else {
        "id": row["id"], "visa_number": row["visa_number"], "person_id": row["person_id"],
        "document_number": row["document_number"], "issued_by": row["origin"] or state,
        "valid_from": str(row["valid_from"]), "valid_to": str(row["valid_to"]),
        "duration_days": row["duration_days"], "entries": row["entries"],
    }  # fmt: skip
    return VisaScan(tuple(reasons), found)


def peer_visa_fields(
    tx: Transaction, payload: dict[str, Any], origin: str, on: date
) -> dict[str, Any]:
    """The number and MRZ a peer's ``VisaIssued`` record carries, checked: a number of the
    origin's own (its prefix), not held here yet, and an MRZ of a visa with that number.
    A record from before visa numbers carries neither."""
    number, lines = payload.get("visa_number"), payload.get("mrz")
    if number is None and lines is None:
        return {}
    if not (isinstance(number, str) and len(number) <= 9 and number.startswith(origin)):
        raise CTAError(f"visa_number {number!r} is not a number {origin} issues")
    if not (isinstance(lines, list) and all(isinstance(line, str) for line in lines)):
        raise CTAError("a visa's mrz is a list of lines")
    try:
        read = parse_mrz(lines, today=on)
    except MRZFormatError as exc:
        raise CTAError(f"visa {number!r}: {exc}") from None
    if read.document_number != number or read.document_code[:1] != "V":
        raise CTAError(f"the mrz of visa {number!r} is not that visa's")
    if tx.visa_by_number(number) is not None:
        raise CTAError(f"visa number {number} is held here already")
    return {"visa_number": number, "mrz": lines}
