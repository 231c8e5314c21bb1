"""The end of an application file's retention across the area, on SQLite and PostgreSQL
(``cta.services.application_retention``; ETIAS Art. 54(1)).

At the deciding node the purge erases the file's ``ApplicationDecided`` and
``ConsultationRequested`` records (payloads dropped, outbox rows deleted), its consultations'
rows, and names the records in a signed ``RetentionDeletion``; a peer that receives it drops
its copies' payloads and the rows they filed, and erases its own answer to the consultation,
announcing it in a deletion of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from cta.adapters.storage import tables as t
from cta.bootstrap import build_node
from cta.domain.applications import ApplicationKind
from cta.domain.roles import Role
from cta.services.applications import Applications, Decision, Submission
from cta.services.consultations import Consultations
from cta.services.federation import FederationService
from cta.services.node import Actor, Idempotency, Node
from cta.settings import Settings
from tests.integration.node_server import passport
from tests.integration.test_consultations_store import arm_records, request
from tests.integration.test_federation_apply import NOW, _engine, service

CONSUL = Actor("consul.geo", Role.CONSULAR_OFFICER, "application examination")
ADMIN = Actor("admin.geo", Role.ADMIN, "retention")
YES = {"convictions": True, "conflict_zones": False, "removal_orders": False}


@pytest.fixture
def geo(database_url: str) -> Iterator[tuple[FederationService, Node]]:
    """GEO's federation service and node on one database, at a fixed clock."""
    federation = service(database_url)
    node = build_node(Settings(database_url=database_url, state="GEO", alert_snapshot="off"))
    node.clock = federation.clock
    yield federation, node
    _engine(federation).dispose()
    node.store.engine.dispose()  # type: ignore[attr-defined]


def refused_and_consulted(node: Node) -> str:
    """An application refused by GEO after consulting ARM; its number."""
    apps = Applications(node)
    mrz = passport("USA", surname=uuid.uuid4().hex[:8].upper().translate(
        str.maketrans("0123456789", "GHIJKLMNOP")))
    submission = Submission(ApplicationKind.AUTHORIZATION, mrz, "GEO", "en", "a@example.org",
                            YES, {"mrz": mrz, "occupation": "teacher"})  # fmt: skip
    _, answer = apps.submit(submission, "127.0.0.1", Idempotency(uuid.uuid4().hex, "h"))
    number = str(answer["number"])
    assert answer["status"] == "manual"
    apps.consultations.ask(CONSUL, number, "ARM", "does ARM object?")
    apps.claim(CONSUL, number)
    apps.decide(CONSUL, number, Decision("refused", ["security_risk"]))
    return number


def rows(node: Node, query: Any) -> list[Any]:
    with node.store.engine.connect() as connection:  # type: ignore[attr-defined]
        return list(connection.execute(query))


def records(node: Node, origin: str) -> dict[int, tuple[str, Any, Any]]:
    """``origin``'s records held: seq -> (kind, payload, erased_by)."""
    r = t.records.c
    return {int(seq): (kind, wire["payload"], erased)
            for seq, kind, wire, erased in rows(node, select(r.seq, r.kind, r.wire, r.erased_by)
                                                .where(r.origin == origin))}  # fmt: skip


def naming(node: Node, kinds: tuple[str, ...], number: str) -> list[int]:
    """The seqs of GEO's records of ``kinds`` whose payload names application ``number``."""
    return sorted(seq for seq, (kind, payload, _) in records(node, "GEO").items()
                  if kind in kinds and payload is not None
                  and number in (payload.get("number"), payload.get("application")))


KINDS = ("ApplicationDecided", "ConsultationRequested")


def test_the_purge_erases_an_old_files_records_and_names_them_for_the_peers(
    geo: tuple[FederationService, Node],
) -> None:
    federation, node = geo
    old, recent = refused_and_consulted(node), refused_and_consulted(node)
    federation.seal_all()
    erased = naming(node, KINDS, old)
    kept = naming(node, KINDS, recent)
    assert len(erased) == len(kept) == 2  # the refusal and the consultation of each
    a = t.applications.c
    with node.store.engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(update(t.applications).where(a.number == old)
                           .values(decided_at=NOW - timedelta(days=6 * 365)))  # fmt: skip

    answer = Applications(node).purge(ADMIN)

    assert (answer["deleted"], answer["records_erased"]) == (1, 2)
    held = records(node, "GEO")
    assert [held[seq][1] for seq in erased] == [None, None]  # payloads gone, hash kept
    assert naming(node, KINDS, recent) == kept
    c, o = t.consultations.c, t.outbox.c
    assert [n for (n,) in rows(node, select(c.application))] == [recent]
    left = [p for (p,) in rows(node, select(o.payload).where(o.kind.in_(KINDS)))]
    assert all(old not in (p.get("number"), p.get("application")) for p in left)
    assert len(left) == 2  # the recent file's two
    [deletion] = [p for (p,) in rows(node, select(o.payload)
                                     .where(o.kind == "RetentionDeletion"))]  # fmt: skip
    assert deletion == {"records": [["GEO", seq] for seq in erased]}
    federation.seal_all()  # the deletion sealed: its records carry the proof
    deleted_by = max(records(node, "GEO"))
    assert [records(node, "GEO")[seq][2] for seq in erased] == [deleted_by, deleted_by]
    assert Applications(node).purge(ADMIN)["records_erased"] == 0  # once


def test_a_peers_deletion_erases_its_decision_and_consultation_here_and_our_answer(
    geo: tuple[FederationService, Node],
) -> None:
    federation, node = geo
    holder = {"issuing_state": "USA", "document_number": "Z12345678", "nationality": "USA",
              "surname": "TESTER", "birth_date_raw": "800101"}
    refusal = {"number": "ARM-A-7", "kind": "authorization", "outcome": "refused",
               "reasons": [{"code": "security_risk", "message": "a risk"}],
               "decided_at": NOW.isoformat(), "holder": holder}  # fmt: skip
    first = arm_records([("ApplicationDecided", refusal), ("ConsultationRequested", request())])
    assert federation.ingest("ARM", first).rejection is None
    assert len(rows(node, select(t.application_decisions))) == 1
    Consultations(node).answer(CONSUL, "ARM-C-1", "negative", ["a refuse-entry alert"])
    federation.seal_all()
    [answered] = [seq for seq, (kind, _, _) in records(node, "GEO").items()
                  if kind == "ConsultationAnswered"]  # fmt: skip

    deletion = arm_records([("RetentionDeletion", {"records": [["ARM", 1], ["ARM", 2]]})],
                           first=3, prev=first[-1].hash)  # fmt: skip
    assert federation.ingest("ARM", deletion).rejection is None

    assert rows(node, select(t.application_decisions)) == []
    assert rows(node, select(t.consultations)) == []
    arm = records(node, "ARM")
    assert [(arm[s][1], arm[s][2]) for s in (1, 2)] == [(None, 3), (None, 3)]
    assert records(node, "GEO")[answered][1] is None  # our answer: erased by us
    o = t.outbox.c
    assert rows(node, select(o.seq).where(o.kind == "ConsultationAnswered")) == []
    [ours] = [p for (p,) in rows(node, select(o.payload).where(o.kind == "RetentionDeletion"))]
    assert ours == {"records": [["GEO", answered]]}
