"""A hostile peer's signed consultations, decisions and internal checks on SQLite and
PostgreSQL (the sweep of session 15, S15-A1, A5, A6, B1, B2, B3): a record the node's own API
would not take is kept, not applied, with the field named; nothing else is written; the chain
goes on (a later honest record of the same origin is applied); the pages that answered 500
(the consultations, the internal checks) answer."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cta.adapters.storage import tables as t
from cta.domain.instants import rfc3339
from cta.federation.records import GENESIS_HASH, Record, seal
from cta.services import federation_apply
from cta.services.consultations import ApplicationSummary, Consultations
from tests.integration.test_federation_amendments import ADMIN, CONSUL, NOW, Member, member
from tests.unit.federation.helpers import KEYS

ASKED = NOW - timedelta(hours=1)
APPLICANT = {"surname": "TESTER", "given_names": "ANNA", "birth_date": "1980-01-05",
             "nationality": "GBR", "document": {"issuing_state": "GBR", "number": "S00000001"}}
HOSTILE_TEXT = "<script>alert(1)</script>\u0000\u001b[31m\u202eevil"


@pytest.fixture
def aze(database_url: str) -> Iterator[Member]:
    found = member(database_url, "AZE")
    yield found
    found.node.store.engine.dispose()  # type: ignore[attr-defined]


class Arm:
    """ARM's chain as AZE pulls it: each ``send`` seals the next records and AZE ingests
    them; the reasons AZE did not apply them, by seq."""

    def __init__(self, aze: Member) -> None:
        self.aze, self.seq, self.prev = aze, 0, GENESIS_HASH

    def send(self, *facts: tuple[str, dict[str, Any]]) -> dict[int, str | None]:
        records: list[Record] = []
        for kind, payload in facts:
            self.seq += 1
            records.append(seal("ARM", self.seq, NOW + timedelta(minutes=self.seq), kind,
                                payload, self.prev, KEYS["ARM"]))  # fmt: skip
            self.prev = records[-1].hash
        result = self.aze.federation.ingest("ARM", records)
        assert result.rejection is None, result.rejection
        assert (result.stored, result.head_seq) == (len(records), self.seq)  # the chain goes on
        seqs = [r.seq for r in records]
        return {r["seq"]: r["not_applied"] for r in table(self.aze, "records")
                if r["origin"] == "ARM" and r["seq"] in seqs}  # fmt: skip


def table(m: Member, name: str) -> list[dict[str, Any]]:
    engine = m.node.store.engine  # type: ignore[attr-defined]
    with engine.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(select(t.metadata.tables[name]))]


def counts(m: Member, *names: str) -> dict[str, int]:
    return {name: len(table(m, name)) for name in names}


def assert_not_applied(why: dict[int, str | None], expected: list[str]) -> None:
    """Every record not applied, each for the reason expected (its field named), in order."""
    got = [why[seq] for seq in sorted(why)]
    assert all(reason is not None for reason in got), got
    for reason, words in zip(got, expected, strict=True):
        assert reason is not None and words in reason, (reason, words)


def request(ref: str = "ARM-C-1", **changes: Any) -> dict[str, Any]:
    """ARM consults AZE on ARM's application, as ARM's node would."""
    return {"ref": ref, "application": "ARM-0A1B2C3D4E5F", "kind": "authorization",
            "asking_state": "ARM", "consulted_state": "AZE",
            "question": "ARM's alert hit: does AZE object?",
            "grounds": [{"code": "alert_hit", "message": "a hit"}], "applicant": APPLICANT,
            "asked_at": rfc3339(ASKED),
            "due_at": rfc3339(ASKED + timedelta(hours=60))} | changes  # fmt: skip


def test_a_consultation_request_the_api_would_refuse_is_not_applied(aze: Member) -> None:
    """S15-A1, A6, B1: a ref filed already, over-long text, control characters, grounds not
    a list of {code, message}, times without offset or out of range, due before asked, a
    state that is no member; the honest request before and after them filed, the queue read."""
    arm = Arm(aze)
    assert arm.send(("ConsultationRequested", request())) == {1: None}
    before = counts(aze, "consultations", "persons")
    why = arm.send(
        ("ConsultationRequested", request(question="another question")),
        ("ConsultationRequested", request("ARM-C-" + "9" * 54)),
        ("ConsultationRequested", request("ARM-C-\u0000")),
        ("ConsultationRequested", request("GEO-C-7")),
        ("ConsultationRequested", request("ARM-C-2", question=HOSTILE_TEXT)),
        ("ConsultationRequested", request("ARM-C-2", question="why? " * 12_000)),
        ("ConsultationRequested", request("ARM-C-2", grounds="abc")),
        ("ConsultationRequested", request("ARM-C-2", grounds=[1, None, {}])),
        ("ConsultationRequested", request("ARM-C-2", application="A" * 100)),
        ("ConsultationRequested", request("ARM-C-2", asked_at="2027-06-10T00:00:00")),
        ("ConsultationRequested", request("ARM-C-2", due_at="2027-W23-4")),
        ("ConsultationRequested", request("ARM-C-2", due_at="1990-01-01T00:00:00+00:00")),
        ("ConsultationRequested", request("ARM-C-2", consulted_state="XXX")),
        ("ConsultationRequested", request("ARM-C-2", asked_at="0001-01-01T00:00:00+14:00")),
        ("ConsultationRequested", request("ARM-C-2", due_at="9999-12-31T23:59:59-12:00")),
    )
    assert_not_applied(why, [
        "ref: ARM-C-1 is filed already", "ref: 60 characters", "ref: '\\x00' at position 7",
        "ref: 'GEO-C-7' is not one of ARM's consultations", "question: '\\x00' at position 26",
        "question: 60000 characters", "grounds: a list of {code, message}",
        "grounds: a list of {code, message}", "application: 100 characters",
        "asked_at: '2027-06-10T00:00:00' is not a time", "due_at: '2027-W23-4'",
        "due_at: 1990-01-01T00:00:00+00:00 is not within the 60 hours",
        "consulted_state: 'XXX' is not a member state", "asked_at: 0001-01-01T00:00:00+14:00 "
        "is outside 1900–2999", "due_at: 9999-12-31T23:59:59-12:00 is outside 1900–2999",
    ])  # fmt: skip
    assert counts(aze, "consultations", "persons") == before  # nothing else written
    # the same request again (a redelivery) is applied as it was; then an honest one
    assert arm.send(("ConsultationRequested", request()),
                    ("ConsultationRequested", request("ARM-C-2"))) == {17: None, 18: None}
    queue = Consultations(aze.node).asked_of_us(CONSUL, open_only=False, after=0, limit=50)
    assert [c["ref"] for c in queue["consultations"]] == ["ARM-C-1", "ARM-C-2"]
    assert queue["consultations"][0]["question"] == "ARM's alert hit: does AZE object?"


def test_an_answer_the_api_would_refuse_or_a_second_one_is_not_applied(aze: Member) -> None:
    """S15-A6, B1: AZE asked ARM; ARM's answers with reasons as a string, a time of year 1,
    no reasons for a negative opinion, or to a consultation AZE did not ask of ARM, are not
    applied; the honest answer is, once; the consultation and its application's file read."""
    consultations = Consultations(aze.node)
    summary = ApplicationSummary("AZE-02AF3A1C3192", "authorization", "AZE", APPLICANT, None)
    with aze.node.store.transaction() as tx:
        asked = consultations.request(tx, summary, "ARM", "ARM's refusal?", [], asked_by=None)
        other = consultations.request(tx, summary, "GEO", "GEO's alert?", [], asked_by=None)
    ref = asked["ref"]

    def answer(**changes: Any) -> dict[str, Any]:
        return {"ref": ref, "opinion": "negative", "reasons": ["a refuse-entry alert"],
                "at": rfc3339(NOW + timedelta(minutes=1))} | changes  # fmt: skip

    arm = Arm(aze)
    why = arm.send(
        ("ConsultationAnswered", answer(reasons="abc")),
        ("ConsultationAnswered", answer(at="0001-01-01T00:00:00+14:00")),
        ("ConsultationAnswered", answer(reasons=[])),
        ("ConsultationAnswered", answer(reasons=["\u0000\u001b"])),
        ("ConsultationAnswered", answer(ref=other["ref"])),
        ("ConsultationAnswered", answer(ref="AZE-C-999")),
    )
    assert_not_applied(why, [
        "reasons: a list of at most 20 texts", "at: 0001-01-01T00:00:00+14:00 is outside",
        "reasons: a negative opinion gives its reasons", "reasons[0]: '\\x00' at position 1",
        f"ARM answered consultation {other['ref']}, which asks GEO",
        "ref: consultation AZE-C-999 is not on this node",
    ])  # fmt: skip
    assert consultations.one(CONSUL, ref)["opinion"] is None  # nothing written
    assert arm.send(("ConsultationAnswered", answer())) == {7: None}
    assert_not_applied(arm.send(("ConsultationAnswered", answer(opinion="positive"))),
                       [f"ref: consultation {ref} was answered already (negative)"])
    assert arm.send(("ConsultationAnswered", answer())) == {9: None}  # a redelivery
    shown = consultations.one(CONSUL, ref)
    assert (shown["opinion"], shown["reasons"]) == ("negative", ["a refuse-entry alert"])
    with aze.node.store.transaction(read_only=True) as tx:
        [filed, _] = sorted(consultations.of_application(tx, summary.number),
                            key=lambda c: c["ref"] != ref)  # fmt: skip
    assert filed["state"] == "answered"


def reintroduction(kind: str = "InternalChecksDeclared", **changes: Any) -> dict[str, Any]:
    return {"id": "ARM-IC-1", "state": "ARM", "crossing_points": ["ARM-BAGRATASHEN"],
            "from": "2027-06-12", "to": "2027-07-01", "ground": "serious threat to public "
            "policy", "prolongations": [], "ended_on": None} | changes  # fmt: skip


def test_an_internal_check_record_the_api_would_refuse_is_not_applied(aze: Member) -> None:
    """S15-A5, B2: an end on 0001-01-01 (the list answered 500), no points, another state's
    point or an external one, days out of 1900-2999 or in the wrong order or form, text with
    control characters or too long, ids too long or holding NUL; then the honest declaration
    is filed and the list reads."""
    arm = Arm(aze)
    prolonged = [{"to": "2027-07-02", "ground": "still"}]
    why = arm.send(
        ("InternalChecksEnded", reintroduction(ended_on="0001-01-01")),
        ("InternalChecksDeclared", reintroduction(crossing_points=[])),
        ("InternalChecksDeclared", reintroduction(crossing_points=["GEO-SADAKHLO"])),
        ("InternalChecksDeclared", reintroduction(crossing_points=["ARM-EVN"])),
        ("InternalChecksDeclared", reintroduction(**{"from": "0001-01-01", "to": "9999-12-31"})),
        ("InternalChecksDeclared", reintroduction(to="2027-06-01")),
        ("InternalChecksDeclared", reintroduction(**{"from": "20270612"})),
        ("InternalChecksDeclared", reintroduction(ground=HOSTILE_TEXT)),
        ("InternalChecksProlonged", reintroduction(ground="x" * 30_000, prolongations=[
            {"to": f"2027-07-{d:02}", "ground": "x"} for d in range(2, 32)] * 17)),
        ("InternalChecksDeclared", reintroduction(id="ARM-IC-" + "1" * 53)),
        ("InternalChecksDeclared", reintroduction(id="ARM-IC-\u0000")),
        ("InternalChecksProlonged", reintroduction(prolongations=[
            {"to": "9999-12-31", "ground": "for ever"}])),
        ("InternalChecksDeclared", reintroduction(state="GEO")),
        ("InternalChecksDeclared", reintroduction(prolongations=prolonged)),
    )
    assert_not_applied(why, [
        "ended_on: 0001-01-01 is outside 1900–2999",
        "crossing_points: a list of 1 to 50 of ARM's internal crossing points",
        "GEO-SADAKHLO is not an internal crossing point of ARM",
        "ARM-EVN is not an internal crossing point of ARM", "from: 0001-01-01 is outside",
        "to: 2027-06-01 is before from 2027-06-12", "from: '20270612' is not a date",
        "ground: '\\x00' at position 26", "ground: 30000 characters",
        "id: 60 characters", "id: '\\x00' at position 8",
        "prolongations[0].to: 9999-12-31 is outside",
        "state: 'GEO' is not ARM", "prolongations: a declaration has none",
    ])  # fmt: skip
    assert table(aze, "internal_checks") == []  # nothing else written
    assert aze.node.list_internal_checks(ADMIN)["internal_checks"] == []  # no 500
    assert arm.send(("InternalChecksDeclared", reintroduction()),
                    ("InternalChecksProlonged", reintroduction(prolongations=prolonged)),
                    ("InternalChecksDeclared", reintroduction(ground="another ground"))) == {
        15: None, 16: None, 17: "id: ARM-IC-1 is filed already, with other content"}
    [shown] = aze.node.list_internal_checks(ADMIN)["internal_checks"]
    assert (shown["id"], shown["last_day"]) == ("ARM-IC-1", "2027-07-02")


def decided(number: str = "ARM-0A1B2C3D4E5F", **changes: Any) -> dict[str, Any]:
    holder = {"issuing_state": "USA", "document_number": "Z12345678", "nationality": "USA",
              "surname": "TESTER", "birth_date_raw": "800101"}
    return {"number": number, "kind": "authorization", "outcome": "refused",
            "reasons": [{"code": "security_risk", "message": "a risk"}],
            "decided_at": rfc3339(NOW), "holder": holder} | changes  # fmt: skip


def test_an_application_decision_the_api_would_not_make_is_not_applied(aze: Member) -> None:
    """S15-B3: a number too long or of another member, a kind of no application, a holder's
    state of four letters or a surname with control characters, reasons not {code, message},
    the same number refused twice; the honest refusal filed once."""
    arm = Arm(aze)
    holder = decided()["holder"]
    assert arm.send(("ApplicationDecided", decided())) == {1: None}
    why = arm.send(
        ("ApplicationDecided", decided("ARM-" + "A" * 26)),
        ("ApplicationDecided", decided("GEO-A-1")),
        ("ApplicationDecided", decided("ARM-2", kind="bananabananaba")),
        ("ApplicationDecided", decided("ARM-2", holder=holder | {"issuing_state": "XXXX"})),
        ("ApplicationDecided", decided("ARM-2", holder=holder | {"surname": HOSTILE_TEXT})),
        ("ApplicationDecided", decided("ARM-2", reasons=[1, None, "x"])),
        ("ApplicationDecided", decided(reasons=[{"code": "other", "message": "again"}])),
    )
    assert_not_applied(why, [
        "number: 30 characters", "number: 'GEO-A-1' is not one of ARM's applications",
        "kind: 'bananabananaba'", "holder.issuing_state: 'XXXX'",
        "holder.surname: '\\x00' at position 26", "reasons: a list of {code, message}",
        "number: ARM-0A1B2C3D4E5F is filed already (refused)",
    ])  # fmt: skip
    assert arm.send(("ApplicationDecided", decided())) == {9: None}  # a redelivery
    assert [r["number"] for r in table(aze, "application_decisions")] == ["ARM-0A1B2C3D4E5F"]


def hit(**changes: Any) -> dict[str, Any]:
    return {"alert_id": "AZE-1", "alert_version": 1, "decision": "dismissed",
            "issuing_state": "USA", "document_number": "Z12345678",
            "officer": "officer.evn.01", "reason": "not the person",
            "at": rfc3339(NOW)} | changes  # fmt: skip


def permit(**changes: Any) -> dict[str, Any]:
    document = {"document_code": "P", "issuing_state": "USA", "document_number": "Z12345678",
                "surname": "TESTER", "given_names": "ANNA", "nationality": "USA",
                "birth_date": "1980-01-01", "birth_date_raw": "800101", "sex": "F",
                "expiry_date": "2032-01-01"}
    return {"document": document, "valid_from": "2027-06-10",
            "valid_to": "2028-06-09"} | changes  # fmt: skip


def test_a_hit_decision_or_a_permit_the_api_would_refuse_is_not_applied(aze: Member) -> None:
    """S15-B3: a hit decision with an officer, a document number or an alert id too long, a
    reason with NUL, a state of four letters, a time without offset; a permit valid in a
    state that is no member. A decision on another member's alert is honest (an officer
    decides on the alerts that hit at their border, whoever issued them) and is filed."""
    arm = Arm(aze)
    why = arm.send(
        ("AlertHitDecided", hit(officer="o" * 150)),
        ("AlertHitDecided", hit(reason="<script>\u0000")),
        ("AlertHitDecided", hit(issuing_state="XXXX")),
        ("AlertHitDecided", hit(document_number="9" * 40)),
        ("AlertHitDecided", hit(alert_id="A" * 200)),
        ("AlertHitDecided", hit(at="9999-12-31T00:00:00")),
        ("AuthorizationIssued", permit(territorial_validity=["XYZ"])),
    )
    assert_not_applied(why, [
        "officer: 150 characters", "reason: '\\x00' at position 9",
        "issuing_state: 'XXXX' is not a country code", "document_number: 40 characters",
        "alert_id: 200 characters", "at: '9999-12-31T00:00:00' is not a time",
        "territorial_validity[0]: 'XYZ' is not a member state",
    ])  # fmt: skip
    assert counts(aze, "alert_decisions", "authorizations", "persons", "documents") == {
        "alert_decisions": 0, "authorizations": 0, "persons": 0, "documents": 0}
    assert arm.send(("AlertHitDecided", hit()),
                    ("AuthorizationIssued", permit(territorial_validity=["ARM"]))) == {
        8: None, 9: None}
    [decision] = table(aze, "alert_decisions")
    assert (decision["alert_id"], decision["origin"]) == ("AZE-1", "ARM")
    [authorization] = table(aze, "authorizations")
    assert authorization["territorial_validity"] == "ARM"


def test_a_value_the_database_refuses_is_the_records_fault_and_undoes_its_writes(
    aze: Member, database_url: str, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The backstop (S15-A1): a value that passes the checks but not the database
    (PostgreSQL refuses one too long for its column; SQLite stores any) is a fault of that
    record: kept, not applied, the error's class named, the person and document it filed
    before undone; the next record of the batch is applied and the chain goes on."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite stores a value longer than its column")
    # as if the check of territorial validity let a value through that its column cannot hold
    too_many = [f"A{n:02}" for n in range(20)]  # 79 characters: the column holds 40
    monkeypatch.setattr(federation_apply, "territories", lambda value, members: too_many,
                        raising=False)  # fmt: skip
    arm = Arm(aze)
    why = arm.send(("AuthorizationIssued", permit()), ("AlertHitDecided", hit()))
    assert why == {1: "DataError: the database refused a value of the record "
                      "(StringDataRightTruncation)", 2: None}  # fmt: skip
    assert counts(aze, "authorizations", "persons", "documents", "alert_decisions") == {
        "authorizations": 0, "persons": 0, "documents": 0, "alert_decisions": 1}
