"""``decide_internal``: at an internal crossing point with checks reintroduced, the document
and the alerts only; no stay, no visa, no authorisation, for members and others alike."""

from __future__ import annotations

from datetime import date, timedelta

from cta.domain.alerts import Alert, AlertCategory
from cta.domain.checks import Outcome, decide, decide_internal
from cta.domain.stays import Stay

from .builders import DAY, check, document, tampered


def test_a_third_country_national_without_authorisation_is_admitted_inside_the_area() -> None:
    c = check(document("USA"), planned_exit=DAY + timedelta(days=300))
    assert decide(c).outcome is Outcome.REFUSE  # at an external point: C (no authorisation)
    decision = decide_internal(c)
    assert decision.outcome is Outcome.ADMIT and decision.reasons == ()
    assert decision.latest_exit is None and decision.overstay_days == 0


def test_a_long_stay_is_not_counted_at_an_internal_check() -> None:
    stays = [Stay(date(2026, 12, 1), date(2027, 2, 27))]  # 89 days: over 90 with today's
    c = check(document("IND"), history=stays)
    assert decide_internal(c).outcome is Outcome.ADMIT


def test_a_member_national_with_an_expired_document_is_refused_a() -> None:
    doc = document("GEO", expiry=DAY - timedelta(days=1))
    decision = decide_internal(check(doc))
    assert decision.outcome is Outcome.REFUSE
    assert [r.code for r in decision.reasons] == ["A"]


def test_a_forged_mrz_refers_and_an_alert_refers() -> None:
    assert decide_internal(check(tampered(document("ARM")))).outcome is Outcome.REFER
    alert = Alert("SIS-9", AlertCategory.REFUSE_ENTRY, "SMITH", "JOHN", 1980, 1, 2, "USA")
    decision = decide_internal(check(document("USA"), alerts=[alert]))
    assert [r.code for r in decision.reasons] == ["H"]
