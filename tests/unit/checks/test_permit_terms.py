"""The terms a visa or a travel authorisation may be issued with, and a visa's entries used."""

from __future__ import annotations

from datetime import date

import pytest

from cta.domain.travel_permits import entries_within, permit_problem

TODAY = date(2027, 6, 1)


@pytest.mark.parametrize(("terms", "problem"), [
    ({}, None),
    ({"duration_days": 30, "entries": 1}, None),
    ({"valid_to": date(2027, 5, 31)}, "before valid_from"),
    ({"valid_from": date(2027, 1, 1), "valid_to": date(2027, 5, 31)}, "has passed"),
    ({"valid_to": date(2037, 6, 2)}, "10 years at most"),
    ({"document_expiry": date(2027, 8, 1)}, "after the document expires"),
    ({"entries": 2}, "only a visa counts entries"),
    ({"duration_days": 0}, "duration_days 0 must be 1 to the 92 days"),
    ({"duration_days": 93}, "duration_days 93"),
    ({"duration_days": 30, "entries": 0}, "entries must be 1 or more"),
])  # fmt: skip
def test_a_permit_is_issued_only_on_terms_that_can_hold(
    terms: dict[str, object], problem: str | None
) -> None:
    given = {"valid_from": TODAY, "valid_to": date(2027, 8, 31), "document_expiry": None,
             **terms}  # fmt: skip
    found = permit_problem(given.pop("valid_from"), given.pop("valid_to"), today=TODAY,
                           **given)  # type: ignore[arg-type]
    assert (found is None) if problem is None else (found is not None and problem in found)


def test_a_permit_of_ten_years_from_29_february_ends_on_28_february() -> None:
    leap = date(2028, 2, 29)
    assert permit_problem(leap, date(2038, 2, 28), today=leap, document_expiry=None) is None
    assert permit_problem(leap, date(2038, 3, 1), today=leap, document_expiry=None)


def test_only_entries_inside_the_validity_are_used() -> None:
    days = [date(2027, 5, 31), date(2027, 6, 1), date(2027, 7, 1), date(2027, 9, 1)]
    assert entries_within(date(2027, 6, 1), date(2027, 8, 31), days) == 2
