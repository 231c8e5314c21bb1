"""What a carrier is told of one traveller (``cta.domain.carriers``): OK only when the
traveller holds what the regime asks of their nationality on the day, NOT OK otherwise."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.carriers import NOTHING, Answer, Held, answer_for, visa_with_entries
from cta.domain.regime import Category
from cta.domain.travel_permits import Authorization, Visa

ON = date(2027, 3, 10)
OK, NOT_OK = Answer.OK, Answer.NOT_OK


def visa(entries: int | None = 1, used: int = 0, first: date = date(2027, 3, 1),
         last: date = date(2027, 3, 31)) -> Visa:  # fmt: skip
    return Visa("X1234567", first, last, 30, entries, used)


def authorization(first: date = date(2026, 1, 1), last: date = date(2028, 12, 31)) -> Authorization:
    return Authorization("X1234567", first, last)


@pytest.mark.parametrize("category", [Category.FREE_MOVEMENT, Category.VISA_EXEMPT])
def test_a_member_national_and_a_visa_exempt_need_nothing(category: Category) -> None:
    assert answer_for(category, NOTHING, ON) is OK


def test_a_nationality_that_is_not_admitted_is_never_ok() -> None:
    held = Held([authorization()], [visa()])
    assert answer_for(Category.NO_ADMISSION, held, ON) is NOT_OK


def test_an_authorisation_national_needs_one_valid_on_the_day() -> None:
    assert answer_for(Category.AUTHORIZATION, NOTHING, ON) is NOT_OK
    assert answer_for(Category.AUTHORIZATION, Held([authorization()]), ON) is OK
    expired = Held([authorization(last=ON - timedelta(days=1))])
    assert answer_for(Category.AUTHORIZATION, expired, ON) is NOT_OK
    not_yet = Held([authorization(first=ON + timedelta(days=1))])
    assert answer_for(Category.AUTHORIZATION, not_yet, ON) is NOT_OK
    # valid on its first and on its last day
    assert answer_for(Category.AUTHORIZATION, Held([authorization(first=ON)]), ON) is OK
    assert answer_for(Category.AUTHORIZATION, Held([authorization(last=ON)]), ON) is OK


def test_a_valid_common_visa_stands_in_for_the_authorisation_as_at_the_border() -> None:
    assert answer_for(Category.AUTHORIZATION, Held(visas=[visa()]), ON) is OK
    assert answer_for(Category.AUTHORIZATION, Held(visas=[visa(used=1)]), ON) is NOT_OK


def test_a_visa_national_needs_a_visa_valid_on_the_day_with_entries_left() -> None:
    assert answer_for(Category.VISA, NOTHING, ON) is NOT_OK
    assert answer_for(Category.VISA, Held(visas=[visa()]), ON) is OK
    assert answer_for(Category.VISA, Held(visas=[visa(used=1)]), ON) is NOT_OK
    assert answer_for(Category.VISA, Held(visas=[visa(entries=2, used=1)]), ON) is OK
    assert answer_for(Category.VISA, Held(visas=[visa(entries=None, used=40)]), ON) is OK
    expired = visa(first=date(2027, 1, 1), last=ON - timedelta(days=1))
    assert answer_for(Category.VISA, Held(visas=[expired]), ON) is NOT_OK
    # an authorisation is no visa
    assert answer_for(Category.VISA, Held([authorization()]), ON) is NOT_OK
    # one usable visa among spent ones is enough
    assert answer_for(Category.VISA, Held(visas=[visa(used=1), visa(entries=None)]), ON) is OK


def test_an_e_visa_is_a_visa_and_a_visa_on_arrival_cannot_be_held_at_the_gate() -> None:
    assert answer_for(Category.E_VISA, NOTHING, ON) is NOT_OK
    assert answer_for(Category.E_VISA, Held(visas=[visa()]), ON) is OK
    assert answer_for(Category.VISA_ON_ARRIVAL, NOTHING, ON) is OK


@pytest.mark.parametrize("category", list(Category))
def test_an_invalidated_document_is_not_ok_whatever_is_held(category: Category) -> None:
    held = Held([authorization()], [visa(entries=None)], invalidated=True)
    assert answer_for(category, held, ON) is NOT_OK


def test_entries_are_counted_from_the_entries_recorded_in_the_visas_validity() -> None:
    single = visa()
    before, inside, after = date(2027, 2, 20), date(2027, 3, 2), date(2027, 4, 2)
    assert visa_with_entries(single, [before, after]).entries_used == 0
    assert visa_with_entries(single, [before, inside]).entries_used == 1
    # the stored count is a floor: entries made before the visa was imported
    assert visa_with_entries(visa(entries=2, used=2), [inside]).entries_used == 2


@given(
    category=st.sampled_from(list(Category)),
    authorizations=st.lists(st.tuples(st.integers(-40, 40), st.integers(0, 60)), max_size=3),
    visas=st.lists(st.tuples(st.integers(-40, 40), st.integers(0, 60),
                             st.sampled_from([1, 2, None]), st.integers(0, 3)), max_size=3),
    invalidated=st.booleans(),
)
def test_the_answer_agrees_with_a_slow_reading_of_the_rule(
    category: Category, authorizations: list[tuple[int, int]],
    visas: list[tuple[int, int, int | None, int]], invalidated: bool,
) -> None:  # fmt: skip
    held = Held(
        [Authorization("X1", ON + timedelta(days=a), ON + timedelta(days=a + n))
         for a, n in authorizations],
        [Visa("X1", ON + timedelta(days=a), ON + timedelta(days=a + n), 30, e, u)
         for a, n, e, u in visas],
        invalidated,
    )  # fmt: skip
    valid_authorisation = any(a <= 0 <= a + n for a, n in authorizations)
    usable_visa = any(a <= 0 <= a + n and (e is None or u < e) for a, n, e, u in visas)
    asks = {
        Category.FREE_MOVEMENT: True, Category.VISA_EXEMPT: True,
        Category.VISA_ON_ARRIVAL: True, Category.NO_ADMISSION: False,
        Category.AUTHORIZATION: valid_authorisation or usable_visa,
        Category.VISA: usable_visa, Category.E_VISA: usable_visa,
    }  # fmt: skip
    expected = OK if asks[category] and not invalidated else NOT_OK
    assert answer_for(category, held, ON) is expected
