"""A check's reasons, a record's anomalies and an application's review reasons are worded in
the page's language from what the domain gives; what cannot be read stays English, marked."""

from __future__ import annotations

from datetime import date

import pytest

from cta.domain.checks import Reason
from cta.domain.travellers import anomaly_of_crossing, open_stay_at_entry
from cta.entrypoints.web.i18n import LANGUAGES, language
from cta.entrypoints.web.reason_text import (
    anomaly_text,
    english,
    reason_text,
    recorded_anomaly_text,
    review_text,
)
from cta.services.application_review import QUESTIONS


def test_a_key_and_its_values_do_not_change_what_a_reason_equals() -> None:
    keyed = Reason("A", "the document expired on 2026-01-03", key="document_expired",
                   params=(("on", date(2026, 1, 3)),))  # fmt: skip
    assert keyed == Reason("A", "the document expired on 2026-01-03")


def test_a_reason_with_no_key_is_its_english_message_marked_and_escaped() -> None:
    shown = reason_text(language("ka"), Reason("C", "visa <V1> is not valid"))
    assert shown == '<span lang="en">visa &lt;V1&gt; is not valid</span>'


@pytest.mark.parametrize("code", list(LANGUAGES))
def test_a_record_s_anomalies_are_read_back_from_the_api_s_answer(code: str) -> None:
    lang = language(code)
    for anomaly in (anomaly_of_crossing("exit", None, date(2026, 12, 7)),
                    anomaly_of_crossing("entry", date(2026, 10, 9), date(2026, 12, 7))):
        assert anomaly is not None
        answer = {"code": anomaly.code, "message": anomaly.message}
        assert recorded_anomaly_text(lang, answer) == anomaly_text(lang, anomaly)
        assert 'lang="en"' not in anomaly_text(lang, anomaly)
    assert "2026-10-09" not in anomaly_text(lang, open_stay_at_entry(date(2026, 10, 9)))


def test_an_anomaly_whose_days_cannot_be_read_stays_english() -> None:
    odd = {"code": "exit_without_entry", "message": "exit with no entry"}
    assert recorded_anomaly_text(language("ru"), odd) == '<span lang="en">exit with no entry</span>'


@pytest.mark.parametrize("question", list(QUESTIONS))
def test_every_background_question_answered_yes_is_worded(question: str) -> None:
    said = {"code": "answer", "message": f"answered yes: {QUESTIONS[question]}"}
    assert 'lang="en"' not in review_text(language("hy"), said)
    assert review_text(language("en"), said) == said["message"]


def test_every_reason_the_decision_tests_meet_has_a_wording(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The domain's decision tests run again, each reason they meet kept: all have a key the
    page words, with a value for each of its placeholders, but the problems of several permits
    held at once (their English sentences joined, shown as is)."""
    import inspect
    import re

    from cta.domain import checks
    from cta.entrypoints.web.reason_text import REASONS
    from tests.unit.checks import test_decide

    met: list[Reason] = []

    def kept(check: checks.Check) -> checks.Decision:
        decision = checks.decide(check)
        met.extend(decision.reasons)
        return decision

    monkeypatch.setattr(test_decide, "decide", kept)
    for name, test in inspect.getmembers(test_decide, inspect.isfunction):
        if name.startswith("test_") and not inspect.signature(test).parameters:
            test()
    keys = {r.key for r in met}
    assert len(keys) >= 15, keys
    for reason in met:
        if not reason.key:  # the permits' problems, joined (travel_permits)
            assert reason.code == "C", reason
            continue
        assert reason.key in REASONS, reason
        wanted = set(re.findall(r"%\((\w+)\)s", REASONS[reason.key]))
        assert wanted <= {name for name, _ in reason.params}, reason
        assert reason_text(language("ka"), reason) != english(reason.message), reason


def _worded(reasons: tuple[Reason, ...]) -> list[str]:
    """Each reason's key, after checking that a Georgian page words it from its values."""
    from cta.entrypoints.web.reason_text import REASONS

    for reason in reasons:
        assert reason.key in REASONS, reason
        assert reason_text(language("ka"), reason) != english(reason.message), reason
    return [r.key for r in reasons]


def test_alert_hits_an_e_visa_and_an_overstay_per_stay_are_worded() -> None:
    from cta.domain.alerts import AlertCategory as A
    from cta.domain.checks import AlertHit, Direction, decide
    from cta.domain.regime import Category, NationalityRule, Regime
    from cta.domain.stays import Stay
    from tests.unit.checks.builders import DAY, check, small_regime

    hits = [AlertHit("GEO-1", A.REFUSE_ENTRY, 0.91, ("surname agrees",)),
            AlertHit("GEO-2", A.ARREST, 0.8), AlertHit("GEO-3", A.REFUSE_ENTRY, 1, confirmed=True),
            AlertHit("GEO-4", A.INVALIDATED_DOCUMENT, 1, confirmed=True),
            AlertHit("GEO-5", A.ARREST, 1, confirmed=True, action="arrest the person"),
            AlertHit("GEO-6", A.DISCREET_CHECK, 1, confirmed=True)]  # fmt: skip
    keys = _worded(decide(check(regime=small_regime(Category.E_VISA), alert_hits=hits)).reasons)
    assert keys == ["alert_may_match", "alert_may_match_names", "alert_confirmed_refuse_entry",
                    "alert_confirmed_invalidated_document", "alert_confirmed_action",
                    "alert_confirmed_act", "e_visa_needed"]  # fmt: skip
    both = small_regime(Category.VISA_EXEMPT)
    rule = NationalityRule(Category.VISA_EXEMPT, both.default_rule.stay, per_entry=30)
    regime = Regime(both.name, both.members, both.effective_from, None, {}, rule)
    stay = Stay(date(2027, 1, 1), DAY)
    exit_ = decide(check(regime=regime, direction=Direction.EXIT, history=[stay]))
    assert _worded(exit_.reasons) == ["overstay_at_exit_window_per_entry"]


@pytest.mark.parametrize(("code", "said", "worded"), [
    ("refusal_of_entry", "refused entry at GEO-TBS on 2026-11-02 (GEO)",
     "отказано во въезде в пункте Tbilisi International Airport 2 ноября 2026 г. (Грузия)"),
    ("overstay", "overstayed in the area (2026-01-01 to 2026-02-01)",
     "превысил(а) срок пребывания в зоне (с 1 января 2026 г. по 1 февраля 2026 г.)"),
    ("alert_hit", "alert GEO-T-1 (refuse_entry), score 0.91: surname agrees",
     'оповещение GEO-T-1 (отказ во въезде), оценка 0,91: <span lang="en">surname agrees</span>'),
    ("past_application", "visa application V-1 refused by ARM: the applicant poses a security "
     "risk", 'заявление на визу V-1: отказано, государство: Армения; причины: <span lang="en">'
     "the applicant poses a security risk</span>"),
    ("overstay", "overstayed somewhere", '<span lang="en">overstayed somewhere</span>'),
])  # fmt: skip
def test_review_reasons_are_read_back_and_worded(code: str, said: str, worded: str) -> None:
    shown = review_text(language("ru"), {"code": code, "message": said})
    assert shown.replace("\u202f", " ") == worded  # Babel writes "2026\u202fг."


def test_a_permit_that_does_not_serve_here_is_worded_with_the_states_named() -> None:
    """A visa or an authorisation of limited territorial validity, refused at another state's
    point: the page names the states in its language; the API's sentence is as before."""
    from cta.domain.checks import decide
    from tests.unit.checks.builders import check, document
    from tests.unit.checks.test_territorial_validity import authorisation, visa

    refused_visa = decide(check(document("AFG"), visas=[visa(("GEO",))], state="AZE"))
    refused_eta = decide(check(authorizations=[authorisation(("GEO",))], state="ARM"))
    [on_visa], [on_eta] = refused_visa.reasons, refused_eta.reasons
    assert on_visa.message == ("the visa for document X12345678 has a limited territorial "
                               "validity: it is valid only in GEO, not in AZE")
    assert on_eta.message == ("the travel authorisation for document X12345678 has a limited "
                              "territorial validity: it is valid only in GEO, not in ARM")
    assert _worded((on_visa, on_eta)) == ["visa_not_valid_here", "authorization_not_valid_here"]
    ka = language("ka")
    shown = reason_text(ka, on_visa)
    assert ka.country("GEO") in shown and ka.country("AZE") in shown
    assert "GEO" not in shown and 'lang="en"' not in shown
