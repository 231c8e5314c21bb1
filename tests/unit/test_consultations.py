"""The rules of consultation between members (``cta.domain.consultations``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cta.domain.consultations import (
    ConsultationState,
    Opinion,
    answer_due,
    check_answer,
    check_grounds,
    check_request,
    state_of,
)
from cta.domain.errors import InvalidInputError

ASKED = datetime(2027, 6, 1, 9, 30, tzinfo=UTC)
MEMBERS = frozenset({"AZE", "ARM", "GEO"})


def test_an_authorisation_is_answered_within_60_hours_and_a_visa_within_7_days() -> None:
    assert answer_due("authorization", ASKED) == ASKED + timedelta(hours=60)
    assert answer_due("visa", ASKED) == datetime(2027, 6, 8, 9, 30, tzinfo=UTC)
    with pytest.raises(InvalidInputError, match="kind"):
        answer_due("residence permit", ASKED)


def test_an_unanswered_consultation_is_open_until_due_then_lapses() -> None:
    due = answer_due("authorization", ASKED)
    assert state_of(False, due, due) is ConsultationState.OPEN
    assert state_of(False, due, due + timedelta(microseconds=1)) is ConsultationState.LAPSED
    assert state_of(True, due, due + timedelta(days=30)) is ConsultationState.ANSWERED


def test_a_member_consults_another_member_with_a_question() -> None:
    check_request("GEO", "ARM", MEMBERS, "ARM's refusal of 2027-05-02: does ARM object?")
    with pytest.raises(InvalidInputError, match="state: 'TUR' is not a member"):
        check_request("GEO", "TUR", MEMBERS, "why?")
    with pytest.raises(InvalidInputError, match="cannot consult itself"):
        check_request("GEO", "GEO", MEMBERS, "why?")
    with pytest.raises(InvalidInputError, match="question: say it in words"):
        check_request("GEO", "AZE", MEMBERS, "  ")
    with pytest.raises(InvalidInputError, match="at most 2000"):
        check_request("GEO", "AZE", MEMBERS, "x" * 2001)


def test_an_opinion_is_positive_or_negative_and_a_negative_one_gives_reasons() -> None:
    assert check_answer("positive", []) is Opinion.POSITIVE
    assert check_answer("negative", ["an entry ban until 2029"]) is Opinion.NEGATIVE
    with pytest.raises(InvalidInputError, match="reasons: a negative opinion"):
        check_answer("negative", [])
    with pytest.raises(InvalidInputError, match="opinion: 'maybe'"):
        check_answer("maybe", ["unsure"])


def test_a_question_reasons_or_grounds_with_an_invisible_character_are_refused_where_typed(
) -> None:
    """The member consulted refuses a record whose text holds a control or invisible character
    (``cta.domain.peer_filings``): a zero-width space pasted into a question was taken here,
    and the consultation never reached the member asked (the sweep of session 16)."""
    with pytest.raises(InvalidInputError, match=r"question: '\\u200b' at position 4 .* remove"):
        check_request("GEO", "ARM", MEMBERS, "any\u200b objection?")
    with pytest.raises(InvalidInputError, match=r"reasons\[1\]: '\\x1b' at position 1"):
        check_answer("negative", ["a hit", "\x1b[31mred"])
    with pytest.raises(InvalidInputError, match=r"grounds\[0\].code: '\\n' at position 6"):
        check_grounds([{"code": "alert\n", "message": "a hit"}])
    with pytest.raises(InvalidInputError, match=r"grounds\[0\].message: '\\xad' at position 2"):
        check_grounds([{"code": "alert_hit", "message": "a\u00adhit"}])
    check_request("GEO", "ARM", MEMBERS, "Does ARM object?\n\tIts alert of 2027-05-02 hit.")
    check_answer("negative", ["Это он:\r\nфото совпадает"])
    check_grounds([{"code": "alert_hit", "message": "lines\nare words"}])
