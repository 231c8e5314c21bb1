"""Issuing a permit for a document, its terms as a record carries them, and stored permits
read back for a check (``cta.domain.permit_issuing``)."""

from __future__ import annotations

from datetime import date

from cta.domain.permit_issuing import (
    issue_problem,
    permit_terms,
    stored_authorization,
    stored_visa,
)
from cta.domain.regime import Category
from cta.domain.travel_permits import Authorization, Visa

from .builders import DAY, document, tampered


def test_a_permit_is_not_issued_for_a_document_that_does_not_read_as_valid() -> None:
    problem = issue_problem(tampered(document()), DAY, date(2027, 6, 1), today=DAY)
    assert problem is not None
    assert problem.startswith("mrz: the document does not read as valid (document_number")


def test_a_permit_for_a_valid_document_is_held_to_its_terms() -> None:
    passport = document(expiry=date(2027, 5, 1))
    assert issue_problem(passport, DAY, date(2027, 4, 30), today=DAY) is None
    late = issue_problem(passport, DAY, date(2027, 6, 1), today=DAY)
    assert late is not None and "after the document expires (2027-05-01)" in late
    visa = issue_problem(passport, DAY, date(2027, 4, 30), today=DAY, duration_days=90)
    assert visa is not None and "duration_days 90 must be 1 to the 61 days" in visa


def test_an_authorisation_s_terms_are_its_validity_and_a_visa_s_add_stay_and_entries() -> None:
    assert permit_terms(DAY, date(2030, 2, 28)) == {
        "valid_from": "2027-03-01", "valid_to": "2030-02-28"}
    assert permit_terms(DAY, date(2027, 8, 31), 30, None) == {
        "valid_from": "2027-03-01", "valid_to": "2027-08-31", "duration_days": 30,
        "entries": None}  # fmt: skip


def test_a_stored_visa_counts_the_area_s_entries_in_its_validity_never_below_its_floor() -> None:
    row = {"document_number": "X1", "valid_from": date(2027, 6, 1),
           "valid_to": date(2027, 8, 31), "duration_days": 30, "entries": 2,
           "entries_used": 1}  # fmt: skip
    entries = [date(2027, 5, 31), date(2027, 6, 10), date(2027, 7, 1), date(2027, 9, 1)]
    assert stored_visa(row, entries) == Visa("X1", date(2027, 6, 1), date(2027, 8, 31), 30, 2, 2)
    assert stored_visa(row | {"entries_used": 3}, entries).entries_used == 3
    assert stored_visa(row, []).entries_used == 1


def test_a_stored_authorisation_keeps_its_document_and_validity() -> None:
    row = {"document_number": "X1", "valid_from": DAY, "valid_to": date(2030, 2, 28),
           "issued_at": None}  # fmt: skip
    assert stored_authorization(row) == Authorization("X1", DAY, date(2030, 2, 28))


def test_a_member_national_is_issued_neither_a_visa_nor_an_authorisation() -> None:
    passport = document()
    members = {passport.nationality, "GEO"}
    for days in (None, 30):
        problem = issue_problem(passport, DAY, date(2027, 4, 30), today=DAY, duration_days=days,
                                members=members)  # fmt: skip
        assert problem is not None and "a member state, moves freely" in problem
    assert issue_problem(passport, DAY, date(2027, 4, 30), today=DAY, members={"GEO"}) is None


def test_a_visa_nationality_is_issued_a_visa_not_an_authorisation() -> None:
    """The sweep's B6.7: an authorisation for a PAK passport was issued (201); it admits
    nobody, since the check asks a visa of that nationality."""
    passport = document()
    for category in (Category.VISA, Category.E_VISA, Category.VISA_ON_ARRIVAL):
        problem = issue_problem(passport, DAY, date(2027, 4, 30), today=DAY, category=category)
        assert problem == (f"mrz: a national of {passport.nationality} needs a visa under the "
                           f"regime in force ({category.value}), not a travel authorisation")
        assert issue_problem(passport, DAY, date(2027, 4, 30), today=DAY, duration_days=30,
                             category=category) is None  # fmt: skip
    for category in (Category.AUTHORIZATION, Category.VISA_EXEMPT):
        assert issue_problem(passport, DAY, date(2027, 4, 30), today=DAY,
                             category=category) is None  # fmt: skip
