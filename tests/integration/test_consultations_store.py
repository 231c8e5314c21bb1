"""Consultation between members, filed and answered through signed records, on SQLite and
PostgreSQL: the consulted node files a peer's request in its queue and its consular officer
answers once; the asking node files the answer beside its consultation; a third member files
neither; a forged answer (from a member that was not asked) is kept but not applied."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cta.bootstrap import build_node
from cta.domain.errors import InvalidInputError
from cta.domain.roles import Role
from cta.federation.records import GENESIS_HASH, Record, seal
from cta.services.consultations import ApplicationSummary, Consultations
from cta.services.federation import FederationService
from cta.services.node import Actor, ConflictError, ForbiddenError, Node
from cta.settings import Settings
from tests.integration.test_federation_apply import NOW, T0, _engine, service
from tests.unit.federation.helpers import KEYS

CONSUL = Actor("consul.geo", Role.CONSULAR_OFFICER, "application examination")
OFFICER = Actor("officer.geo", Role.BORDER_OFFICER, "border control")


@pytest.fixture
def geo(database_url: str) -> Iterator[tuple[FederationService, Consultations]]:
    """GEO's federation service and its consultations, on one database, at a fixed clock."""
    federation = service(database_url)
    node = build_node(Settings(database_url=database_url, state="GEO"))
    node.clock = federation.clock
    yield federation, Consultations(node)
    _engine(federation).dispose()
    node.store.engine.dispose()  # type: ignore[attr-defined]


def arm_records(facts: list[tuple[str, dict[str, Any]]], first: int = 1,
                prev: str = GENESIS_HASH) -> list[Record]:  # fmt: skip
    records = []
    for seq, (kind, payload) in enumerate(facts, start=first):
        records.append(seal("ARM", seq, T0 + timedelta(minutes=seq), kind, payload, prev,
                            KEYS["ARM"], salt=f"{seq:032x}"))  # fmt: skip
        prev = records[-1].hash
    return records


def not_applied(federation: FederationService) -> list[str]:
    """Why each of ARM's records held by GEO was not applied."""
    with federation.store.transaction(read_only=True) as tx:
        return [str(r["why"]) for r in tx.not_applied_records("ARM", 10)]


def request(ref: str = "ARM-C-1", consulted: str = "GEO") -> dict[str, Any]:
    asked = NOW - timedelta(hours=1)
    return {
        "ref": ref, "application": "ARM-A-7", "kind": "authorization", "asking_state": "ARM",
        "consulted_state": consulted, "question": "GEO's alert hit: does GEO object?",
        "grounds": [{"code": "alert_hit", "message": "GEO-SIS-3, refuse entry"}],
        "applicant": {"surname": "IVANOV", "given_names": "IVAN", "birth_date": "1980-01-01",
                      "nationality": "RUS",
                      "document": {"issuing_state": "RUS", "number": "720000001"}},
        "asked_at": asked.isoformat(), "due_at": (asked + timedelta(hours=60)).isoformat(),
    }  # fmt: skip


def test_a_request_is_in_the_consulted_members_queue_and_answered_once(
    geo: tuple[FederationService, Consultations],
) -> None:
    federation, consultations = geo
    assert federation.ingest("ARM", arm_records([("ConsultationRequested", request())])
                             ).rejection is None  # fmt: skip
    queue = consultations.asked_of_us(CONSUL, open_only=True, after=0, limit=10)
    [asked] = queue["consultations"]
    assert (asked["ref"], asked["asking_state"], asked["state"]) == ("ARM-C-1", "ARM", "open")
    assert asked["applicant"]["surname"] == "IVANOV"
    answered = consultations.answer(CONSUL, "ARM-C-1", "negative", ["a refuse-entry alert"])
    assert (answered["state"], answered["opinion"]) == ("answered", "negative")
    with pytest.raises(ConflictError, match="answered already"):
        consultations.answer(CONSUL, "ARM-C-1", "positive", [])
    assert consultations.asked_of_us(CONSUL, open_only=True, after=0,
                                     limit=10)["consultations"] == []  # fmt: skip
    with consultations.node.store.transaction() as tx:
        [sent] = [r for r in tx.outbox_after(0, 10) if r.kind == "ConsultationAnswered"]
    assert sent.payload["ref"] == "ARM-C-1" and sent.payload["opinion"] == "negative"


def test_only_consular_officers_answer_and_a_negative_opinion_gives_reasons(
    geo: tuple[FederationService, Consultations],
) -> None:
    federation, consultations = geo
    federation.ingest("ARM", arm_records([("ConsultationRequested", request())]))
    with pytest.raises(ForbiddenError):
        consultations.answer(OFFICER, "ARM-C-1", "positive", [])
    with pytest.raises(InvalidInputError, match="reasons"):
        consultations.answer(CONSUL, "ARM-C-1", "negative", [" "])


def test_a_third_member_files_neither_the_request_nor_the_answer(
    geo: tuple[FederationService, Consultations],
) -> None:
    federation, consultations = geo
    records = arm_records([("ConsultationRequested", request(consulted="AZE"))])
    assert federation.ingest("ARM", records).rejection is None
    assert not_applied(federation) == []
    assert consultations.asked_of_us(CONSUL, open_only=False, after=0,
                                     limit=10)["consultations"] == []  # fmt: skip


def test_the_answer_is_filed_beside_the_asking_nodes_consultation(
    geo: tuple[FederationService, Consultations],
) -> None:
    federation, consultations = geo
    summary = ApplicationSummary("GEO-A-1", "visa", "GEO", {"surname": "DOE"}, None)
    with consultations.node.store.transaction() as tx:
        asked = consultations.request(tx, summary, "ARM", "ARM's refusal of 2027-05-02?",
                                      [{"code": "refusal", "message": "refused at ARM-EVN"}],
                                      asked_by=CONSUL.name)  # fmt: skip
    assert datetime.fromisoformat(asked["due_at"]) == NOW + timedelta(days=7)  # a visa's
    forged = arm_records([("ConsultationAnswered", {"ref": asked["ref"], "opinion": "positive",
                                                    "reasons": [], "at": T0.isoformat()})])
    assert federation.ingest("ARM", forged).rejection is None  # from ARM, which was asked
    assert not_applied(federation) == []
    with consultations.node.store.transaction(read_only=True) as tx:
        [filed] = consultations.of_application(tx, "GEO-A-1")
    assert (filed["state"], filed["opinion"], filed["asked_by"]) == ("answered", "positive",
                                                                       CONSUL.name)


def test_an_answer_from_a_member_not_asked_is_kept_but_not_applied(
    geo: tuple[FederationService, Consultations],
) -> None:
    federation, consultations = geo
    summary = ApplicationSummary("GEO-A-2", "authorization", "GEO", {"surname": "DOE"}, None)
    with consultations.node.store.transaction() as tx:
        asked = consultations.request(tx, summary, "AZE", "AZE's overstay record?", [],
                                      asked_by=None)  # fmt: skip
    answer = {"ref": asked["ref"], "opinion": "positive", "reasons": [], "at": T0.isoformat()}
    assert federation.ingest("ARM", arm_records([("ConsultationAnswered", answer)])
                             ).rejection is None  # fmt: skip
    [why] = not_applied(federation)
    assert "ARM answered consultation GEO-C-1, which asks AZE" in why
    with consultations.node.store.transaction(read_only=True) as tx:
        [filed] = consultations.of_application(tx, "GEO-A-2")
    assert filed["opinion"] is None


def test_an_unanswered_consultation_lapses_into_no_objection(
    geo: tuple[FederationService, Consultations],
) -> None:
    federation, consultations = geo
    federation.ingest("ARM", arm_records([("ConsultationRequested", request())]))
    node: Node = consultations.node
    node.clock = lambda: NOW + timedelta(hours=59, minutes=1)
    [late] = consultations.asked_of_us(CONSUL, open_only=True, after=0,
                                       limit=10)["consultations"]  # fmt: skip
    assert (late["state"], late["counts_as"]) == ("lapsed", "no objection")
    assert datetime.fromisoformat(late["due_at"]) < node.clock().astimezone(UTC)
