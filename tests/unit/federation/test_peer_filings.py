"""What a peer's consultation, decision or internal-check record may say for this node to
apply it (``cta.domain.peer_filings``, the sweep of session 15): as the node's own API says
it, every other record refused with the field named. Pure: no store."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from cta.domain.consultations import GROUNDS_MOST, sent_grounds
from cta.domain.crossing_points import CrossingPoint
from cta.domain.errors import InvalidInputError
from cta.domain.peer_filings import (
    application_decision,
    consultation_answer,
    consultation_request,
    hit_decision,
    reintroduction,
    territories,
    words,
)
from cta.domain.peer_records import PeerRecordError
from cta.domain.typed_text import RECORD_TEXT_BYTES, check_typed, text_bytes, typed_problem
from cta.federation.records import MAX_PAYLOAD_BYTES, encode_checked
from cta.policy.crossing_points import load_crossing_points

MEMBERS = frozenset({"ARM", "AZE", "GEO"})
CODES = frozenset({"ARM", "AZE", "GEO", "USA", "GBR"})
SEALED = datetime(2027, 6, 10, 12, 0, tzinfo=UTC)
POINTS = load_crossing_points()


def point(code: str) -> CrossingPoint | None:
    return POINTS.get(code)


def request(**changes: Any) -> dict[str, Any]:
    return {"ref": "ARM-C-1", "application": "ARM-0A1B2C3D4E5F", "kind": "visa",
            "asking_state": "ARM", "consulted_state": "AZE", "question": "Any objection?\n",
            "grounds": [{"code": "alert_hit", "message": ""}],
            "applicant": {"surname": "TESTER", "document": {"issuing_state": "GBR",
                                                            "number": "S1"}},
            "asked_at": "2027-06-10T11:00:00+00:00",
            "due_at": "2027-06-17T11:00:00+00:00"} | changes  # fmt: skip


def refused(call: Any, words_expected: str) -> None:
    with pytest.raises(PeerRecordError) as caught:
        call()
    assert words_expected in str(caught.value)


def test_typed_text_may_hold_lines_but_no_other_control_character() -> None:
    assert words("one line\r\nand another\tindented", "reason", most=100) == (
        "one line\r\nand another\tindented")
    refused(lambda: words("red\x1b[31m", "reason", most=100), "reason: '\\x1b' at position 4")
    refused(lambda: words("evil\u202e", "reason", most=100), "'\\u202e' at position 5")
    refused(lambda: words(" \n ", "reason", most=100), "reason: blank")
    assert words("", "message", most=100, least=0) == ""


@given(st.characters(codec="utf-8").filter(
    lambda c: c not in "\t\n\r" and unicodedata.category(c) in {"Cc", "Cf", "Co", "Zl", "Zp"}))
def test_any_other_control_or_invisible_character_is_refused(char: str) -> None:
    refused(lambda: words(f"a{char}b", "question", most=10), "question:")


def test_a_consultation_request_as_the_asking_nodes_api_makes_it() -> None:
    asked = consultation_request(request(), origin="ARM", members=MEMBERS)
    assert (asked.ref, asked.consulted_state, asked.due_at) == (
        "ARM-C-1", "AZE", datetime(2027, 6, 17, 11, 0, tzinfo=UTC))
    for changes, why in [
        ({"ref": "GEO-C-1"}, "ref: 'GEO-C-1' is not one of ARM's consultations"),
        ({"asking_state": "GEO"}, "asking_state: 'GEO' is not ARM"),
        ({"consulted_state": "ARM"}, "consulted_state: 'ARM' is not a member state ARM may"),
        ({"application": "GEO-1"}, "application: 'GEO-1' is not one of ARM's applications"),
        ({"grounds": "abc"}, "grounds: a list of {code, message}"),
        ({"grounds": [{"code": "x"}]}, "grounds: a list of {code, message}"),
        ({"applicant": ["TESTER"]}, "applicant: an object"),
        ({"applicant": {"surname": "A\u0000"}}, "applicant.surname: '\\x00'"),
        ({"due_at": "2027-06-18T11:00:01+00:00"}, "due_at: 2027-06-18T11:00:01+00:00 is not "
                                                  "within the 168 hours"),
        ({"asked_at": "2027-06-10T11:00:00"}, "asked_at: '2027-06-10T11:00:00' is not a time"),
        ({"kind": "permit"}, "kind: 'permit' is not one of"),
    ]:  # fmt: skip
        refused(lambda c=changes: consultation_request(request(**c), origin="ARM",
                                                       members=MEMBERS), why)  # fmt: skip


def test_an_answer_to_another_members_consultation_with_reasons_in_words() -> None:
    said = consultation_answer({"ref": "AZE-C-4", "opinion": "negative", "reasons": ["no"],
                                "at": "2027-06-10T11:00:00+02:00"}, origin="ARM",
                               members=MEMBERS)  # fmt: skip
    assert (said.asker, said.opinion, said.at) == ("AZE", "negative",
                                                   datetime(2027, 6, 10, 9, tzinfo=UTC))
    answer = {"ref": "AZE-C-4", "opinion": "positive", "reasons": [], "at": "2027-06-10T11:00:00Z"}
    for changes, why in [
        ({"ref": "ARM-C-4"}, "ref: ARM-C-4 is ARM's own consultation"),
        ({"ref": "XYZ-C-4"}, "ref: 'XYZ-C-4' is not a member's consultation"),
        ({"reasons": "abc"}, "reasons: a list of at most 20 texts"),
        ({"reasons": ["ok", 1]}, "reasons[1]: 1 is not text"),
        ({"opinion": "maybe"}, "opinion: 'maybe' is not one of negative, positive"),
        ({"at": "0001-01-01T00:00:00+14:00"}, "at: 0001-01-01T00:00:00+14:00 is outside"),
    ]:  # fmt: skip
        refused(lambda c=changes: consultation_answer(answer | c, origin="ARM",
                                                      members=MEMBERS), why)  # fmt: skip


def decision(**changes: Any) -> dict[str, Any]:
    return {"number": "ARM-1", "kind": "authorization", "outcome": "refused",
            "reasons": [{"code": "security_risk", "message": "a risk"}],
            "decided_at": "2027-06-10T11:00:00+00:00",
            "holder": {"issuing_state": "USA", "document_number": "Z1", "nationality": "USA",
                       "surname": "TESTER", "birth_date_raw": "800101"}} | changes  # fmt: skip


def test_a_decision_on_one_of_the_origins_own_applications() -> None:
    assert application_decision(decision(), origin="ARM", codes=CODES).number == "ARM-1"
    allowed = application_decision(decision(outcome="appeal_allowed", reasons=[]),
                                   origin="ARM", codes=CODES)  # fmt: skip
    assert allowed.reasons == []
    for changes, why in [
        ({"number": "GEO-A-1"}, "number: 'GEO-A-1' is not one of ARM's applications"),
        ({"number": "ARM-" + "1" * 17}, "number: 21 characters, not 1 to 20"),
        ({"reasons": []}, "reasons: a list of {code, message} (1 to 50)"),
        ({"outcome": "granted"}, "outcome: 'granted' is not one of"),
        ({"holder": {"issuing_state": "USA"}}, "holder.nationality: None is not a country"),
        ({"decided_at": "9999-12-31T23:59:59-12:00"}, "decided_at: 9999-12-31T23:59:59-12:00"),
    ]:  # fmt: skip
        refused(lambda c=changes: application_decision(decision(**c), origin="ARM",
                                                       codes=CODES), why)  # fmt: skip


def test_a_hit_decision_on_any_members_alert_as_the_api_takes_it() -> None:
    hit = {"alert_id": "AZE-1", "alert_version": 2, "decision": "confirmed",
           "issuing_state": "USA", "document_number": "Z1", "officer": "officer.evn.01"}
    found = hit_decision(hit, sealed_at=SEALED, codes=CODES)  # older: no reason, no time
    assert (found.alert_id, found.reason, found.at) == ("AZE-1", "", SEALED)
    for changes, why in [
        ({"alert_id": "AZE 1"}, "alert_id: 'AZE 1' is not an alert id"),
        ({"alert_version": True}, "alert_version: True is not an alert's version"),
        ({"decision": "maybe"}, "decision: 'maybe' is not one of"),
        ({"officer": ""}, "officer: 0 characters, not 1 to 100"),
        ({"reason": "\u0007"}, "reason: '\\x07' at position 1"),
    ]:  # fmt: skip
        refused(lambda c=changes: hit_decision(hit | c, sealed_at=SEALED, codes=CODES), why)


def checks(**changes: Any) -> dict[str, Any]:
    return {"id": "ARM-IC-1", "state": "ARM", "crossing_points": ["ARM-BAGRATASHEN"],
            "from": "2027-06-12", "to": "2027-07-01", "ground": "a threat",
            "prolongations": [], "ended_on": None} | changes  # fmt: skip


def test_a_reintroduction_as_declare_prolong_and_end_leave_it() -> None:
    r = reintroduction(checks(), kind="InternalChecksDeclared", origin="ARM", point=point)
    assert (r.points, r.first, r.last) == (("ARM-BAGRATASHEN",), date(2027, 6, 12),
                                           date(2027, 7, 1))
    # ended while still planned: its end comes before its first day, as ``end`` leaves it
    early = reintroduction(checks(ended_on="2027-06-11"), kind="InternalChecksEnded",
                           origin="ARM", point=point)  # fmt: skip
    assert early.final_day == date(2027, 6, 10)
    prolonged = [{"to": "2027-07-31", "ground": "still"}, {"to": "2027-07-30", "ground": "x"}]
    for kind, changes, why in [
        ("InternalChecksEnded", {"ended_on": "2027-07-02"}, "ended_on: 2027-07-02 is after its "
                                                            "last day 2027-07-01"),
        ("InternalChecksEnded", {}, "ended_on: missing"),
        ("InternalChecksDeclared", {"ended_on": "2027-06-20"}, "ended_on: 2027-06-20 in a "
                                                               "InternalChecksDeclared"),
        ("InternalChecksProlonged", {}, "prolongations: none in an InternalChecksProlonged"),
        ("InternalChecksProlonged", {"prolongations": prolonged},
         "prolongations[1].to: 2027-07-30 does not prolong"),
        ("InternalChecksDeclared", {"crossing_points": ["ARM-GOGAVAN", "ARM-GOGAVAN"]},
         "crossing_points[1]: ARM-GOGAVAN is named twice"),
        ("InternalChecksDeclared", {"crossing_points": ["NOWHERE"]},
         "crossing_points[0]: 'NOWHERE' is not a known crossing point"),
        ("InternalChecksDeclared", {"id": "GEO-IC-1"}, "id: 'GEO-IC-1' is not one of ARM's"),
        ("InternalChecksDeclared", {"ground": " "}, "ground: blank"),
        ("InternalChecksRevoked", {}, "kind: 'InternalChecksRevoked' is not one of"),
    ]:  # fmt: skip
        refused(lambda k=kind, c=changes: reintroduction(checks(**c), kind=k, origin="ARM",
                                                         point=point), why)  # fmt: skip


def test_a_reintroductions_kind_is_one_the_union_names_and_absent_is_the_one_of_old() -> None:
    """The 2024 amendment's kinds: a record sent before kinds has none (``default``); a kind
    the union regime does not name, or not a kind's name at all, is kept but not applied."""
    known = ("default", "foreseeable", "unforeseeable")
    assert reintroduction(checks(), kind="InternalChecksDeclared", origin="ARM", point=point,
                          check_kinds=known).kind == "default"  # fmt: skip
    assert reintroduction(checks(kind=None), kind="InternalChecksDeclared", origin="ARM",
                          point=point, check_kinds=known).kind == "default"  # fmt: skip
    assert reintroduction(checks(kind="unforeseeable"), kind="InternalChecksDeclared",
                          origin="ARM", point=point, check_kinds=known).kind == "unforeseeable"
    for value, why in [
        ("martial_law", "kind: 'martial_law' is not a kind of reintroduction the union regime "
                        "names (default, foreseeable, unforeseeable)"),
        ("Foreseeable", "kind: 'Foreseeable' is not a kind"),
        (7, "kind: 7 is not text"),
        ("", "kind: 0 characters, not 1 to 40"),
    ]:  # fmt: skip
        refused(lambda v=value: reintroduction(checks(kind=v), kind="InternalChecksDeclared",
                                               origin="ARM", point=point, check_kinds=known),
                why)  # fmt: skip


def test_a_limited_territorial_validity_names_member_states_only() -> None:
    assert territories(None, MEMBERS) is None
    assert territories(["ARM", "GEO"], MEMBERS) == ["ARM", "GEO"]
    refused(lambda: territories(["XYZ"], MEMBERS), "territorial_validity[0]: 'XYZ' is not a "
                                                   "member state (ARM, AZE, GEO)")  # fmt: skip
    refused(lambda: territories([], MEMBERS), "territorial_validity: a list of member states")
    refused(lambda: territories("ARM", MEMBERS), "territorial_validity: a list")


# -- what this node's own officers type is what its peers take (the sweep of session 16) ----


@given(st.text(max_size=40))
def test_text_an_officer_may_type_here_is_text_every_peer_takes(value: str) -> None:
    """``check_typed`` at the node that files it and ``words`` at its peers are one rule: a
    soft hyphen typed here was taken, and every peer refused the record it went out in."""
    assume(value.strip())
    try:
        taken = words(value, "reason", most=2000) == value
    except PeerRecordError:
        taken = False
    assert (typed_problem(value, "reason") is None) == taken
    if not taken:
        with pytest.raises(InvalidInputError, match=r"reason: .* at position"):
            check_typed(value, "reason")


def test_the_grounds_an_automatic_consultation_sends_are_grounds_the_member_consulted_takes(
) -> None:
    """A past decision's reasons joined made a message of 2,050 characters, and the member
    consulted refused the request: it never heard of the consultation, which lapsed as "no
    objection". What is sent is cut to what is taken, and says how much was left out."""
    many = [{"code": "refusal_of_entry", "message": "x" * 2050 + "\u200b\x00"}] * 70
    sent = sent_grounds(many, room=10**6)
    assert len(sent) == GROUNDS_MOST and sent[-1]["message"].startswith("21 more grounds")
    assert len(sent[0]["message"]) == 2000 and sent[0]["message"].endswith("…")
    asked = consultation_request(request(grounds=sent), origin="ARM", members=MEMBERS)
    assert asked.grounds == sent
    quoted = sent_grounds([{"code": "alert_hit", "message": "alert ARM-1\x1b: 'A\u202eB'\n"}])
    assert quoted == [{"code": "alert_hit", "message": "alert ARM-1\\x1b: 'A\\u202eB'\n"}]
    assert sent_grounds([{"code": "alert_hit", "message": "a hit"}]) == [
        {"code": "alert_hit", "message": "a hit"}]


@pytest.mark.parametrize("letter", ["x", "ა", "\"", "😀"])
def test_the_grounds_of_one_consultation_fit_one_record(letter: str) -> None:
    """50 grounds of 2,000 characters made a record of 100 KB (300 KB in Georgian), over the
    64 KiB a record holds: the node's sealer refused it at every round, and none of the
    node's later records was sealed (the sweep of session 17). The grounds stop where the
    record's room for text ends, the last saying how many more there are."""
    sent = sent_grounds([{"code": "past_application", "message": letter * 2000}] * 50)
    assert text_bytes(g[k] for g in sent for k in g) <= RECORD_TEXT_BYTES
    kept = len(sent) - 1
    assert 0 < kept < 49 and sent[-1]["code"] == "more"
    assert sent[-1]["message"].startswith(f"{50 - kept} more grounds")
    payload = {"question": "q" * 2000, "grounds": sent}
    assert len(encode_checked(payload)) <= MAX_PAYLOAD_BYTES
