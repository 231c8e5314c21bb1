"""A consultation's question and grounds, and an answer's reasons, fit the one record that
carries them to the other member: over it the API answers 422 naming the field and the bytes,
where it used to be refused late by the outbox, naming a record kind (the review of session
17, R6)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from cta.domain.typed_text import RECORD_TEXT_BYTES
from cta.entrypoints.api.consultations import AnswerBody, AskBody


def test_an_answer_s_reasons_over_a_record_are_refused_and_a_long_latin_one_is_taken() -> None:
    with pytest.raises(ValidationError, match=r"the reasons take \d+ bytes together"):
        AnswerBody(opinion="negative", reasons=["ა" * 2000] * 20)  # 120 KB of UTF-8
    taken = AnswerBody(opinion="negative", reasons=["a" * 2000] * 20)  # 40 KB
    assert len(taken.reasons) == 20


def test_a_question_with_grounds_over_a_record_is_refused() -> None:
    grounds = [{"code": "alert_hit", "message": "ო" * 2000}] * 20
    with pytest.raises(ValidationError, match=rf"at most {RECORD_TEXT_BYTES}"):
        AskBody(state="ARM", question="ქ" * 2000, grounds=grounds)
    assert AskBody(state="ARM", question="q" * 2000,
                   grounds=[{"code": "c", "message": "m" * 2000}] * 20).grounds  # fmt: skip
