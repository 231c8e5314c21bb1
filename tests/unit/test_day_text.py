"""A day taken from outside is ``YYYY-MM-DD`` in ASCII digits (``cta.domain.days``)."""

from __future__ import annotations

import pytest

from cta.domain.days import is_day_text


@pytest.mark.parametrize("text", ["2026-03-01", "1900-01-01", "2999-12-31", "2026-02-31"])
def test_a_day_as_yyyy_mm_dd_is_day_text_whether_or_not_it_exists(text: str) -> None:
    assert is_day_text(text)


@pytest.mark.parametrize("value", [
    "20260301", "2026-W09-7", "2026-060", "2026-03-01T00:00", " 2026-03-01", "2026-03-01\n",
    "٢٠٢٦-٠٣-٠١", "２０２６-０３-０１", "26-03-01", "", None, 20260301, ["2026-03-01"],
])  # fmt: skip
def test_anything_else_is_not(value: object) -> None:
    assert not is_day_text(value)
