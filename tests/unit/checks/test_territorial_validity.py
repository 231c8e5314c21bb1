"""A permit of limited territorial validity (Visa Code Art. 25, ETIAS Art. 44) counts only at
the crossing points of the member states it names."""

from __future__ import annotations

from datetime import date, timedelta

from cta.domain.checks import Outcome, decide
from cta.domain.travel_permits import (
    Authorization,
    Visa,
    territories_from_text,
    territories_text,
)

from .builders import DAY, check, document

GEO_ONLY = ("GEO",)


def visa(valid_in: tuple[str, ...] | None) -> Visa:
    return Visa("X12345678", DAY - timedelta(days=10), DAY + timedelta(days=60), 30,
                valid_in=valid_in)  # fmt: skip


def authorisation(valid_in: tuple[str, ...] | None) -> Authorization:
    return Authorization("X12345678", date(2026, 1, 1), date(2029, 12, 31), valid_in)


def test_a_visa_valid_only_in_georgia_admits_at_a_georgian_crossing_point() -> None:
    decision = decide(check(document("AFG"), visas=[visa(GEO_ONLY)], state="GEO"))
    assert decision.outcome is Outcome.ADMIT


def test_a_visa_valid_only_in_georgia_refuses_at_an_azerbaijani_one_saying_why() -> None:
    decision = decide(check(document("AFG"), visas=[visa(GEO_ONLY)], state="AZE"))
    assert decision.outcome is Outcome.REFUSE
    [reason] = decision.reasons
    assert reason.code == "C"
    assert "valid only in GEO, not in AZE" in reason.message


def test_a_visa_of_the_whole_area_admits_in_every_state() -> None:
    for state in ("AZE", "ARM", "GEO"):
        assert decide(check(document("AFG"), visas=[visa(None)], state=state)).outcome \
            is Outcome.ADMIT


def test_an_authorisation_valid_only_in_georgia_refuses_elsewhere_saying_why() -> None:
    here = decide(check(authorizations=[authorisation(GEO_ONLY)], state="GEO"))
    there = decide(check(authorizations=[authorisation(GEO_ONLY)], state="ARM"))
    assert here.outcome is Outcome.ADMIT
    assert there.outcome is Outcome.REFUSE
    assert [r.code for r in there.reasons] == ["C"]
    assert "travel authorisation for document X12345678" in there.reasons[0].message
    assert "valid only in GEO, not in ARM" in there.reasons[0].message


def test_a_visa_of_the_whole_area_stands_in_for_an_authorisation_limited_to_another_state() -> None:
    decision = decide(check(authorizations=[authorisation(GEO_ONLY)], visas=[visa(None)],
                            state="ARM"))  # fmt: skip
    assert decision.outcome is Outcome.ADMIT


def test_a_row_keeps_the_states_sorted_and_none_is_the_whole_area() -> None:
    assert territories_text(["GEO", "ARM", "GEO"]) == "ARM GEO"
    assert territories_text([]) is None and territories_text(None) is None
    assert territories_from_text("ARM GEO") == ("ARM", "GEO")
    assert territories_from_text(None) is None
