"""What an honest node sends, its peers take; what a peer's record quotes cannot stop its chain
(the sweep of session 16), on SQLite and PostgreSQL.

- A signed record whose reason for not being applied quotes one of its values with a NUL (a
  visa number ``ARM\\x00``) made PostgreSQL refuse the record's row: its batch failed whole,
  was pulled again and failed again, and nothing more of that origin was ever applied.
- An application's automatic consultation quoted a member's past decision whole: 2,050
  characters, and the member consulted refused the request, so it never heard of it.
- A ground typed with a soft hyphen was taken where it was typed, and refused by every peer.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cta.domain.applications import ApplicationKind
from cta.domain.errors import InvalidInputError
from cta.domain.instants import rfc3339
from cta.federation.records import GENESIS_HASH, seal
from cta.services.applications import Applications, Submission
from cta.services.consultations import Consultations
from cta.services.node import Idempotency
from tests.integration.node_server import passport
from tests.integration.test_federation_amendments import ADMIN, CONSUL, NOW, Member, member, sync
from tests.integration.test_federation_hostile_records_s15 import (
    Arm,
    permit,
    reintroduction,
    table,
)
from tests.unit.federation.helpers import KEYS

NO = {"convictions": False, "conflict_zones": False, "removal_orders": False}


def _member(url: str, state: str) -> Iterator[Member]:
    found = member(url, state)
    yield found
    found.node.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def aze(database_url: str) -> Iterator[Member]:
    yield from _member(database_url, "AZE")


@pytest.fixture
def arm(database_url: str) -> Iterator[Member]:
    yield from _member(database_url, "ARM")


@pytest.fixture
def geo(tmp_path: Path) -> Iterator[Member]:
    yield from _member(f"sqlite:///{tmp_path / 'geo.sqlite'}", "GEO")


def test_a_reason_quoting_a_nul_is_kept_with_it_escaped_and_the_chain_goes_on(aze: Member) -> None:
    """ARM's visa ``ARM\\x00`` is kept, not applied, its number quoted as ``'ARM\\x00'``; ARM's
    next record is applied (before: PostgreSQL refused the row, and ARM's chain stopped)."""
    visa = permit(visa_number="ARM\u0000", mrz=["V<ARM", "ARM"], duration_days=30, entries=None)
    why = Arm(aze).send(("VisaIssued", visa), ("InternalChecksDeclared", reintroduction()))
    assert why[1] is not None and why[1].startswith("visa 'ARM\\x00': ") and why[2] is None
    assert "\x00" not in why[1]
    assert [r["id"] for r in aze.node.list_internal_checks(ADMIN)["internal_checks"]] == [
        "ARM-IC-1"]


def test_an_automatic_consultation_quoting_a_long_past_decision_reaches_the_member_consulted(
    arm: Member, geo: Member
) -> None:
    """ARM annulled the traveller's authorisation with a reason of 1,990 characters; GEO's
    automatic processing consults ARM on the traveller's new application, quoting it: ARM
    files the consultation in its consuls' queue, the ground cut to 2,000 characters."""
    holder = {"issuing_state": "USA", "document_number": "Z12345678", "nationality": "USA",
              "surname": "TESTER", "birth_date_raw": "900517"}
    annulled = {"number": "ARM-0A1B2C3D4E5F", "kind": "authorization", "outcome": "annulled",
                "reasons": [{"code": "annulled", "message": "x" * 1990}],
                "decided_at": rfc3339(NOW - timedelta(days=1)), "holder": holder}  # fmt: skip
    record = seal("ARM", 1, NOW - timedelta(days=1), "ApplicationDecided", annulled,
                  GENESIS_HASH, KEYS["ARM"])  # fmt: skip
    assert geo.federation.ingest("ARM", [record]).rejection is None
    mrz = passport("USA", number="Z12345678", surname="TESTER")
    submission = Submission(ApplicationKind.AUTHORIZATION, mrz, "GEO", "en", "a@example.org",
                            NO, {"mrz": mrz, "occupation": "teacher"})  # fmt: skip
    _, answer = Applications(geo.node).submit(submission, "127.0.0.1",
                                              Idempotency(uuid.uuid4().hex, "h"))  # fmt: skip
    assert answer["status"] == "manual"
    [sent] = [r for r in sync(geo, arm) if r.kind == "ConsultationRequested"]
    assert [r["not_applied"] for r in table(arm, "records") if r["seq"] == sent.seq] == [None]
    queue = Consultations(arm.node).asked_of_us(CONSUL, open_only=True, after=0, limit=10)
    [asked] = queue["consultations"]
    [ground] = asked["grounds"]
    assert ground["code"] == "past_application" and len(ground["message"]) == 2000
    assert ground["message"].startswith(f"authorization application {annulled['number']}")


def test_a_ground_the_peers_would_refuse_is_refused_where_it_is_typed(
    arm: Member, geo: Member
) -> None:
    """A soft hyphen in the ground of ARM's reintroduction: refused at ARM, nothing sent; the
    ground without it reaches GEO and is filed there."""
    first, last = NOW.date() + timedelta(days=2), NOW.date() + timedelta(days=10)
    with pytest.raises(InvalidInputError, match=r"ground: '\\xad' at position 5"):
        arm.node.declare_internal_checks(ADMIN, ["ARM-BAGRATASHEN"], first, last,
                                         "road\u00adworks")  # fmt: skip
    arm.node.declare_internal_checks(ADMIN, ["ARM-BAGRATASHEN"], first, last, "roadworks")
    assert [r.kind for r in sync(arm, geo)] == ["InternalChecksDeclared"]
    assert [r["not_applied"] for r in table(geo, "records")] == [None]
    [filed] = geo.node.list_internal_checks(ADMIN)["internal_checks"]
    assert (filed["id"], filed["ground"]) == ("ARM-IC-1", "roadworks")
