"""The pure rules of applications: routes, validity, deadlines, statuses, refusal grounds."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.applications import (
    ApplicationKind,
    ApplicationStatus,
    IllegalTransitionError,
    ReviewReason,
    authorization_validity,
    automatic_outcome,
    check_route,
    deadline,
    median_hours,
    move,
    overdue,
    refusal_reasons,
    route_for,
)
from cta.domain.errors import InvalidInputError
from cta.domain.regime import Category

AUTH, VISA = ApplicationKind.AUTHORIZATION, ApplicationKind.VISA
S = ApplicationStatus
NOON = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(("category", "route"), [
    (Category.AUTHORIZATION, AUTH), (Category.VISA, VISA), (Category.E_VISA, VISA),
    (Category.FREE_MOVEMENT, None), (Category.VISA_EXEMPT, None), (Category.NO_ADMISSION, None),
])  # fmt: skip
def test_each_category_has_its_route(category: Category, route: ApplicationKind | None) -> None:
    assert route_for(category) is route


def test_a_visa_exempt_nationality_applying_for_a_visa_is_told_its_route() -> None:
    with pytest.raises(InvalidInputError, match=r"^kind: visa .* USA: this nationality takes "
                                                r"the authorization route"):
        check_route(VISA, "USA", Category.AUTHORIZATION)


def test_a_member_national_applies_for_nothing() -> None:
    with pytest.raises(InvalidInputError, match=r"kind: .*member nationals move freely"):
        check_route(AUTH, "GEO", Category.FREE_MOVEMENT)


def test_the_right_route_passes() -> None:
    check_route(VISA, "AFG", Category.VISA)
    check_route(AUTH, "USA", Category.AUTHORIZATION)


def test_an_authorisation_is_valid_three_years() -> None:
    assert authorization_validity(date(2027, 3, 1), date(2035, 1, 1)) == (
        date(2027, 3, 1), date(2030, 2, 28))


def test_an_authorisation_ends_with_its_document() -> None:
    assert authorization_validity(date(2027, 3, 1), date(2028, 6, 30)) == (
        date(2027, 3, 1), date(2028, 6, 30))


def test_an_authorisation_granted_on_29_february_ends_on_28_february_three_years_on() -> None:
    """Found by the property below: a month count clamped the anniversary to 28 February and
    the authorisation ended a day sooner, on the 27th."""
    assert authorization_validity(date(2028, 2, 29), None) == (date(2028, 2, 29),
                                                               date(2031, 2, 28))


@given(st.dates(date(2000, 1, 1), date(2090, 12, 31)),
       st.one_of(st.none(), st.dates(date(2000, 1, 1), date(2100, 12, 31))))
def test_an_authorisation_never_outlives_three_years_nor_its_document(
        granted: date, expiry: date | None) -> None:  # fmt: skip
    first, last = authorization_validity(granted, expiry)
    assert first == granted
    assert last < granted.replace(year=granted.year + 3, day=1) + timedelta(days=31)
    assert last <= (last if expiry is None else expiry)
    if expiry is None or expiry >= last:
        # the obvious oracle: the day before the same date three years on (28 Feb for 29 Feb)
        try:
            same = granted.replace(year=granted.year + 3)
        except ValueError:
            same = granted.replace(year=granted.year + 3, day=28) + timedelta(days=1)
        assert last == min(same - timedelta(days=1), expiry or same)


def test_a_decision_is_due_96_hours_after_submission() -> None:
    assert deadline(NOON) == NOON + timedelta(hours=96)


def test_information_adds_14_days_and_an_interview_30() -> None:
    assert deadline(NOON, information_requested=True) == NOON + timedelta(hours=96, days=14)
    assert deadline(NOON, interview=True) == NOON + timedelta(hours=96, days=30)
    assert deadline(NOON, information_requested=True, interview=True) == NOON + timedelta(
        hours=96, days=44)


def test_an_open_application_past_its_deadline_is_overdue_and_a_decided_one_never() -> None:
    late = NOON + timedelta(hours=97)
    assert overdue(S.MANUAL, deadline(NOON), late)
    assert overdue(S.INFORMATION_REQUESTED, deadline(NOON), late)
    assert not overdue(S.MANUAL, deadline(NOON), NOON + timedelta(hours=95))
    assert not overdue(S.GRANTED, deadline(NOON), late)
    assert not overdue(S.REFUSED, deadline(NOON), late)


def test_nothing_found_grants_an_authorisation_and_anything_found_queues_it() -> None:
    assert automatic_outcome(AUTH, []) is S.GRANTED
    assert automatic_outcome(AUTH, [ReviewReason("answer", "yes")]) is S.MANUAL


def test_a_visa_application_always_goes_to_an_officer() -> None:
    assert automatic_outcome(VISA, []) is S.MANUAL


@pytest.mark.parametrize(("current", "to"), [
    (S.PROCESSING, S.GRANTED), (S.MANUAL, S.REFUSED), (S.MANUAL, S.INFORMATION_REQUESTED),
    (S.INFORMATION_REQUESTED, S.MANUAL), (S.GRANTED, S.REVOKED), (S.GRANTED, S.ANNULLED),
    (S.REFUSED, S.MANUAL),
])  # fmt: skip
def test_allowed_transitions(current: ApplicationStatus, to: ApplicationStatus) -> None:
    assert move(current, to) is to


@pytest.mark.parametrize(("current", "to"), [
    (S.REFUSED, S.GRANTED), (S.REVOKED, S.GRANTED), (S.GRANTED, S.REFUSED),
    (S.ANNULLED, S.MANUAL), (S.MANUAL, S.REVOKED),
])  # fmt: skip
def test_forbidden_transitions(current: ApplicationStatus, to: ApplicationStatus) -> None:
    with pytest.raises(IllegalTransitionError, match=f"{current.value} cannot become {to.value}"):
        move(current, to)


def test_a_refusal_names_standard_grounds_in_words() -> None:
    [reason] = refusal_reasons(AUTH, ["security_risk"])
    assert reason.code == "security_risk" and "security risk" in reason.message


def test_a_visa_ground_is_not_a_ground_to_refuse_an_authorisation() -> None:
    assert refusal_reasons(VISA, ["no_insurance"])[0].code == "no_insurance"
    with pytest.raises(InvalidInputError, match="reasons: 'no_insurance'"):
        refusal_reasons(AUTH, ["no_insurance"])


def test_a_refusal_without_grounds_is_refused() -> None:
    with pytest.raises(InvalidInputError, match=r"^reasons:"):
        refusal_reasons(VISA, [])


def test_the_median_time_to_decision_in_hours() -> None:
    assert median_hours([]) is None
    assert median_hours([timedelta(hours=1), timedelta(hours=3), timedelta(hours=50)]) == 3.0
