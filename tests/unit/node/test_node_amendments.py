"""Corrections, permits and identity links on the in-memory twin of the store: what each use
case writes and emits. The same over SQLite and PostgreSQL, through a peer too:
tests/integration/test_federation_amendments.py."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cta.domain.checks import Direction
from cta.domain.roles import Role
from cta.services.node import (
    Actor,
    BorderCheck,
    ConflictError,
    CrossingCorrection,
    IssuePermit,
    Node,
    NotFoundError,
    RecordCrossing,
)

from .conftest import NOW
from .memory_store import MemoryStore
from .test_node_use_cases import OFFICER, passport

CONSUL = Actor("consul.01", Role.CONSULAR_OFFICER, "visa application")


def outbox(store: MemoryStore) -> list[tuple[str, int | None]]:
    return [(r["kind"], r["supersedes"]) for _, r in sorted(store.tables["outbox"].items())]


def test_a_correction_changes_the_row_and_emits_a_record_superseding_the_last_one(
    node: Node, store: MemoryStore
) -> None:
    _, entry = node.record(OFFICER, RecordCrossing(
        passport("USA"), "GEO-TBS", Direction.ENTRY, occurred_at=NOW - timedelta(days=3),
        override_reason="test"))  # fmt: skip
    node.correct_crossing(OFFICER, entry["id"], CrossingCorrection(
        "wrong day", occurred_at=NOW - timedelta(days=4)))  # fmt: skip
    node.correct_crossing(OFFICER, entry["id"], CrossingCorrection("typo", withdraw=True))
    first, second = entry["outbox_seq"], entry["outbox_seq"] + 1
    assert outbox(store) == [("CrossingRecorded", None), ("CrossingCorrected", first),
                             ("CrossingWithdrawn", second)]  # fmt: skip
    assert store.tables["crossings"] == {}
    assert store.tables["persons"][entry["person_id"]]["last_seen"] is None
    with pytest.raises(NotFoundError):
        node.correct_crossing(OFFICER, entry["id"], CrossingCorrection("again", withdraw=True))


def test_a_visa_admits_until_it_is_revoked(node: Node, store: MemoryStore) -> None:
    mrz = passport("IND")
    check = BorderCheck(mrz, "GEO-TBS", Direction.ENTRY)
    assert node.check(OFFICER, check).decision.outcome.value == "refuse"
    _, visa = node.issue_permit(CONSUL, IssuePermit(
        mrz, NOW.date(), NOW.date() + timedelta(days=30), duration_days=30))  # fmt: skip
    assert node.check(OFFICER, check).decision.outcome.value == "admit"
    node.revoke_permit(CONSUL, "visas", visa["id"], "revoked")
    assert node.check(OFFICER, check).decision.outcome.value == "refuse"
    assert [k for k, _ in outbox(store)] == ["VisaIssued", "VisaRevoked"]


def test_a_confirmed_new_passport_is_an_identity_link(node: Node, store: MemoryStore) -> None:
    _, entry = node.record(OFFICER, RecordCrossing(
        passport("USA", "OLD000001"), "GEO-TBS", Direction.ENTRY, override_reason="test"))
    _, exit_ = node.record(OFFICER, RecordCrossing(
        passport("USA", "NEW000001"), "GEO-TBS", Direction.EXIT,
        person_id=entry["person_id"]))  # fmt: skip
    assert exit_["person_id"] == entry["person_id"]
    link = [r for r in store.tables["outbox"].values() if r["kind"] == "IdentityLinked"]
    assert [r["payload"]["same_as"] for r in link] == [[["USA", "OLD000001", "P"]]]
    with pytest.raises(ConflictError, match="not a candidate"):
        other = node.record(OFFICER, RecordCrossing(
            passport("GBR", "GBR000001"), "GEO-TBS", Direction.ENTRY,
            override_reason="test"))[1]  # fmt: skip
        node.record(OFFICER, RecordCrossing(
            passport("GBR", "GBR000001"), "GEO-TBS", Direction.EXIT,
            person_id=entry["person_id"]))  # fmt: skip
    assert other["person_id"] != entry["person_id"]
