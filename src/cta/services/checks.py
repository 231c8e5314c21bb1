"""Use cases: read a travel document, and check a traveller at the border."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol

from cta.domain.alerts import Alert
from cta.domain.checks import Check, Decision, Direction, decide
from cta.domain.countries import CountryTable
from cta.domain.documents import TravelDocument, parse_mrz
from cta.domain.regime import RegimeSeries
from cta.domain.stays import Stay
from cta.domain.travel_permits import Authorization, Visa

__all__ = [
    "CheckTraveller",
    "ReferenceData",
    "check_traveller",
    "decision_json",
    "read_document",
]


class ReferenceData(Protocol):
    """The country table and the regimes, as ``cta.policy.reference.Reference`` gives them."""

    @property
    def countries(self) -> CountryTable: ...

    def regime(self, name: str) -> RegimeSeries: ...


def read_document(
    lines: str | Sequence[str], *, on: date, countries: CountryTable
) -> TravelDocument:
    """Parse and validate an MRZ as of ``on``, against the country table."""
    return parse_mrz(lines, today=on, known_codes=countries.mrz_codes)


@dataclass(frozen=True)
class CheckTraveller:
    """The command: what the officer's scanner and the traveller file give the check."""

    on: date
    direction: Direction
    mrz: Sequence[str]
    planned_exit: date | None = None
    history: Sequence[tuple[date, date]] = ()
    visas: Sequence[Visa] = ()
    authorizations: Sequence[Authorization] = ()
    alerts: Sequence[Alert] = ()
    regime: str = "union-draft"


def check_traveller(
    command: CheckTraveller, reference: ReferenceData
) -> tuple[TravelDocument, Decision]:
    """Decide a check under the named regime, applied as if in force on the day of the check."""
    regime = reference.regime(command.regime).as_if_on(command.on)
    document = read_document(command.mrz, on=command.on, countries=reference.countries)
    check = Check(
        on=command.on,
        direction=command.direction,
        document=document,
        regime=regime,
        history=[Stay(a, b) for a, b in command.history],
        planned_exit=command.planned_exit,
        visas=command.visas,
        authorizations=command.authorizations,
        alerts=command.alerts,
    )
    return document, decide(check)


def decision_json(decision: Decision) -> dict[str, Any]:
    """A decision as JSON: the contract of ``cta check --json`` and of the API."""
    return {
        "decision": decision.outcome.value,
        "reasons": [{"code": r.code, "message": r.message} for r in decision.reasons],
        "category": decision.category.value,
        "latest_exit": decision.latest_exit.isoformat() if decision.latest_exit else None,
        "overstay_days": decision.overstay_days,
    }
