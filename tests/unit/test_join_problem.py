"""When two persons on file may be made one traveller (``cta.domain.travellers``): the one rule
of an officer's link and of a member's, and two who crossed together are two."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

import pytest

from cta.domain.travellers import crossed_together, join_problem


@dataclass(frozen=True)
class Person:
    nationality: str = "GEO"
    birth_date_raw: str = "880621"
    surname: str = "BERIDZE"
    given_names: str = "TAMAR"


HER = Person()


@pytest.mark.parametrize(("other", "renamed", "problem"), [
    (HER, False, None),
    (replace(HER, surname="GELASHVILI"), False, "not_candidates"),  # no earlier document seen
    (replace(HER, surname="GELASHVILI"), True, None),  # a change of name the officer saw
    (replace(HER, given_names="NINO"), False, "not_the_same_traveller"),  # her twin
    (replace(HER, given_names="NINO", surname="X"), True, "not_the_same_traveller"),
    (replace(HER, birth_date_raw="880622"), True, "not_the_same_traveller"),
    (replace(HER, nationality="ARM"), True, "not_the_same_traveller"),
    (replace(HER, birth_date_raw="880622"), False, "not_candidates"),
])  # fmt: skip
def test_two_persons_are_one_traveller_only_when_their_identities_allow(
    other: Person, renamed: bool, problem: str | None
) -> None:
    assert join_problem(HER, other, renamed=renamed) == problem
    assert join_problem(other, HER, renamed=renamed) == problem


def test_two_who_crossed_the_same_way_on_one_day_are_two_travellers() -> None:
    day, next_day = date(2026, 5, 1), date(2026, 5, 2)
    assert crossed_together([("entry", day)], [("exit", day), ("entry", next_day)]) is None
    assert crossed_together([("entry", day), ("entry", next_day)],
                            [("entry", next_day), ("entry", day)]) == day  # the first one
    assert crossed_together([], [("entry", day)]) is None
