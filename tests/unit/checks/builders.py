"""Builders of checks: real MRZs from ``generate_mrz`` and regimes shipped or made by hand."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from cta.domain.checks import Check, Direction
from cta.domain.documents import (
    DocumentFields,
    DocumentType,
    TravelDocument,
    generate_mrz,
    parse_mrz,
)
from cta.domain.regime import Category, NationalityRule, Regime, StayLimit
from cta.policy.loader import load_regime

DAY = date(2027, 3, 1)  # the union draft is in force from 2027-01-01
FAR = date(2035, 1, 1)
NINETY_IN_180 = StayLimit(90, 180)


def document(
    nationality: str = "USA",
    *,
    number: str = "X12345678",
    expiry: date = FAR,
    kind: DocumentType = DocumentType.TD3,
    code: str = "P",
    surname: str = "SMITH",
    given_names: str = "JOHN",
    birth: date = date(1980, 1, 2),
    on: date = DAY,
) -> TravelDocument:
    """A valid document parsed from a generated MRZ."""
    fields = DocumentFields(
        type=kind,
        document_code=code,
        issuing_state=nationality,
        surname=surname,
        given_names=given_names,
        document_number=number,
        nationality=nationality,
        birth_date=birth,
        sex="M",
        expiry_date=expiry,
    )
    return parse_mrz(list(generate_mrz(fields)), today=on)


def tampered(doc: TravelDocument, on: date = DAY) -> TravelDocument:
    """The same MRZ with a wrong document number check digit."""
    line = doc.lines[1]
    digit = str((int(line[9]) + 1) % 10)
    return parse_mrz([doc.lines[0], line[:9] + digit + line[10:]], today=on)


def union(on: date = DAY) -> Regime:
    return load_regime("union-draft").as_if_on(on)


def small_regime(category: Category, *, stay: StayLimit | None = NINETY_IN_180) -> Regime:
    """A hand-made regime: every third-country national in one category."""
    return Regime(
        name="test",
        members=frozenset({"AZE", "ARM", "GEO"}),
        effective_from=date(2020, 1, 1),
        effective_to=None,
        rules={},
        default_rule=NationalityRule(category, stay),
    )


def check(
    doc: TravelDocument | None = None,
    *,
    regime: Regime | None = None,
    on: date = DAY,
    direction: Direction = Direction.ENTRY,
    history: Sequence[Any] = (),
    **more: Any,
) -> Check:
    return Check(
        on=on,
        direction=direction,
        document=doc if doc is not None else document(on=on),
        regime=regime if regime is not None else union(on),
        history=history,
        **more,
    )


__all__ = ["DAY", "FAR", "check", "document", "small_regime", "tampered", "union"]
