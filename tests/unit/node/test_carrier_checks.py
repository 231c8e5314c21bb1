"""The carriers' use case (``cta.services.carriers``) on the in-memory twin of the store: the
manifest answered in order, permits tied to their document, invalidated documents, the audit.

tests/integration/test_carrier_checks.py runs it through a real server on both databases.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from cta.domain.carriers import Answer
from cta.domain.checks import Direction
from cta.domain.documents import DocumentFields, DocumentType, generate_mrz
from cta.domain.errors import InvalidInputError
from cta.domain.roles import Role
from cta.services.carriers import CarrierCheck, Traveller, check_manifest
from cta.services.node import Actor, ForbiddenError, IssuePermit, Node, RecordCrossing

from .memory_store import MemoryStore

CARRIER = Actor("airline.01", Role.CARRIER, "verification before boarding")
CONSUL = Actor("consul.01", Role.CONSULAR_OFFICER, "visa application")
OFFICER = Actor("officer.01", Role.BORDER_OFFICER, "border control")
ADMIN = Actor("admin.01", Role.ADMIN, "alerts")
TODAY = date(2027, 6, 1)  # the conftest's clock, in Tbilisi
OK, NOT_OK = Answer.OK, Answer.NOT_OK


def mrz(number: str, nationality: str) -> list[str]:
    fields = DocumentFields(DocumentType.TD3, "P", nationality, "TRAVELLER", "ANNA", number,
                            nationality, date(1990, 5, 17), "F", date(2034, 1, 1))  # fmt: skip
    return list(generate_mrz(fields))


def ask(node: Node, *travellers: tuple[str, str, str], on: date | None = None) -> list[Answer]:
    manifest = [Traveller(number, state, nationality) for number, state, nationality in travellers]
    return check_manifest(node, CARRIER, CarrierCheck(manifest, on))


def issue(node: Node, number: str, nationality: str, days: int = 30, **terms: int) -> None:
    node.issue_permit(CONSUL, IssuePermit(mrz(number, nationality), TODAY,
                                          TODAY + timedelta(days=days), **terms))  # fmt: skip


def test_the_manifest_is_answered_in_its_order(node: Node) -> None:
    issue(node, "US1111111", "USA")
    issue(node, "NG2222222", "NGA", duration_days=15, entries=2)
    answers = ask(node, ("US0000000", "USA", "USA"), ("AB1234567", "GEO", "GEO"),
                  ("US1111111", "USA", "USA"), ("NG2222222", "NGA", "NGA"),
                  ("NG3333333", "NGA", "NGA"))  # fmt: skip
    assert answers == [NOT_OK, OK, OK, OK, NOT_OK]


def test_a_permit_holds_for_its_own_document_only(node: Node) -> None:
    issue(node, "US1111111", "USA")
    # the same number from another issuing state is another document
    assert ask(node, ("US1111111", "GBR", "USA"), ("US1111111", "USA", "USA")) == [NOT_OK, OK]


def test_germany_is_d_on_the_document_and_deu_in_a_manifest_finds_it(node: Node) -> None:
    issue(node, "C01X00T47", "D")
    assert ask(node, ("C01X00T47", "D", "D"), ("C01X00T47", "DEU", "DEU")) == [OK, OK]


def test_entries_used_anywhere_count_and_a_later_day_sees_the_visa_expired(node: Node) -> None:
    issue(node, "NG2222222", "NGA", duration_days=15, entries=1)
    assert ask(node, ("NG2222222", "NGA", "NGA")) == [OK]
    assert ask(node, ("NG2222222", "NGA", "NGA"), on=TODAY + timedelta(days=31)) == [NOT_OK]
    node.record(OFFICER, RecordCrossing(mrz("NG2222222", "NGA"), "GEO-TBS", Direction.ENTRY))
    assert ask(node, ("NG2222222", "NGA", "NGA")) == [NOT_OK]


def test_an_invalidated_document_is_not_ok_until_an_officer_dismisses_the_hit(
    node: Node,
) -> None:
    issue(node, "US1111111", "USA")
    alert = {"id": "GEO-DOC-1", "category": "invalidated_document",
             "document_numbers": ["US1111111", "GE5555555"]}  # fmt: skip
    node.put_alerts(ADMIN, [alert])
    assert ask(node, ("US1111111", "USA", "USA"), ("GE5555555", "GEO", "GEO"),
               ("GE5555556", "GEO", "GEO")) == [NOT_OK, NOT_OK, OK]  # fmt: skip
    node.decide_hit(OFFICER, mrz("US1111111", "USA"), "GEO-DOC-1", "dismissed", "not this one")
    assert ask(node, ("US1111111", "USA", "USA")) == [OK]
    node.put_alerts(ADMIN, [alert | {"valid_to": str(TODAY - timedelta(days=1))}])
    assert ask(node, ("GE5555555", "GEO", "GEO")) == [OK]  # no longer in force


def test_only_a_carrier_may_ask_and_a_carrier_may_read_no_file(node: Node) -> None:
    with pytest.raises(ForbiddenError):
        check_manifest(node, OFFICER, CarrierCheck([Traveller("A1", "USA", "USA")]))
    with pytest.raises(ForbiddenError):
        node.traveller_file(CARRIER, 1)


@pytest.mark.parametrize(("size", "field"), [(0, "travellers"), (1001, "travellers")])
def test_a_manifest_is_1_to_1000_travellers(node: Node, size: int, field: str) -> None:
    with pytest.raises(InvalidInputError, match=field):
        check_manifest(node, CARRIER, CarrierCheck([Traveller("A1", "USA", "USA")] * size))


def test_an_unknown_code_is_named_with_its_place_in_the_manifest(node: Node) -> None:
    with pytest.raises(InvalidInputError, match=r"travellers\[1\]\.issuing_state"):
        ask(node, ("A1", "USA", "USA"), ("A2", "ZZZ", "USA"))
    with pytest.raises(InvalidInputError, match=r"travellers\[0\]\.nationality"):
        ask(node, ("A1", "USA", "QQ"))


def test_every_query_and_every_traveller_asked_about_is_audited(
    node: Node, store: MemoryStore
) -> None:
    issue(node, "US1111111", "USA")
    ask(node, ("US1111111", "USA", "USA"), ("US0000000", "USA", "USA"))
    entries = [e for e in store.tables["audit"].values() if e["user_name"] == CARRIER.name]
    query, known, unknown = entries
    assert (query["action"], query["person_id"]) == ("carrier check", None)
    assert query["detail"] | {"query": "-"} == {"query": "-", "on": str(TODAY), "travellers": 2,
                                                "ok": 1, "not_ok": 1}  # fmt: skip
    assert known["action"] == unknown["action"] == "carrier check traveller"
    assert known["person_id"] is not None and unknown["person_id"] is None
    assert known["detail"]["answer"] == "OK" and unknown["detail"]["answer"] == "NOT OK"
    assert {e["detail"]["query"] for e in entries} == {query["detail"]["query"]}
    assert {e["purpose"] for e in entries} == {"verification before boarding"}
