"""Where and when a check or a crossing may be recorded, and when the officer must give an
override reason (``cta.domain.recording``)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from cta.domain.checks import Decision, Direction, Outcome, Reason
from cta.domain.crossing_points import CrossingKind, CrossingMode, CrossingPoint
from cta.domain.errors import InvalidInputError
from cta.domain.recording import (
    crossing_point_problem,
    override_problem,
    refusal_reasons,
    time_problem,
)
from cta.domain.regime import Category


def point(state: str = "GEO", kind: CrossingKind = CrossingKind.EXTERNAL) -> CrossingPoint:
    return CrossingPoint(code="GEO-TBS", state=state, name="Tbilisi", name_local="", kind=kind,
                         border_with="", mode=CrossingMode.AIR, latitude=41.7, longitude=44.9,
                         time_zone="Asia/Tbilisi")  # fmt: skip


@pytest.mark.parametrize(("found", "problem"), [
    (point(), None),
    (None, "crossing_point 'GEO-TBS' is not a known crossing point"),
    (point(state="ARM"), "crossing_point GEO-TBS is run by ARM: this node records GEO's"),
    (point(kind=CrossingKind.INTERNAL), "is on an internal border of the area: no check"),
])  # fmt: skip
def test_a_node_checks_at_its_own_state_s_external_points_only(
    found: CrossingPoint | None, problem: str | None
) -> None:
    said = crossing_point_problem("GEO-TBS", found, "GEO")
    assert (said is None) if problem is None else (said is not None and problem in said)


def test_a_crossing_may_be_a_few_minutes_ahead_of_the_clock_never_more() -> None:
    now = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)
    assert time_problem(now + timedelta(minutes=5), now) is None
    assert time_problem(now - timedelta(days=3), now) is None
    assert time_problem(now + timedelta(minutes=5, seconds=1), now) == (
        "occurred_at 2027-03-01T08:05:01+00:00 is in the future")


REFUSED = Decision(Outcome.REFUSE, (Reason("E", "no valid visa"),), Category.VISA, None)
ADMITTED = Decision(Outcome.ADMIT, (), Category.VISA, date(2027, 5, 29))


def override(decision: Decision = ADMITTED, direction: Direction = Direction.ENTRY, *,
             valid: bool = True, refused: bool = False, reason: str | None = None) -> str | None:
    return override_problem(decision, direction, document_valid=valid, refused=refused,
                            override_reason=reason)  # fmt: skip


def test_an_entry_the_check_refused_is_recorded_only_with_an_override_reason() -> None:
    assert override(REFUSED) == ("the check decided refuse (E): recording this entry needs "
                                 "override_reason")  # fmt: skip
    assert override(REFUSED, reason="  ") is not None
    assert override(REFUSED, reason="the visa was shown on paper") is None
    assert override(REFUSED, Direction.EXIT) is None  # an exit is recorded whatever was decided
    assert override(ADMITTED) is None


def test_a_document_that_does_not_read_as_valid_needs_a_reason_in_both_directions() -> None:
    assert override(ADMITTED, Direction.EXIT, valid=False) == (
        "the check decided admit (B): recording this entry needs override_reason")
    assert override(ADMITTED, Direction.EXIT, valid=False, reason="read by hand") is None


def test_a_refusal_is_of_an_entry_only_and_needs_no_override() -> None:
    assert override(REFUSED, refused=True) is None
    assert override(ADMITTED, Direction.EXIT, refused=True) == "exits are never refused"


def test_a_refusal_stands_on_the_officer_s_letters_or_the_check_s_reasons() -> None:
    problem = override_problem(ADMITTED, Direction.ENTRY, document_valid=True, refused=True,
                               override_reason=None)  # fmt: skip
    assert problem == ("the check found no ground to refuse entry (it decided admit): give the "
                       "refusal form's letters that apply")  # fmt: skip
    assert override_problem(ADMITTED, Direction.ENTRY, document_valid=True, refused=True,
                            override_reason=None, letters=("E",)) is None  # fmt: skip


def test_a_refusal_carries_exactly_the_letters_the_officer_ticked_in_the_form_s_order() -> None:
    check = Decision(Outcome.REFUSE, (Reason("C", "no authorisation"), Reason("A", "expired"),
                                      Reason("A", "damaged")), Category.VISA, None)  # fmt: skip
    assert refusal_reasons(check, ["G", "A"]) == (
        Reason("A", "expired; damaged"), Reason("G", "ticked by the officer"))
    assert refusal_reasons(ADMITTED, {"I"}) == (Reason("I", "ticked by the officer"),)


@pytest.mark.parametrize(("letters", "said"), [
    ([], "tick at least one letter"),
    (["A", "Z"], "'Z' is not a letter of the refusal form (one of A, B, C"),
    (["a"], "'a' is not a letter"),
])  # fmt: skip
def test_a_refusal_without_letters_or_with_an_unknown_one_is_refused(
    letters: list[str], said: str
) -> None:
    with pytest.raises(InvalidInputError, match=said.replace("(", r"\(")):
        refusal_reasons(REFUSED, letters)
