"""``decide``: one test per rule of the border check, with reasons coded as on the refusal form
(Regulation (EU) 2016/399, Schengen Borders Code, Annex V Part B)."""

from __future__ import annotations

from datetime import date, timedelta

from cta.domain.alerts import Alert, AlertCategory
from cta.domain.checks import Decision, Direction, Outcome, decide
from cta.domain.documents import DocumentType
from cta.domain.regime import Category
from cta.domain.stays import Stay
from cta.domain.travel_permits import Authorization, Visa

from .builders import DAY, FAR, check, document, small_regime, tampered


def codes(decision: Decision) -> list[str]:
    return [r.code for r in decision.reasons]


def days(n: int) -> timedelta:
    return timedelta(days=n)


def authorised(number: str = "X12345678") -> list[Authorization]:
    return [Authorization(number, date(2026, 1, 1), date(2029, 12, 31))]


def refuse_entry_alert(**names: str) -> Alert:
    return Alert(
        "SIS-1",
        AlertCategory.REFUSE_ENTRY,
        names.get("surname", "SMITH"),
        names.get("given_names", "JOHN"),
        1980,
        1,
        2,
        "USA",
    )


# -- member nationals ------------------------------------------------------------------------


def test_a_member_national_with_a_valid_passport_is_admitted_with_no_stay_limit() -> None:
    """Free movement: member nationals are checked for document and alerts only."""
    decision = decide(check(document("GEO")))
    assert decision.outcome is Outcome.ADMIT
    assert decision.category is Category.FREE_MOVEMENT
    assert decision.reasons == ()


def test_a_member_national_is_admitted_on_a_national_identity_card() -> None:
    """Member nationals travel on a passport or an ID card (TD1, document code I)."""
    card = document("ARM", kind=DocumentType.TD1, code="I", number="AB1234567")
    assert decide(check(card)).outcome is Outcome.ADMIT


def test_a_member_national_who_stayed_a_whole_year_is_still_admitted() -> None:
    """No stay limit applies to member nationals, and no authorisation is asked for."""
    year = [Stay(DAY - days(400), DAY - days(1))]
    assert decide(check(document("AZE"), history=year)).outcome is Outcome.ADMIT


def test_a_member_national_needs_no_three_months_of_validity() -> None:
    """The 3-month rule of Art. 6(1)(a)(i) is for third-country nationals only."""
    assert decide(check(document("GEO", expiry=DAY + days(5)))).outcome is Outcome.ADMIT


def test_a_member_national_with_an_expired_passport_is_refused_a() -> None:
    """Annex V Part B (A): no valid travel document."""
    decision = decide(check(document("GEO", expiry=DAY - days(1))))
    assert decision.outcome is Outcome.REFUSE
    assert codes(decision) == ["A"]


# -- the travel document ---------------------------------------------------------------------


def test_an_expired_passport_is_refused_a() -> None:
    """Art. 6(1)(a) and Annex V Part B (A): no valid travel document."""
    decision = decide(check(document(expiry=DAY - days(1)), authorizations=authorised()))
    assert decision.outcome is Outcome.REFUSE
    assert "A" in codes(decision)
    assert decision.latest_exit is None


def test_a_passport_valid_less_than_3_months_after_the_planned_exit_is_refused_a() -> None:
    """Art. 6(1)(a)(i): valid at least three months after the intended date of departure."""
    doc = document(expiry=date(2027, 6, 15))
    decision = decide(check(doc, planned_exit=date(2027, 3, 20), authorizations=authorised()))
    assert decision.outcome is Outcome.REFUSE
    assert codes(decision) == ["A"]
    assert "planned exit" in decision.reasons[0].message


def test_without_a_planned_exit_the_3_months_count_from_the_day_of_entry() -> None:
    """Art. 6(1)(a)(i), with the day of entry as the earliest possible departure."""
    doc = document(expiry=DAY + days(80))
    decision = decide(check(doc, authorizations=authorised()))
    assert codes(decision) == ["A"]
    assert "day of entry" in decision.reasons[0].message


def test_a_passport_valid_exactly_3_months_after_the_planned_exit_is_enough() -> None:
    """Art. 6(1)(a)(i): three months after 15 March 2027 is 15 June 2027."""
    doc = document(expiry=date(2027, 6, 15))
    decision = decide(check(doc, planned_exit=date(2027, 3, 15), authorizations=authorised()))
    assert decision.outcome is Outcome.ADMIT


def test_three_months_after_an_exit_on_31_march_end_on_30_june() -> None:
    """Art. 6(1)(a)(i) and Regulation (EEC, Euratom) 1182/71 Art. 3(2)(c): a period of months
    ending in a month without that day ends on its last day; 31 March + 3 months = 30 June."""
    doc = document(expiry=date(2027, 6, 30))
    decision = decide(check(doc, planned_exit=date(2027, 3, 31), authorizations=authorised()))
    assert decision.outcome is Outcome.ADMIT, decision.reasons


def test_a_machine_readable_zone_that_fails_validation_is_referred_b() -> None:
    """Annex V Part B (B): a possibly false document goes to the second line, not refused."""
    decision = decide(check(tampered(document()), authorizations=authorised()))
    assert decision.outcome is Outcome.REFER
    assert "B" in codes(decision)
    assert "check digit" in decision.reasons[0].message


def test_a_third_country_national_on_an_identity_card_is_refused_a() -> None:
    """The union draft accepts only passports (code P) from third-country nationals."""
    card = document("USA", kind=DocumentType.TD1, code="I", number="AB1234567")
    decision = decide(check(card, authorizations=authorised("AB1234567")))
    assert decision.outcome is Outcome.REFUSE
    assert "A" in codes(decision)


def test_a_visa_presented_as_the_travel_document_is_refused_a() -> None:
    """A visa (MRV-A) is not a travel document."""
    visa = document("USA", kind=DocumentType.MRVA, code="V")
    assert "A" in codes(decide(check(visa, authorizations=authorised())))


# -- visa or travel authorisation ----------------------------------------------------------------


def test_a_visa_exempt_national_with_an_authorisation_for_the_passport_is_admitted() -> None:
    """Art. 6(1)(b) as for ETIAS (Regulation (EU) 2018/1240 Art. 36)."""
    decision = decide(check(authorizations=authorised()))
    assert decision.outcome is Outcome.ADMIT
    assert decision.category is Category.AUTHORIZATION
    assert decision.latest_exit == DAY + days(89)


def test_an_authorisation_needing_national_without_one_is_refused_c() -> None:
    """Annex V Part B (C): no valid travel authorisation."""
    decision = decide(check())
    assert decision.outcome is Outcome.REFUSE
    assert codes(decision) == ["C"]


def test_an_authorisation_for_another_passport_does_not_count() -> None:
    """The authorisation is tied to the document it was applied with (2018/1240 Art. 36)."""
    decision = decide(check(authorizations=authorised("OLD000001")))
    assert codes(decision) == ["C"]
    assert "OLD000001" in decision.reasons[0].message


def test_an_authorisation_that_expired_before_the_day_is_refused_c() -> None:
    expired = [Authorization("X12345678", date(2024, 1, 1), DAY - days(1))]
    assert codes(decide(check(authorizations=expired))) == ["C"]


def test_a_stay_may_run_past_the_end_of_the_authorisation() -> None:
    """ETIAS is checked on the day of entry; the stay it allows may outlast it."""
    ends_tomorrow = [Authorization("X12345678", date(2026, 1, 1), DAY + days(1))]
    decision = decide(check(authorizations=ends_tomorrow))
    assert decision.outcome is Outcome.ADMIT
    assert decision.latest_exit == DAY + days(89)


def visa(**changes: object) -> Visa:
    base: dict[str, object] = {
        "document_number": "X12345678",
        "valid_from": DAY - days(10),
        "valid_to": DAY + days(60),
        "duration_days": 30,
    }
    base.update(changes)
    return Visa(**base)  # type: ignore[arg-type]


def test_a_visa_national_with_a_valid_visa_is_admitted_until_its_duration_ends() -> None:
    """Art. 6(1)(b) and the visa's duration of stay (Visa Code Art. 24)."""
    decision = decide(check(document("AFG"), visas=[visa()]))
    assert decision.outcome is Outcome.ADMIT
    assert decision.category is Category.VISA
    assert decision.latest_exit == DAY + days(29)


def test_a_visa_national_without_a_visa_is_refused_c() -> None:
    """Annex V Part B (C): no valid visa."""
    decision = decide(check(document("AFG")))
    assert decision.outcome is Outcome.REFUSE
    assert codes(decision) == ["C"]


def test_a_visa_affixed_to_another_passport_does_not_count() -> None:
    decision = decide(check(document("AFG"), visas=[visa(document_number="OLD000001")]))
    assert codes(decision) == ["C"]


def test_a_visa_not_yet_valid_is_refused_c() -> None:
    decision = decide(check(document("AFG"), visas=[visa(valid_from=DAY + days(1))]))
    assert codes(decision) == ["C"]


def test_an_expired_visa_is_refused_c() -> None:
    decision = decide(check(document("AFG"), visas=[visa(valid_to=DAY - days(1))]))
    assert codes(decision) == ["C"]


def test_a_single_entry_visa_already_used_is_refused_c() -> None:
    """Visa Code Art. 24: the number of entries the visa allows."""
    decision = decide(check(document("AFG"), visas=[visa(entries=1, entries_used=1)]))
    assert codes(decision) == ["C"]
    assert "entries" in decision.reasons[0].message


def test_a_multiple_entry_visa_is_not_used_up_by_entries() -> None:
    decision = decide(check(document("AFG"), visas=[visa(entries=None, entries_used=7)]))
    assert decision.outcome is Outcome.ADMIT


def test_a_visa_whose_duration_of_stay_was_spent_is_refused_c() -> None:
    """The days of presence within the visa's validity count against its duration."""
    spent = [Stay(DAY - days(10), DAY - days(1))]  # 10 days inside the validity
    decision = decide(check(document("AFG"), visas=[visa(duration_days=10)], history=spent))
    assert codes(decision) == ["C"]


def test_days_of_presence_before_the_visa_validity_do_not_count_against_it() -> None:
    before = [Stay(DAY - days(40), DAY - days(11))]
    decision = decide(check(document("AFG"), visas=[visa(duration_days=10)], history=before))
    assert decision.outcome is Outcome.ADMIT
    assert decision.latest_exit == DAY + days(9)


def test_days_already_spent_under_the_visa_shorten_the_stay_it_allows() -> None:
    """A 30-day visa with 5 days used within its validity leaves 25 days."""
    spent = [Stay(DAY - days(5), DAY - days(1))]
    decision = decide(check(document("AFG"), visas=[visa()], history=spent))
    assert decision.outcome is Outcome.ADMIT
    assert decision.latest_exit == DAY + days(24)


def test_a_planned_exit_after_the_visa_ends_is_referred_e() -> None:
    """Annex V Part B (E): the planned stay is longer than the visa allows."""
    planned = DAY + days(40)
    decision = decide(check(document("AFG"), visas=[visa()], planned_exit=planned))
    assert decision.outcome is Outcome.REFER
    assert codes(decision) == ["E"]


def test_a_used_up_visa_does_not_hide_another_valid_one() -> None:
    used = visa(entries=1, entries_used=1)
    other = visa(valid_to=DAY + days(5))
    decision = decide(check(document("AFG"), visas=[used, other]))
    assert decision.outcome is Outcome.ADMIT
    assert decision.latest_exit == DAY + days(5)


def test_the_latest_exit_is_the_end_of_the_visa_when_it_comes_first() -> None:
    decision = decide(check(document("AFG"), visas=[visa(valid_to=DAY + days(5))]))
    assert decision.latest_exit == DAY + days(5)


def test_a_visa_on_arrival_national_is_referred_with_a_non_refusing_c() -> None:
    """A visa to be issued at the crossing point needs a person: refer, not refuse."""
    decision = decide(check(regime=small_regime(Category.VISA_ON_ARRIVAL)))
    assert decision.outcome is Outcome.REFER
    assert codes(decision) == ["C"]
    assert decision.reasons[0].refuses is False


def test_a_visa_exempt_national_needs_nothing_but_the_document() -> None:
    decision = decide(check(regime=small_regime(Category.VISA_EXEMPT)))
    assert decision.outcome is Outcome.ADMIT
    assert decision.latest_exit == DAY + days(89)


def test_a_national_of_a_country_not_admitted_is_refused_c() -> None:
    decision = decide(check(regime=small_regime(Category.NO_ADMISSION)))
    assert decision.outcome is Outcome.REFUSE
    assert codes(decision) == ["C"]


# -- the stay limit --------------------------------------------------------------------------


def test_a_traveller_who_stayed_90_of_the_last_180_days_is_refused_f_with_the_next_entry() -> None:
    """Art. 6(1) and Annex V Part B (F): already stayed 90 days in the 180-day period."""
    ninety = [Stay(DAY - days(90), DAY - days(1))]
    decision = decide(check(authorizations=authorised(), history=ninety))
    assert decision.outcome is Outcome.REFUSE
    assert codes(decision) == ["F"]
    next_entry = (DAY - days(90) + days(180)).isoformat()
    assert next_entry in decision.reasons[0].message
    assert decision.latest_exit is None


def test_the_latest_exit_is_cut_by_days_already_used() -> None:
    """Art. 6(2): 60 days in the last 180 leave 30."""
    sixty = [Stay(DAY - days(70), DAY - days(11))]
    decision = decide(check(authorizations=authorised(), history=sixty))
    assert decision.outcome is Outcome.ADMIT
    assert decision.latest_exit == DAY + days(29)


def test_the_latest_exit_is_3_months_before_the_passport_expires_when_that_comes_first() -> None:
    """Art. 6(1)(a)(i): the stay may not end less than 3 months before expiry."""
    doc = document(expiry=date(2027, 6, 15))
    decision = decide(check(doc, authorizations=authorised()))
    assert decision.outcome is Outcome.ADMIT
    assert decision.latest_exit == date(2027, 3, 15)


def test_a_planned_exit_beyond_the_stay_allowed_is_referred_e() -> None:
    """Annex V Part B (E): the conditions of stay are not justified; a person decides."""
    sixty = [Stay(DAY - days(70), DAY - days(11))]
    planned = DAY + days(40)
    decision = decide(check(authorizations=authorised(), history=sixty, planned_exit=planned))
    assert decision.outcome is Outcome.REFER
    assert codes(decision) == ["E"]
    assert decision.latest_exit == DAY + days(29)


def test_coming_back_the_same_day_after_90_days_allows_only_that_day() -> None:
    """Art. 6(2) and a day counted once: the day of exit is already the 90th day, so the
    traveller re-entering that day may stay that day and no more."""
    ninety_to_today = [Stay(DAY - days(89), DAY)]
    decision = decide(check(authorizations=authorised(), history=ninety_to_today))
    assert decision.outcome is Outcome.ADMIT
    assert decision.latest_exit == DAY


def test_a_planned_exit_within_the_stay_allowed_is_admitted() -> None:
    decision = decide(check(authorizations=authorised(), planned_exit=DAY + days(10)))
    assert decision.outcome is Outcome.ADMIT


# -- alerts ----------------------------------------------------------------------------------


def test_an_alert_with_the_same_names_and_birth_date_is_referred_h() -> None:
    """Annex V Part B (H): alert for refusal of entry (Regulation (EU) 2018/1861 Art. 24)."""
    decision = decide(check(authorizations=authorised(), alerts=[refuse_entry_alert()]))
    assert decision.outcome is Outcome.REFER
    assert codes(decision) == ["H"]
    assert "SIS-1" in decision.reasons[0].message


def test_an_alert_on_a_member_national_is_referred_h() -> None:
    """Alerts are checked for member nationals too."""
    doc = document("GEO")
    decision = decide(check(doc, alerts=[refuse_entry_alert()]))
    assert decision.outcome is Outcome.REFER
    assert codes(decision) == ["H"]


def test_an_alert_giving_only_the_year_of_birth_matches_on_that_year() -> None:
    """An unknown part of a date agrees with anything (ICAO Doc 9303 Part 3 §4.8 style)."""
    alert = Alert("SIS-3", AlertCategory.REFUSE_ENTRY, "Smith", "John", 1980)
    decision = decide(check(authorizations=authorised(), alerts=[alert]))
    assert codes(decision) == ["H"]


def test_an_alert_with_another_birth_date_does_not_match() -> None:
    alert = Alert("SIS-2", AlertCategory.REFUSE_ENTRY, "SMITH", "JOHN", 1981, 1, 2)
    decision = decide(check(authorizations=authorised(), alerts=[alert]))
    assert decision.outcome is Outcome.ADMIT


def test_an_alert_with_other_given_names_does_not_match() -> None:
    alert = refuse_entry_alert(given_names="JANE")
    assert decide(check(authorizations=authorised(), alerts=[alert])).outcome is Outcome.ADMIT


def test_an_alert_outweighs_a_refusal_reason_and_sends_to_the_second_line() -> None:
    """B or H refer even when another reason would refuse: a person must look."""
    decision = decide(check(alerts=[refuse_entry_alert()]))  # no authorisation: C
    assert decision.outcome is Outcome.REFER
    assert set(codes(decision)) == {"C", "H"}


# -- exits -----------------------------------------------------------------------------------


def test_an_exit_within_the_limit_is_admitted_with_no_latest_exit() -> None:
    stay = [Stay(DAY - days(20), DAY)]
    decision = decide(check(direction=Direction.EXIT, history=stay))
    assert decision.outcome is Outcome.ADMIT
    assert decision.latest_exit is None
    assert decision.overstay_days == 0


def test_an_exit_after_an_overstay_is_referred_f_with_the_overstay_days() -> None:
    """Annex V Part B (F) reported at exit: 100 days in a row are 10 days over 90."""
    stay = [Stay(DAY - days(99), DAY)]
    decision = decide(check(direction=Direction.EXIT, history=stay))
    assert decision.outcome is Outcome.REFER
    assert codes(decision) == ["F"]
    assert decision.overstay_days == 10
    assert decision.latest_exit is None


def test_an_overstay_of_an_earlier_stay_is_not_reported_at_a_later_lawful_exit() -> None:
    """Art. 6(1)-(2) looks back 180 days from each day of stay: leaving on 1 March 2027 after
    10 days, nothing of the 2020 overstay is in any window of this stay, and the exit does not
    "end" that overstay, which ended with the exit of 30 April 2020. ``overstay_days`` still
    counts it: by the CLI contract it is the days of the whole history given over the limit."""
    stays = [Stay(date(2020, 1, 1), date(2020, 4, 30)), Stay(DAY - days(9), DAY)]
    decision = decide(check(direction=Direction.EXIT, history=stays))
    assert decision.outcome is Outcome.ADMIT, decision.reasons
    assert decision.reasons == ()
    assert decision.overstay_days == 31


def test_an_exit_is_never_refused_even_without_a_permit_or_a_valid_passport() -> None:
    """Exits are never refused (a person leaving may only be referred)."""
    doc = document(expiry=DAY - days(30))
    decision = decide(check(doc, direction=Direction.EXIT, history=[Stay(DAY - days(5), DAY)]))
    assert decision.outcome is not Outcome.REFUSE


def test_an_exit_with_a_failing_machine_readable_zone_is_referred_b() -> None:
    decision = decide(check(tampered(document()), direction=Direction.EXIT))
    assert decision.outcome is Outcome.REFER
    assert "B" in codes(decision)


# -- the shipped regimes -----------------------------------------------------------------------


def test_stateless_persons_need_the_common_visa_under_the_union_draft() -> None:
    decision = decide(check(document("XXA")))
    assert decision.category is Category.VISA
    assert codes(decision) == ["C"]


def test_a_refusal_gives_no_latest_exit_even_when_the_stay_would_allow_one() -> None:
    decision = decide(check(document(expiry=FAR)))  # no authorisation
    assert decision.outcome is Outcome.REFUSE
    assert decision.latest_exit is None


# -- a common visa admits a nationality that needs only an authorisation (issue 11) ---------


def test_an_authorisation_national_with_a_valid_visa_and_no_authorisation_is_admitted() -> None:
    """A valid common visa admits any non-member nationality the regime admits at all: it
    stands in for the travel authorisation, its duration of stay limiting the stay."""
    decision = decide(check(document("USA"), visas=[visa()]))
    assert decision.category is Category.AUTHORIZATION
    assert decision.outcome is Outcome.ADMIT, decision.reasons
    assert decision.latest_exit == DAY + days(29)


def test_an_authorisation_national_with_an_expired_visa_and_no_authorisation_is_refused_c() -> None:
    decision = decide(check(document("USA"), visas=[visa(valid_to=DAY - days(1))]))
    assert decision.outcome is Outcome.REFUSE
    assert codes(decision) == ["C"]
    assert "travel authorisation" in decision.reasons[0].message


def test_an_authorisation_national_with_a_visa_for_another_passport_is_refused_c() -> None:
    decision = decide(check(document("USA"), visas=[visa(document_number="OTHER0001")]))
    assert codes(decision) == ["C"]


def test_an_authorisation_national_with_both_stays_as_long_as_either_allows() -> None:
    """With a valid authorisation too, the visa's shorter duration of stay does not shorten
    the stay the authorisation allows."""
    decision = decide(check(document("USA"), visas=[visa()], authorizations=authorised()))
    assert decision.outcome is Outcome.ADMIT
    assert decision.latest_exit == DAY + days(89)
