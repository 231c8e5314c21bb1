"""The consular console's time left before a deadline, in words and in each language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from cta.domain.applications import REFUSAL_GROUNDS, ApplicationStatus
from cta.entrypoints.web.consular_text import ACTIONS, GROUNDS, STATUSES, time_left
from cta.entrypoints.web.i18n import language

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


def test_the_time_left_is_days_and_hours_and_overdue_after_the_deadline() -> None:
    en = language("en")
    assert time_left(en, NOW + timedelta(days=2, hours=4, minutes=59), NOW) == "2 days 4 hours left"
    assert time_left(en, NOW + timedelta(days=1), NOW) == "1 day left"
    assert time_left(en, NOW + timedelta(minutes=30), NOW) == "0 hours left"
    assert time_left(en, NOW - timedelta(hours=1, minutes=5), NOW) == "1 hour overdue"
    assert time_left(en, NOW - timedelta(days=3, hours=2), NOW) == "3 days 2 hours overdue"


def test_the_time_left_follows_each_language_s_plurals() -> None:
    ru = language("ru")
    assert time_left(ru, NOW + timedelta(days=2, hours=5), NOW) == "осталось 2 дня 5 часов"
    assert time_left(ru, NOW + timedelta(days=21, hours=1), NOW) == "осталось 21 день 1 час"
    assert time_left(language("az"), NOW - timedelta(hours=3), NOW) == "3 saat gecikib"


def test_every_status_and_standard_ground_has_its_words() -> None:
    assert {s.value for s in ApplicationStatus} <= set(STATUSES)
    assert set(GROUNDS) == set(REFUSAL_GROUNDS)
    for code, words in GROUNDS.items():  # the same ground as the domain words it
        assert words.rstrip(".").lower() == REFUSAL_GROUNDS[code].lower(), code
    assert {"granted", "refused", "claimed", "appeal lodged"} <= set(ACTIONS)
