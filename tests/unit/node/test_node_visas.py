"""The common visa on the in-memory twin of the store: a number and an MRZ at issue, the visa
found at the border by its MRZ, a peer's visa record, and entries and days of stay counted over
what every node recorded (over real HTTP on both databases: tests/integration/test_visa_api.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from cta.bootstrap import reference
from cta.domain.checks import Direction, Outcome
from cta.domain.documents import check_digit
from cta.domain.errors import InvalidInputError
from cta.domain.visas import visa_mrz
from cta.services.checks import read_document
from cta.services.node import BorderCheck, IssuePermit, Node
from tests.integration.node_server import passport

from .conftest import NOW
from .memory_store import MemoryStore
from .test_federation_apply import apply, chain
from .test_node_amendments import CONSUL
from .test_node_use_cases import OFFICER

TODAY = NOW.date()


def issue(node: Node, mrz: list[str], **terms: Any) -> dict[str, Any]:
    request = IssuePermit(mrz, terms.pop("valid_from", TODAY - timedelta(days=40)),
                          terms.pop("valid_to", TODAY + timedelta(days=60)),
                          duration_days=terms.pop("duration_days", 30), **terms)  # fmt: skip
    status, body = node.issue_permit(CONSUL, request)
    assert status == 201
    return body


def check(node: Node, mrz: list[str], visa: list[str] | None) -> Any:
    return node.check(OFFICER, BorderCheck(mrz, "GEO-TBS", Direction.ENTRY, visa_mrz=visa))


def test_each_visa_gets_the_next_number_and_its_mrz_goes_to_the_peers(
    node: Node, store: MemoryStore
) -> None:
    first = issue(node, passport("IND"))
    second = issue(node, passport("CHN"), format="MRV-B")
    assert (first["visa_number"], second["visa_number"]) == ("GEO000001", "GEO000002")
    assert [len(line) for line in first["mrz"]] == [44, 44]
    assert [len(line) for line in second["mrz"]] == [36, 36]
    assert first["mrz"][1].startswith("GEO000001" + check_digit("GEO000001") + "IND")
    (record, _) = [r["payload"] for r in store.tables["outbox"].values()]
    assert (record["visa_number"], record["mrz"]) == (first["visa_number"], first["mrz"])
    stored = store.tables["visas"][first["id"]]
    assert (stored["visa_number"], stored["mrz"]) == (first["visa_number"], first["mrz"])


def test_an_authorisation_has_no_visa_number(node: Node) -> None:
    _, body = node.issue_permit(CONSUL, IssuePermit(passport("USA"), TODAY, TODAY))
    assert "visa_number" not in body and "mrz" not in body


def test_the_visas_mrz_beside_the_passport_finds_the_visa_and_its_holder(node: Node) -> None:
    mrz = passport("IND")
    visa = issue(node, mrz)
    outcome = check(node, mrz, visa["mrz"])
    assert outcome.decision.outcome is Outcome.ADMIT, outcome.decision.reasons
    assert outcome.visa is not None
    assert (outcome.visa["visa_number"], outcome.visa["person_id"]) == (
        visa["visa_number"], outcome.person_id)


def test_a_visa_mrz_with_altered_data_refers_with_reason_d(node: Node) -> None:
    mrz = passport("IND")
    lines = issue(node, mrz)["mrz"]
    later = "281231"  # a longer validity, its check digit made right
    forged = [lines[0], lines[1][:21] + later + check_digit(later) + lines[1][28:]]
    outcome = check(node, mrz, forged)
    assert outcome.decision.outcome is Outcome.REFER
    assert [r.code for r in outcome.decision.reasons] == ["D"]
    assert "valid-until date '281231'" in outcome.decision.reasons[0].message


def test_a_visa_mrz_of_no_visa_of_the_area_refers_with_reason_d(node: Node) -> None:
    mrz = passport("IND")
    issue(node, mrz)
    holder = read_document(mrz, on=TODAY, countries=reference().countries)
    unknown = visa_mrz(holder, number="GEO00ZZZZ", state="GEO", valid_to=TODAY, format="MRV-A",
                       today=TODAY)  # fmt: skip
    outcome = check(node, mrz, list(unknown))
    assert outcome.decision.outcome is Outcome.REFER and outcome.visa is None
    assert "GEO00ZZZZ was not issued in the area" in outcome.decision.reasons[0].message


def test_a_passport_sent_as_the_visa_is_an_input_error(node: Node) -> None:
    with pytest.raises(InvalidInputError, match="visa_mrz"):
        check(node, passport("IND"), passport("IND"))


# -- records of the peers -----------------------------------------------------------------------


def at(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), UTC) + timedelta(hours=8)


def crossing(mrz: list[str], direction: str, day: date) -> dict[str, Any]:
    return {"person_id": 1, "direction": direction, "refused": False,
            "crossing_point": "ARM-EVN", "occurred_at": at(day).isoformat(),
            "local_date": day.isoformat(), "decision": "admit", "mrz": mrz}  # fmt: skip


def test_an_entry_recorded_by_a_peer_uses_the_entry_of_a_single_entry_visa(
    node: Node, store: MemoryStore
) -> None:
    mrz = passport("IND")
    visa = issue(node, mrz, entries=1)
    assert check(node, mrz, visa["mrz"]).decision.outcome is Outcome.ADMIT
    apply(store, chain([("CrossingRecorded", crossing(mrz, "entry", TODAY - timedelta(days=20))),
                        ("CrossingRecorded", crossing(mrz, "exit", TODAY - timedelta(days=18)))]))
    decision = check(node, mrz, visa["mrz"]).decision
    assert decision.outcome is Outcome.REFUSE
    assert [(r.code, "allowed 1 entries, all used" in r.message) for r in decision.reasons] == [
        ("C", True)]


def test_days_spent_at_a_peer_count_against_the_visas_duration_of_stay(
    node: Node, store: MemoryStore
) -> None:
    mrz = passport("IND")
    visa = issue(node, mrz, duration_days=10)
    apply(store, chain([("CrossingRecorded", crossing(mrz, "entry", TODAY - timedelta(days=20))),
                        ("CrossingRecorded", crossing(mrz, "exit", TODAY - timedelta(days=14)))]))
    outcome = check(node, mrz, visa["mrz"])
    assert outcome.decision.outcome is Outcome.ADMIT  # 7 of 10 days used, beside 7 of 90
    assert outcome.decision.latest_exit == TODAY + timedelta(days=2)


def test_a_visa_whose_days_were_spent_at_the_peers_refuses_though_90_180_would_admit(
    node: Node, store: MemoryStore
) -> None:
    mrz = passport("IND")
    visa = issue(node, mrz, duration_days=10)
    apply(store, chain([
        ("CrossingRecorded", crossing(mrz, "entry", TODAY - timedelta(days=30))),
        ("CrossingRecorded", crossing(mrz, "exit", TODAY - timedelta(days=27))),
        ("CrossingRecorded", crossing(mrz, "entry", TODAY - timedelta(days=20))),
        ("CrossingRecorded", crossing(mrz, "exit", TODAY - timedelta(days=15))),
    ]))  # fmt: skip
    decision = check(node, mrz, visa["mrz"]).decision
    assert decision.outcome is Outcome.REFUSE
    assert [r.code for r in decision.reasons] == ["C"]  # 10 of 90 days: no F
    assert "allowed 10 days of stay, all used" in decision.reasons[0].message


def peer_visa(mrz: list[str], number: str, **change: Any) -> dict[str, Any]:
    holder = read_document(mrz, on=TODAY, countries=reference().countries)
    lines = visa_mrz(holder, number=number, state=number[:3], valid_to=TODAY + timedelta(days=60),
                     format="MRV-A", today=TODAY)  # fmt: skip
    return {"document": holder.to_json(), "valid_from": (TODAY - timedelta(days=1)).isoformat(),
            "valid_to": (TODAY + timedelta(days=60)).isoformat(), "duration_days": 30,
            "entries": None, "visa_number": number, "mrz": list(lines), **change}  # fmt: skip


def test_a_visa_a_peer_issued_is_found_here_by_its_mrz(node: Node, store: MemoryStore) -> None:
    mrz, other = passport("IND"), passport("IND")
    good, wrong = peer_visa(mrz, "ARM000001"), peer_visa(other, "GEO000001")
    again = peer_visa(other, "ARM000001")
    person_of = apply(store, chain([("VisaIssued", good), ("VisaIssued", wrong),
                                    ("VisaIssued", again)]))  # fmt: skip
    assert person_of[1] is not None and person_of[2] is None  # GEO's number in ARM's record
    assert person_of[3] is None  # a number held already
    assert all(r["not_applied"] for (_, seq), r in store.tables["records"].items() if seq > 1)
    outcome = check(node, mrz, good["mrz"])
    assert outcome.decision.outcome is Outcome.ADMIT
    assert outcome.visa is not None and outcome.visa["issued_by"] == "ARM"
    assert [v["visa_number"] for v in store.tables["visas"].values()] == ["ARM000001"]


def test_a_visa_of_another_person_is_audited_as_a_read_of_that_person(
    node: Node, store: MemoryStore
) -> None:
    mine, theirs = passport("IND", surname="KHAN"), passport("IND", surname="RAO")
    issue(node, mine)
    visa = issue(node, theirs)
    outcome = check(node, mine, visa["mrz"])
    assert "issued to another person" in str(outcome.decision.reasons)
    checks = [r["person_id"] for r in store.tables["audit"].values() if r["action"] == "check"]
    assert checks == [outcome.person_id, visa["person_id"]]
