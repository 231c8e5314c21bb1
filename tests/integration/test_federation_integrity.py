"""Federation integrity on SQLite and PostgreSQL, nodes in process (issue 11, section 1 and 5).

An erasure is taken only with its origin's proof, carried in the page when the deletion comes
later in the chain; another state's alert is neither changed nor withdrawn here (409); a record
a node keeps without applying it is counted and named (``cta federation status``, a check's
``based_on``); an officer's decision on a hit holds where it was taken, and the other nodes
show it beside their own hit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from cta.domain.checks import Direction
from cta.domain.roles import Role
from cta.federation.verify import Reason
from cta.services.federation import federation_status
from cta.services.node import Actor, BorderCheck, ConflictError, RecordCrossing
from tests.integration.node_server import passport, unique_number
from tests.integration.test_federation_amendments import (
    NOW,
    OFFICER,
    Member,
    crossing,
    member,
    sync,
)

ADMIN = Actor("admin.01", Role.ADMIN, "alerts")


@pytest.fixture
def arm(database_url: str) -> Iterator[Member]:
    found = member(database_url, "ARM")
    yield found
    found.node.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def geo(tmp_path: Path) -> Iterator[Member]:
    found = member(f"sqlite:///{tmp_path / 'geo.sqlite'}", "GEO")
    yield found
    found.node.store.engine.dispose()  # type: ignore[attr-defined]


@pytest.fixture
def aze(tmp_path: Path) -> Iterator[Member]:
    found = member(f"sqlite:///{tmp_path / 'aze.sqlite'}", "AZE")
    yield found
    found.node.store.engine.dispose()  # type: ignore[attr-defined]


# -- erasures ----------------------------------------------------------------------------------


def test_a_page_carries_the_proof_of_an_erasure_that_comes_later(
    arm: Member, geo: Member
) -> None:
    old = passport("USA", number=unique_number())
    arm.node.record(OFFICER, crossing(old, Direction.ENTRY, 4 * 366 + 10))
    arm.node.record(OFFICER, crossing(old, Direction.EXIT, 4 * 366))  # past retention
    for _ in range(4):
        arm.node.record(OFFICER, crossing(passport("USA", number=unique_number()),
                                          Direction.ENTRY, 5))  # fmt: skip
    assert arm.federation.seal_all() == 6
    assert arm.node.purge(ADMIN)["deleted"] == 1  # records 1 and 2 lose their payloads
    # the deletion is not sealed yet: the page ends before the first erased record
    early = arm.federation.page(0, 10)
    assert early.records == () and early.erasures == () and early.last_seq == 6
    assert arm.federation.seal_all() == 1  # the RetentionDeletion, seq 7
    page = arm.federation.page(0, 3)
    assert [(r.seq, r.redacted) for r in page.records] == [(1, True), (2, True), (3, False)]
    assert [(p.seq, p.kind) for p in page.erasures] == [(7, "RetentionDeletion")]
    assert "erasures" in page.to_json()
    # the same page without its proof is tampering: refused whole, nothing stored
    refused = geo.federation.ingest("ARM", page.records, alarm=False)
    assert refused.rejection is not None
    assert refused.rejection.reason is Reason.UNPROVEN_ERASURE and refused.stored == 0
    assert refused.rejection.reason.is_tampering
    after = 0
    while (page := arm.federation.page(after, 3)).records:
        result = geo.federation.ingest("ARM", page.records, page.erasures)
        assert result.rejection is None, result.rejection
        after = result.head_seq
    assert after == 7
    assert not any(row["not_applied"] for row in federation_status(geo.node.store, "GEO"))


def test_a_node_that_erases_a_peers_records_serves_its_own_with_their_proof(
    arm: Member, geo: Member, aze: Member
) -> None:
    """GEO purges a traveller ARM recorded: its own copies go, and it names none of ARM's
    records to the peers; ARM erases its own records of them on its own word only (its purge:
    the same retention) and announces it in a deletion of its own; AZE, catching up from ARM
    afterwards, takes them."""
    old = passport("USA", number=unique_number())
    arm.node.record(OFFICER, crossing(old, Direction.ENTRY, 4 * 366 + 10))
    arm.node.record(OFFICER, crossing(old, Direction.EXIT, 4 * 366))
    sync(arm, geo)
    assert geo.node.purge(ADMIN)["deleted"] == 1
    # GEO names its own records only, and has none of this traveller: no deletion to send
    assert "RetentionDeletion" not in [r.kind for r in sync(geo, arm)]
    assert arm.federation.seal_all() == 0 and not any(
        r.redacted for r in arm.federation.page(0, 2).records)  # GEO's word erases none of ARM's
    assert arm.node.purge(ADMIN)["deleted"] == 1
    arm.federation.seal_all()
    page = arm.federation.page(0, 2)
    assert all(r.redacted for r in page.records) and [p.seq for p in page.erasures] == [3]
    assert aze.federation.ingest("ARM", page.records, page.erasures).rejection is None


# -- another state's alert ---------------------------------------------------------------------


def test_another_states_alert_is_neither_changed_nor_withdrawn_here(
    arm: Member, aze: Member
) -> None:
    alert = {"id": "AZE-NC-2", "category": "refuse_entry", "names": ["Elchin Mammadov"]}
    aze.node.put_alerts(ADMIN, [alert])
    sync(aze, arm)
    with pytest.raises(ConflictError, match="issued by AZE: only the issuing state changes it"):
        arm.node.put_alerts(ADMIN, [{**alert, "names": ["Someone Else"]}])
    with pytest.raises(ConflictError, match="issued by AZE: only the issuing state withdraws"):
        arm.node.withdraw_alert(ADMIN, "AZE-NC-2")
    held = arm.node.alert_of(ADMIN, "AZE-NC-2")
    assert (held["version"], held["withdrawn_at"], held["record"]["names"]) == (
        1, None, ["Elchin Mammadov"])
    arm.federation.seal_all()
    assert arm.federation.page(0, 10).records == ()  # nothing emitted
    arm.node.put_alerts(ADMIN, [{"id": "ARM-1", "category": "refuse_entry",
                                 "names": ["Aram Petrosyan"]}])  # its own: as before


def _status_cli(url: str, state: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    env |= {"CTA_DATABASE_URL": url, "CTA_STATE": state, "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "cta", "federation", "status", *args],
                          env=env, capture_output=True, text=True, timeout=120)  # fmt: skip


def test_a_record_kept_but_not_applied_is_counted_and_named(
    arm: Member, geo: Member, aze: Member, database_url: str
) -> None:
    """GEO (a node of another version, say) puts AZE's alert and sends a kind ARM does not
    know: ARM keeps both records (they are GEO's chain) and says so, in the status and in
    every check's ``based_on``, not only in its log."""
    aze.node.put_alerts(ADMIN, [{"id": "AZE-NC-2", "category": "refuse_entry",
                                 "names": ["Elchin Mammadov"]}])  # fmt: skip
    sync(aze, arm)
    with geo.node.store.transaction() as tx:
        tx.emit("AlertPut", {"alert": {"id": "AZE-NC-2", "category": "refuse_entry",
                                       "issuing_state": "GEO", "names": ["Someone Else"]},
                             "version": 2}, NOW)  # fmt: skip
        tx.emit("WeatherObserved", {"sky": "clear"}, NOW)
    sync(geo, arm)
    assert arm.node.alert_of(ADMIN, "AZE-NC-2")["record"]["names"] == ["Elchin Mammadov"]
    rows = {row["origin"]: row for row in federation_status(arm.node.store, "ARM")}
    assert (rows["GEO"]["not_applied"], rows["AZE"]["not_applied"]) == (2, 0)
    last = rows["GEO"]["not_applied_last"]
    assert [(r["seq"], r["kind"]) for r in last] == [(2, "WeatherObserved"), (1, "AlertPut")]
    assert "only the issuing state changes its alerts" in last[1]["why"]
    assert "WeatherObserved is not a kind of record this node applies" in last[0]["why"]
    assert last[0]["at"].endswith("+00:00")
    outcome = arm.node.check(OFFICER, BorderCheck(passport("USA"), "ARM-EVN", Direction.ENTRY))
    based_on = {b["origin"]: b for b in outcome.based_on}
    assert (based_on["GEO"]["not_applied"], based_on["AZE"]["not_applied"]) == (2, 0)
    # the real command, text and JSON
    done = _status_cli(database_url, "ARM", "--json")
    assert done.returncode == 0, done.stderr
    origins = {o["origin"]: o for o in json.loads(done.stdout)["origins"]}
    assert origins["GEO"]["not_applied"] == 2
    assert origins["GEO"]["not_applied_last"][0]["kind"] == "WeatherObserved"
    text = _status_cli(database_url, "ARM")
    assert text.returncode == 0, text.stderr
    assert "GEO: 2 records kept but not applied" in text.stdout
    assert "GEO/2 WeatherObserved" in text.stdout and "GEO/1 AlertPut" in text.stdout


# -- decisions on hits -------------------------------------------------------------------------


def test_a_decision_on_a_hit_holds_where_it_was_taken_and_shows_elsewhere(
    arm: Member, geo: Member, aze: Member
) -> None:
    number = unique_number()
    mrz = passport("ARM", number=number)  # free movement: only the alert can stop them
    aze.node.put_alerts(ADMIN, [{"id": "AZE-7", "category": "refuse_entry",
                                 "document_numbers": [number]}])  # fmt: skip
    sync(aze, arm)
    sync(aze, geo)
    geo.node.decide_hit(OFFICER, mrz, "AZE-7", "dismissed", "another man: birth date differs")
    sync(geo, arm)
    # at GEO: its officer's dismissal rules
    at_geo = geo.node.check(OFFICER, BorderCheck(mrz, "GEO-TBS", Direction.ENTRY))
    assert at_geo.alert_hits == [] and [d["alert_id"] for d in at_geo.dismissed_hits] == ["AZE-7"]
    assert at_geo.decision.outcome.value == "admit"
    # at ARM: the hit still refers, with GEO's word beside it
    at_arm = arm.node.check(OFFICER, BorderCheck(mrz, "ARM-EVN", Direction.ENTRY))
    assert [h.alert_id for h in at_arm.alert_hits] == ["AZE-7"]
    assert at_arm.decision.outcome.value == "refer" and at_arm.dismissed_hits == []
    [elsewhere] = at_arm.decisions_elsewhere["AZE-7"]
    assert elsewhere == {"state": "GEO", "officer": OFFICER.name, "decision": "dismissed",
                         "reason": "another man: birth date differs",
                         "at": NOW.isoformat(), "alert_version": 1, "current": True}
    # ARM's own officer decides otherwise: that holds at ARM, and GEO is told
    arm.node.decide_hit(OFFICER, mrz, "AZE-7", "confirmed", "it is him")
    at_arm = arm.node.check(OFFICER, BorderCheck(mrz, "ARM-EVN", Direction.ENTRY))
    assert at_arm.decision.outcome.value == "refuse"
    sync(arm, geo)
    at_geo = geo.node.check(OFFICER, BorderCheck(mrz, "GEO-TBS", Direction.ENTRY))
    assert at_geo.decision.outcome.value == "admit"
    assert [(d["state"], d["decision"]) for d in at_geo.dismissed_hits[0]["decisions_elsewhere"]
            ] == [("ARM", "confirmed")]
    # nothing kept unapplied on either side
    for m, state in ((arm, "ARM"), (geo, "GEO")):
        assert not any(r["not_applied"] for r in federation_status(m.node.store, state))


def test_a_peers_decision_on_a_hit_goes_with_the_origins_erasure_of_the_traveller(
    arm: Member, aze: Member
) -> None:
    number = unique_number()
    mrz = passport("ARM", number=number)
    aze.node.put_alerts(ADMIN, [{"id": "AZE-9", "category": "refuse_entry",
                                 "document_numbers": [number]}])  # fmt: skip
    aze.node.record(OFFICER, RecordCrossing(mrz=mrz, crossing_point="AZE-GYD",
                                            direction=Direction.EXIT,
                                            occurred_at=NOW - timedelta(days=4 * 366),
                                            override_reason="test"))  # fmt: skip
    aze.federation.seal_all()
    first = aze.federation.page(0, 100).records
    assert arm.federation.ingest("AZE", [r for r in first if r.kind == "AlertPut"][:1]
                                 ).rejection is None  # the alert only, not the crossing
    aze.node.decide_hit(OFFICER, mrz, "AZE-9", "dismissed", "not him")
    aze.federation.seal_all()
    page = aze.federation.page(1, 100)
    decided = [r for r in page.records if r.kind == "AlertHitDecided"]
    kept = [r for r in page.records if r.seq <= decided[0].seq]
    assert arm.federation.ingest("AZE", kept, page.erasures).rejection is None
    at_arm = arm.node.check(OFFICER, BorderCheck(mrz, "ARM-EVN", Direction.ENTRY))
    assert [d["decision"] for d in at_arm.decisions_elsewhere["AZE-9"]] == ["dismissed"]
    assert aze.node.purge(ADMIN)["deleted"] == 1
    aze.federation.seal_all()
    after = arm.federation.position("AZE")
    page = aze.federation.page(after, 100)
    assert arm.federation.ingest("AZE", page.records, page.erasures).rejection is None
    at_arm = arm.node.check(OFFICER, BorderCheck(mrz, "ARM-EVN", Direction.ENTRY))
    assert at_arm.decisions_elsewhere == {}


def test_a_peers_decision_on_an_alert_since_changed_is_shown_as_not_current(
    arm: Member, aze: Member
) -> None:
    number = unique_number()
    mrz = passport("ARM", number=number)  # free movement: only the alert can stop them
    alert = {"id": "AZE-8", "category": "refuse_entry", "document_numbers": [number]}
    aze.node.put_alerts(ADMIN, [alert])
    aze.node.decide_hit(OFFICER, mrz, "AZE-8", "dismissed", "not him")
    aze.node.put_alerts(ADMIN, [{**alert, "names": ["John Smith"]}])
    sync(aze, arm)
    at_arm = arm.node.check(OFFICER, BorderCheck(mrz, "ARM-EVN", Direction.ENTRY))
    [seen] = at_arm.decisions_elsewhere["AZE-8"]
    assert (seen["state"], seen["alert_version"], seen["current"]) == ("AZE", 1, False)
    assert at_arm.decision.outcome.value == "refer"
