"""A peer's visa of limited territorial validity, filed from its ``VisaIssued`` record and
weighed by this node's (GEO's) border check; a malformed limit is kept but not applied."""

from __future__ import annotations

from cta.domain.checks import Outcome
from cta.services.node import Node
from tests.integration.node_server import passport

from .memory_store import MemoryStore
from .test_federation_apply import apply, chain
from .test_node_visas import check, peer_visa


def test_a_peer_visa_for_georgia_admits_here_and_one_for_armenia_does_not(
    node: Node, store: MemoryStore,
) -> None:
    here, there = passport("IND"), passport("IND")
    apply(store, chain([
        ("VisaIssued", peer_visa(here, "ARM000001", territorial_validity=["GEO"])),
        ("VisaIssued", peer_visa(there, "ARM000002", territorial_validity=["ARM"])),
    ]))  # fmt: skip
    assert [v["territorial_validity"] for v in store.tables["visas"].values()] == ["GEO", "ARM"]
    assert check(node, here, None).decision.outcome is Outcome.ADMIT
    refused = check(node, there, None).decision
    assert refused.outcome is Outcome.REFUSE
    assert [r.code for r in refused.reasons] == ["C"]
    assert "valid only in ARM, not in GEO" in refused.reasons[0].message


def test_a_malformed_territorial_validity_is_kept_but_not_applied(
    node: Node, store: MemoryStore,
) -> None:
    bad = peer_visa(passport("IND"), "ARM000003", territorial_validity="Georgia")
    person_of = apply(store, chain([("VisaIssued", bad)]))
    assert person_of[1] is None and store.tables["visas"] == {}
    [why] = [r["not_applied"] for r in store.tables["records"].values()]
    assert "territorial_validity" in why
