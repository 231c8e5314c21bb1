"""The mail templates: every message in every language, filled safely; the retry schedule."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cta.domain.mail import (
    GIVE_UP_AFTER,
    LANGUAGES,
    TEMPLATES,
    MailCatalog,
    MailError,
    is_mail_address,
    json_params,
    language_of,
    next_attempt,
    retry_delay,
)
from cta.services.mail import QueuedMail, catalogs, compose

FULL = json_params({
    "number": "GEO-A-2026-000123", "kind": "visa", "status": "granted",
    "valid_from": date(2027, 1, 1), "valid_to": date(2027, 3, 31),
    "reasons": ["The passport is reported stolen."],
    "deadline": datetime(2026, 12, 20, 16, 30, tzinfo=UTC),
})  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_every_message_renders_in_every_language(language: str, template: str) -> None:
    mail = catalogs()[language].render(template, FULL)
    assert "GEO-A-2026-000123" in mail.subject
    assert "{" not in mail.subject + mail.body
    assert "GEO-A-2026-000123" in mail.body
    assert catalogs()[language].kinds["visa"] in mail.body


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", TEMPLATES)
def test_each_language_says_what_the_english_message_says(language: str, template: str) -> None:
    """Same placeholders as English: no language leaves out the reasons or a date."""
    english = catalogs()["en"].templates[template].placeholders()
    assert catalogs()[language].templates[template].placeholders() == english


def test_the_languages_are_written_in_their_own_scripts() -> None:
    scripts = {"ka": "\u10d0", "hy": "\u0561", "ru": "\u0430", "az": "ə"}
    for language, letter in scripts.items():
        assert letter in catalogs()[language].render("received", FULL).body


def test_dates_come_in_iso() -> None:
    granted = catalogs()["en"].render("granted", FULL).body
    assert "Valid from: 2027-01-01" in granted and "Valid until: 2027-03-31" in granted
    asked = catalogs()["en"].render("information_requested", FULL).body
    assert "Please answer by: 2026-12-20T16:30Z" in asked


def test_a_time_in_another_zone_is_given_in_utc() -> None:
    baku = datetime(2026, 12, 20, 20, 30, tzinfo=UTC).astimezone(ZoneInfo("Asia/Baku"))
    assert json_params({"deadline": baku}) == {"deadline": "2026-12-20T20:30Z"}


@pytest.mark.parametrize(("requested", "chosen"), [
    ("ka", "ka"), ("RU", "ru"), ("hy-AM", "hy"), ("az_AZ", "az"), ("de", "en"), ("", "en"),
])  # fmt: skip
def test_an_unknown_language_falls_back_to_english(requested: str, chosen: str) -> None:
    assert language_of(requested) == chosen


@given(st.text(max_size=60))
def test_a_parameter_is_put_in_as_text_never_read_as_a_template(value: str) -> None:
    params = FULL | {"number": value or "x", "reasons": [value, "{number}"]}
    mail = catalogs()["en"].render("refused", params)
    assert "- {number}" in mail.body  # a placeholder inside a value stays as it is
    assert "\n" not in mail.subject and "\r" not in mail.subject


def test_format_fields_in_a_value_do_not_run() -> None:
    params = FULL | {"number": "{kind.__class__.__mro__}", "reasons": ["{0!r:>10}"]}
    mail = catalogs()["en"].render("refused", params)
    assert "{kind.__class__.__mro__}" in mail.subject and "- {0!r:>10}" in mail.body


def test_a_missing_parameter_is_named() -> None:
    with pytest.raises(MailError, match="needs reasons"):
        catalogs()["en"].render("refused", {"number": "1", "kind": "visa"})


@pytest.mark.parametrize(("params", "says"), [
    ({"reasons": "one reason"}, "reasons is a list"),
    ({"deadline": datetime(2026, 1, 1)}, "without a zone"),
    ({"valid_from": 1.5}, "valid_from is a float"),
    ({"secret": "x"}, "unknown secret"),
])  # fmt: skip
def test_bad_parameters_are_refused(params: dict[str, object], says: str) -> None:
    with pytest.raises(MailError, match=says):
        json_params(params)


def test_a_catalog_with_an_unknown_placeholder_is_refused() -> None:
    data = {"kinds": {"authorization": "a", "visa": "v"}} | {
        name: {"subject": "{number}", "body": "{number}"} for name in TEMPLATES}
    data["granted"] = {"subject": "{number}", "body": "{password}"}
    with pytest.raises(MailError, match="unknown placeholders"):
        MailCatalog.from_data("xx", data)


@pytest.mark.parametrize(("address", "valid"), [
    ("nino@example.ge", True), ("a.b+c@mail.example.co.uk", True),
    ("nino", False), ("nino@", False), ("@example.ge", False), ("a b@example.ge", False),
    ("a@example.ge\nBcc: x@y.z", False), ("a@b@example.ge", False), ("a@localhost", False),
])  # fmt: skip
def test_mail_addresses(address: str, valid: bool) -> None:
    assert is_mail_address(address) is valid


def test_the_message_is_plain_text_in_utf8_with_the_subject_whole() -> None:
    queued = QueuedMail(7, "ivan@example.ru", "ru", "information_requested", FULL,
                        datetime(2026, 12, 6, tzinfo=UTC), 1)  # fmt: skip
    message = compose(queued, sender="cta@geo.example", node="GEO",
                      at=datetime(2026, 12, 6, tzinfo=UTC))  # fmt: skip
    parsed = email.message_from_bytes(message.as_bytes(), policy=email.policy.default)
    # a long subject is folded into several encoded words: the spaces between words stay
    assert parsed["Subject"] == "По заявлению GEO-A-2026-000123 нужны дополнительные сведения"
    assert parsed.get_content_type() == "text/plain"
    assert parsed["Content-Language"] == "ru"
    assert parsed["Message-ID"] == compose(queued, sender="cta@geo.example", node="GEO",
                                           at=datetime(2027, 1, 1, tzinfo=UTC))["Message-ID"]


def test_retries_wait_a_minute_then_twice_as_long_up_to_an_hour() -> None:
    assert [retry_delay(n) for n in range(1, 10)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60, 60)]


@given(st.integers(1, 500), st.timedeltas(timedelta(0), timedelta(days=3)))
def test_a_mail_is_given_up_two_days_after_it_was_queued(attempts: int, age: timedelta) -> None:
    queued = datetime(2026, 12, 6, tzinfo=UTC)
    then = next_attempt(queued, attempts, queued + age)
    if age >= GIVE_UP_AFTER:
        assert then is None
    else:
        assert then is not None and queued + age < then <= queued + GIVE_UP_AFTER
