"""A refusal of an application in one state is known in the others: a peer's
``ApplicationDecided`` records are filed (``cta.services.application_records``) and the next
application of that traveller here goes to an officer, naming the refusing state. On SQLite
and PostgreSQL (``database_url``)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from cta.adapters.storage import tables as t
from cta.bootstrap import build_node, reference
from cta.domain.applications import ApplicationKind
from cta.federation.records import GENESIS_HASH, Record, seal
from cta.policy.crossing_points import load_crossing_points
from cta.services.applications import Applications, Submission
from cta.services.federation import FederationService
from cta.services.node import Idempotency, Node
from cta.settings import Settings
from tests.integration.node_server import passport
from tests.unit.federation.helpers import KEYS, federation

T0 = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)  # within the test keys' validity
NO = {"convictions": False, "conflict_zones": False, "removal_orders": False}


@pytest.fixture
def node(database_url: str) -> Iterator[Node]:
    built = build_node(Settings(database_url=database_url, state="GEO", alert_snapshot="off"))
    yield built
    built.store.engine.dispose()  # type: ignore[attr-defined]


def peer_records(facts: list[tuple[str, dict[str, Any]]]) -> list[Record]:
    records, prev = [], GENESIS_HASH
    for seq, (kind, payload) in enumerate(facts, start=1):
        records.append(seal("ARM", seq, T0 + timedelta(minutes=seq), kind, payload, prev,
                            KEYS["ARM"], salt=f"{seq:032x}"))  # fmt: skip
        prev = records[-1].hash
    return records


def decided(number: str, outcome: str, mrz: list[str]) -> dict[str, Any]:
    holder = {"issuing_state": mrz[0][2:5], "document_number": mrz[1][:9].rstrip("<"),
              "nationality": mrz[1][10:13], "surname": "TESTER", "birth_date_raw": mrz[1][13:19]}
    return {"number": number, "kind": "authorization", "outcome": outcome,
            "reasons": [{"code": "security_risk", "message": "the applicant poses a security "
                                                             "risk"}],
            "decided_at": T0.isoformat(), "holder": holder}  # fmt: skip


def ingest(node: Node, records: list[Record]) -> None:
    service = FederationService(node.store, federation("GEO"), KEYS["GEO"],
                                countries=reference().countries,
                                crossing_points=load_crossing_points(), clock=node.clock)
    result = service.ingest("ARM", records)
    assert result.rejection is None and result.stored == len(records)
    with node.store.engine.connect() as connection:  # type: ignore[attr-defined]
        why = [r.not_applied for r in connection.execute(select(t.records))]
    assert why == [None] * len(why)  # every record applied


def submission(mrz: list[str]) -> Submission:
    return Submission(ApplicationKind.AUTHORIZATION, mrz, "GEO", "en", "a@example.org", NO,
                      {"mrz": mrz, "occupation": "teacher"})


def apply(node: Node, mrz: list[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    apps = Applications(node)
    _, answer = apps.submit(submission(mrz), "127.0.0.1", Idempotency(uuid.uuid4().hex, "h"))
    with node.store.transaction(read_only=True) as tx:
        row = tx.application(answer["number"])  # type: ignore[attr-defined]
    return answer, row


def test_a_refusal_in_armenia_sends_the_next_application_in_georgia_to_an_officer(
    node: Node,
) -> None:
    mrz = passport("USA")
    ingest(node, peer_records([("ApplicationDecided", decided("ARM-1", "refused", mrz))]))
    answer, row = apply(node, mrz)
    assert answer["status"] == "manual"
    [reason] = row["review"]
    assert reason["code"] == "past_application"
    assert "ARM-1 refused by ARM" in reason["message"]
    assert "security risk" in reason["message"]


def test_an_appeal_allowed_in_armenia_takes_the_refusal_out_again(node: Node) -> None:
    mrz = passport("USA")
    ingest(node, peer_records([("ApplicationDecided", decided("ARM-2", "refused", mrz)),
                               ("ApplicationDecided", decided("ARM-2", "appeal_allowed", mrz))]))
    with node.store.engine.connect() as connection:  # type: ignore[attr-defined]
        left = connection.execute(select(t.application_decisions)).all()
    assert left == []
    answer, _ = apply(node, mrz)
    assert answer["status"] == "granted"


def test_a_decision_here_is_a_record_for_the_peers(node: Node) -> None:
    mrz = passport("USA")
    answer, _ = apply(node, mrz)
    with node.store.engine.connect() as connection:  # type: ignore[attr-defined]
        kinds = [r.kind for r in connection.execute(select(t.outbox).order_by(t.outbox.c.seq))]
    assert answer["status"] == "granted"
    assert kinds == ["AuthorizationIssued"]
