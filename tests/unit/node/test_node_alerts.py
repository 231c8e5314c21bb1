"""Alerts on the node (the alerts issue): put, withdraw, screen in checks, officers' decisions.

On the in-memory twin of the store; tests/integration/test_node_alerts.py runs the same flows
through a real server on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from cta.bootstrap import reference
from cta.domain.checks import Direction
from cta.domain.documents import DocumentFields, DocumentType, generate_mrz
from cta.domain.errors import InvalidInputError
from cta.domain.roles import Role
from cta.policy.crossing_points import load_crossing_points
from cta.services.alerts import AlertBook
from cta.services.node import (
    Actor,
    BorderCheck,
    ConflictError,
    ForbiddenError,
    Node,
    NotFoundError,
    RecordCrossing,
)

from .conftest import NOW
from .memory_store import MemoryStore

OFFICER = Actor("officer.tbs.01", Role.BORDER_OFFICER, "border control")
CONSUL = Actor("consul.01", Role.CONSULAR_OFFICER, "visa application")
ADMIN = Actor("admin.01", Role.ADMIN, "alerts")

ELCHIN = {"id": "GEO-2027-0001", "category": "refuse_entry",
          "names": ["Эльчин Мамедов", "Elçin Məmmədov"], "birth_date": "1984-03-07",
          "nationalities": ["AZE"], "sex": "M", "action": "refuse entry"}  # fmt: skip


def mammadov(number: str = "C01234567", born: date = date(1984, 3, 7)) -> list[str]:
    fields = DocumentFields(DocumentType.TD3, "P", "AZE", "MAMMADOV", "ELCHIN", number, "AZE",
                            born, "M", date(2034, 1, 1))  # fmt: skip
    return list(generate_mrz(fields))


def check(node: Node, mrz: list[str] | None = None, direction: Direction = Direction.ENTRY
          ) -> dict[str, object]:  # fmt: skip
    outcome = node.check(OFFICER, BorderCheck(mrz or mammadov(), "GEO-TBS", direction))
    return {"decision": outcome.decision.outcome.value,
            "codes": [r.code for r in outcome.decision.reasons],
            "hits": [(h.alert_id, h.confirmed) for h in outcome.alert_hits],
            "dismissed": [d["alert_id"] for d in outcome.dismissed_hits]}  # fmt: skip


def test_the_issue_example_refers_a_passport_read_mammadov_elchin(node: Node) -> None:
    assert check(node)["decision"] == "admit"  # no alert yet
    node.put_alerts(ADMIN, [ELCHIN])
    answer = check(node)
    assert answer["decision"] == "refer" and "H" in answer["codes"]  # type: ignore[operator]
    assert answer["hits"] == [("GEO-2027-0001", False)]


def test_a_stranger_with_the_same_name_but_another_birth_date_is_not_flooded(
    node: Node,
) -> None:
    node.put_alerts(ADMIN, [ELCHIN])
    assert check(node, mammadov(born=date(1961, 11, 30)))["hits"] == []


def test_a_confirmed_refuse_entry_hit_refuses_with_h_and_a_dismissed_one_admits(
    node: Node, store: MemoryStore
) -> None:
    node.put_alerts(ADMIN, [ELCHIN])
    node.decide_hit(OFFICER, mammadov(), "GEO-2027-0001", "confirmed", "photo and dates agree")
    answer = check(node)
    assert (answer["decision"], answer["codes"]) == ("refuse", ["H"])
    # another document of a namesake: the officer dismisses, later checks admit it
    other = mammadov(number="C07654321")
    node.decide_hit(OFFICER, other, "GEO-2027-0001", "dismissed", "another person, seen twice")
    assert check(node, other) == {"decision": "admit", "codes": [], "hits": [],
                                  "dismissed": ["GEO-2027-0001"]}  # fmt: skip
    actions = [r["action"] for r in store.tables["audit"].values()]
    assert "confirm alert hit" in actions and "dismiss alert hit" in actions
    kinds = [r["kind"] for r in store.tables["outbox"].values()]
    assert kinds.count("AlertHitDecided") == 2


def test_a_decision_holds_for_the_alert_version_it_was_taken_on(node: Node) -> None:
    node.put_alerts(ADMIN, [ELCHIN])
    node.decide_hit(OFFICER, mammadov(), "GEO-2027-0001", "dismissed", "not him")
    assert check(node)["hits"] == []
    node.put_alerts(ADMIN, [ELCHIN | {"action": "refuse entry; new photo attached"}])
    assert check(node)["hits"] == [("GEO-2027-0001", False)]  # looked at again


def test_a_confirmed_refusal_is_recorded_with_reason_h(node: Node, store: MemoryStore) -> None:
    node.put_alerts(ADMIN, [ELCHIN])
    node.decide_hit(OFFICER, mammadov(), "GEO-2027-0001", "confirmed", "it is him")
    status, body = node.record(OFFICER, RecordCrossing(
        mrz=mammadov(), crossing_point="GEO-TBS", direction=Direction.ENTRY, refused=True))
    assert status == 201 and body["kind"] == "RefusalRecorded"
    [refusal] = store.tables["refusals"].values()
    assert [r["code"] for r in refusal["reasons"]] == ["H"]


def test_withdrawn_and_expired_alerts_never_hit(node: Node) -> None:
    node.put_alerts(ADMIN, [ELCHIN])
    node.withdraw_alert(ADMIN, "GEO-2027-0001")
    assert check(node)["hits"] == []
    node.put_alerts(ADMIN, [ELCHIN | {"id": "GEO-OLD", "valid_to": "2027-05-31"}])
    assert check(node)["hits"] == []
    with pytest.raises(ConflictError, match="withdrawn already"):
        node.withdraw_alert(ADMIN, "GEO-2027-0001")
    with pytest.raises(NotFoundError):
        node.withdraw_alert(ADMIN, "NO-SUCH")


def test_a_hit_that_does_not_hit_cannot_be_decided(node: Node) -> None:
    node.put_alerts(ADMIN, [ELCHIN])
    with pytest.raises(ConflictError, match="does not hit"):
        node.decide_hit(OFFICER, mammadov(born=date(1961, 11, 30)), "GEO-2027-0001",
                        "confirmed", "sure")  # fmt: skip


def test_alert_changes_reach_a_second_process_through_the_change_log(store: MemoryStore) -> None:
    """Two nodes on one store stand for two workers: each has its own index."""
    first = Node(store, reference(), load_crossing_points(), state="GEO", clock=lambda: NOW)
    second = Node(store, reference(), load_crossing_points(), state="GEO", clock=lambda: NOW)
    assert check(second)["hits"] == []  # opens its index, empty
    first.put_alerts(ADMIN, [ELCHIN])
    assert check(second)["hits"] == [("GEO-2027-0001", False)]
    first.withdraw_alert(ADMIN, "GEO-2027-0001")
    assert check(second)["hits"] == []


def test_a_bad_alert_is_named_and_nothing_is_stored(node: Node, store: MemoryStore) -> None:
    with pytest.raises(InvalidInputError, match="record 2: category"):
        node.put_alerts(ADMIN, [ELCHIN, ELCHIN | {"id": "X-2", "category": "wanted"}])
    assert store.tables["alerts"] == {} and store.tables["outbox"] == {}
    with pytest.raises(InvalidInputError, match="given twice"):
        node.put_alerts(ADMIN, [ELCHIN, ELCHIN])


@pytest.mark.parametrize(("change", "named"), [
    ({"birth_date": "9999-12-31"}, "birth_date: .* outside the years 1900 to 2999"),
    ({"birth_date": "0000"}, "birth_date: .* not a calendar date"),
    ({"birth_date": "1985-00"}, "birth_date: .* not a calendar date"),
    ({"birth_date": "1985-03-00"}, "birth_date: .* not a calendar date"),
    ({"valid_from": "0001-01-01"}, "valid_from: 0001-01-01 is outside"),
    ({"valid_to": "20270101"}, "valid_to: '20270101' is not a date YYYY-MM-DD"),
    ({"id": ".."}, "id: '..' is not an alert id"),
    ({"id": "GEO-1/x"}, "id: 'GEO-1/x' is not an alert id"),
    ({"id": "ARM-17"}, "id reads as an alert of ARM; this node issues GEO's"),
    ({"id": "aze-17"}, "id reads as an alert of AZE"),
    ({"nationalities": ["ZZZ"]}, r"nationalities\[0\]: 'ZZZ' is not an ICAO 9303 country code"),
    ({"nationalities": ["AZE", "<<<"]}, r"nationalities\[1\]"),
], ids=lambda v: v if isinstance(v, str) else "-".join(map(str, v.values())))  # fmt: skip
def test_an_alert_entered_is_held_to_the_calendar_the_url_and_the_code_table(
    node: Node, store: MemoryStore, change: dict[str, Any], named: str
) -> None:
    with pytest.raises(InvalidInputError, match=named):
        node.put_alerts(ADMIN, [ELCHIN | change])
    assert store.tables["alerts"] == {} and store.tables["outbox"] == {}


def test_what_an_alert_entered_may_be(node: Node) -> None:
    """An id of no member's prefix, an MRZ code with its filler (``D<<``: Germany), a birth
    year alone: all taken."""
    versions = node.put_alerts(ADMIN, [
        ELCHIN | {"id": "T-1", "nationalities": ["D<<", "XXA", "aze"]},
        ELCHIN | {"id": "GEO-T-2", "birth_date": "1984"},
        ELCHIN | {"id": "AZERBAIJAN-1"},  # not a member's prefix: AZERBAIJAN is not AZE
    ])  # fmt: skip
    assert versions == {"T-1": 1, "GEO-T-2": 1, "AZERBAIJAN-1": 1}


def test_roles(node: Node) -> None:
    with pytest.raises(ForbiddenError):
        node.put_alerts(OFFICER, [ELCHIN])
    node.put_alerts(ADMIN, [ELCHIN])
    with pytest.raises(ForbiddenError):
        node.alert_list(OFFICER, "", 10, True)
    assert node.alert_of(OFFICER, "GEO-2027-0001")["version"] == 1
    with pytest.raises(ForbiddenError):
        node.alert_of(Actor("analyst", Role.ANALYST), "GEO-2027-0001")
    answer = node.screen(CONSUL, {"surname": "MAMEDOV", "given_names": "ELCHIN",
                                  "birth_date": "1984-03-07"})  # fmt: skip
    assert [h["alert_id"] for h in answer["hits"]] == ["GEO-2027-0001"]


def test_the_snapshot_restarts_warm_and_replays_later_changes(
    store: MemoryStore, tmp_path: Path
) -> None:
    path = tmp_path / "alerts.index"
    first = Node(store, reference(), load_crossing_points(), state="GEO", clock=lambda: NOW,
                 alerts=AlertBook(path))  # fmt: skip
    first.put_alerts(ADMIN, [ELCHIN])
    first.alerts.open(store)
    assert first.alerts.opened_from == "database" and path.is_file()
    first.put_alerts(ADMIN, [ELCHIN | {"id": "GEO-2027-0002", "names": ["Rashad Aliyev"]}])
    book = AlertBook(path)
    book.open(store)
    assert book.opened_from == "snapshot" and len(book) == 2 and book.seen == 2


def test_a_snapshot_of_another_database_is_not_used(store: MemoryStore, tmp_path: Path) -> None:
    path = tmp_path / "alerts.index"
    path.write_bytes(b"CTA-ALERT-INDEX 1 some-other-database 0\n" + b"\x00" * 10)
    book = AlertBook(path)
    book.open(store)
    assert book.opened_from == "database"
    path.write_bytes(b"garbage")
    book = AlertBook(path)
    book.open(store)
    assert book.opened_from == "database"


def test_a_reason_with_an_invisible_character_is_refused_where_it_is_typed(
    node: Node, store: MemoryStore
) -> None:
    """The peers refuse an ``AlertHitDecided`` whose reason holds a control or invisible
    character (``cta.domain.peer_filings``): one was taken here, and the other states never
    saw the decision (the sweep of session 16). Nothing is decided or sent."""
    node.put_alerts(ADMIN, [ELCHIN])
    with pytest.raises(InvalidInputError, match=r"reason: '\\u200b' at position 4"):
        node.decide_hit(OFFICER, mammadov(), "GEO-2027-0001", "dismissed", "not\u200bhim")
    assert [r["kind"] for r in store.tables["outbox"].values()].count("AlertHitDecided") == 0
    node.decide_hit(OFFICER, mammadov(), "GEO-2027-0001", "dismissed", "not him:\nborn 1961")
