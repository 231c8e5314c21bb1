"""The terms of a permit a consul grants, refused with a code and the values the message names:
the page words each in its language; the message (the API's ``detail``, ``permit_problem``'s
words) is unchanged."""

from __future__ import annotations

from datetime import date

import pytest

from cta.domain.errors import InvalidInputError
from cta.domain.travel_permits import check_permit_terms, permit_problem
from cta.entrypoints.web.i18n import language
from cta.entrypoints.web.reason_text import refusal_text

TODAY = date(2026, 12, 7)
# each refused term: the values given, the English message, its code
TERMS = [
    ((date(2027, 1, 9), date(2027, 1, 8), None, None, None),
     "valid_to is before valid_from", "permit_ends_first"),
    ((date(2026, 1, 1), date(2026, 2, 1), None, None, None),
     "valid_to 2026-02-01 has passed already", "permit_end_passed"),
    ((date(2027, 1, 1), date(2037, 1, 2), None, None, None),
     "valid_to: a permit is valid 10 years at most", "permit_too_long"),
    ((date(2027, 1, 1), date(2029, 1, 2), date(2028, 5, 1), None, None),
     "valid_to 2029-01-02 is after the document expires (2028-05-01): a permit does not outlive "
     "its document", "permit_outlives_document"),
    ((date(2027, 1, 1), date(2027, 2, 1), None, None, 2),
     "entries: only a visa counts entries (give duration_days)", "permit_entries_without_days"),
    ((date(2027, 1, 1), date(2027, 1, 10), None, 11, None),
     "duration_days 11 must be 1 to the 10 days of validity", "permit_days_outside_validity"),
    ((date(2027, 1, 1), date(2027, 1, 10), None, 5, 0),
     "entries must be 1 or more (or null: multiple)", "permit_no_entries"),
]


@pytest.mark.parametrize(("values", "message", "code"), TERMS)
def test_each_term_refused_keeps_its_message_and_is_worded_by_its_code(
    values: tuple[date, date, date | None, int | None, int | None], message: str, code: str,
) -> None:
    first, last, expiry, days, entries = values
    terms = {"today": TODAY, "document_expiry": expiry, "duration_days": days, "entries": entries}
    assert permit_problem(first, last, **terms) == message  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError) as refused:
        check_permit_terms(first, last, **terms)  # type: ignore[arg-type]
    assert str(refused.value) == message and refused.value.code == code
    for lang in ("az", "hy", "ka", "ru"):
        shown = refusal_text(language(lang), refused.value)
        assert 'lang="en"' not in shown and "valid_to" not in shown, (lang, shown)


def test_a_document_s_expiry_is_said_with_the_page_s_dates() -> None:
    with pytest.raises(InvalidInputError) as refused:
        check_permit_terms(date(2027, 1, 1), date(2029, 1, 2), today=TODAY,
                           document_expiry=date(2028, 5, 1))  # fmt: skip
    shown = refusal_text(language("ru"), refused.value).replace("\u202f", " ")  # narrow space
    assert shown == (
        "последний день действия, 2 января 2029 г., позже окончания срока действия проездного "
        "документа (1 мая 2028 г.): разрешение не может действовать дольше своего документа")


def test_a_validity_taken_from_the_journey_names_the_journey() -> None:
    refused = InvalidInputError(
        "the validity comes from the application's arrival 2027-01-01 and departure 2038-01-01, "
        "and a permit is valid 10 years at most: give valid_from and valid_to",
        code="permit_too_long_from_journey",
        params={"years": 10, "arrival": date(2027, 1, 1), "departure": date(2038, 1, 1)})
    shown = refusal_text(language("ka"), refused)
    assert 'lang="en"' not in shown and "10" in shown and "2038" in shown
