"""Temporary checks at internal borders over the node's real store, on SQLite and PostgreSQL:
declared, prolonged and ended by an admin within the regime's limits; at GEO-SADAKHLO the check
runs (document and alerts only) and is recorded during the period, apart from crossings so no
stay counts it, and not after; a peer's declaration is filed, a forged one is not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from cta.adapters.storage.aggregates import SqlAggregates
from cta.adapters.storage.engine import make_engine, migrate
from cta.adapters.storage.store import SqlStore
from cta.bootstrap import reference
from cta.domain.checks import Direction
from cta.domain.errors import InvalidInputError
from cta.domain.roles import Role
from cta.federation.records import GENESIS_HASH, Record, seal
from cta.policy.crossing_points import load_crossing_points
from cta.services.federation import FederationService
from cta.services.node import Actor, BorderCheck, ForbiddenError, Node, RecordCrossing
from cta.services.statistics import crossing_statistics
from tests.integration.node_server import passport
from tests.integration.test_federation_amendments import member, sync
from tests.integration.test_federation_apply import T0, _engine, service
from tests.integration.test_node_store import ADMIN, OFFICER, TODAY, Clock
from tests.unit.federation.helpers import KEYS

DAY = timedelta(days=1)
POINT = "GEO-SADAKHLO"


@pytest.fixture
def clock() -> Clock:
    return Clock(TODAY)


@pytest.fixture
def node(database_url: str, clock: Clock) -> Iterator[Node]:
    engine = make_engine(database_url)
    migrate(engine)
    try:
        yield Node(SqlStore(engine), reference(), load_crossing_points(), state="GEO",
                   clock=clock, internal_check_retention_days=30)  # fmt: skip
    finally:
        engine.dispose()


def declared(node: Node, days: int = 10, points: tuple[str, ...] = (POINT,)) -> str:
    today = TODAY.date()
    body = node.declare_internal_checks(ADMIN, list(points), today, today + (days - 1) * DAY,
                                        "a serious threat to public policy")  # fmt: skip
    return str(body["id"])


def at_point(mrz: list[str], **options: object) -> RecordCrossing:
    return RecordCrossing(mrz=mrz, crossing_point=POINT, direction=Direction.ENTRY,
                          **options)  # type: ignore[arg-type]  # fmt: skip


def test_no_check_at_an_internal_point_without_a_reintroduction(node: Node) -> None:
    with pytest.raises(InvalidInputError, match="internal border of the area"):
        node.check(OFFICER, BorderCheck(passport("USA"), POINT, Direction.ENTRY))


def test_an_admin_declares_within_the_limits_and_beyond_them_is_refused(node: Node) -> None:
    today = TODAY.date()
    with pytest.raises(InvalidInputError, match="at most 30 days for one period"):
        node.declare_internal_checks(ADMIN, [POINT], today, today + 30 * DAY, "threat")
    with pytest.raises(InvalidInputError, match="run by ARM"):
        node.declare_internal_checks(ADMIN, ["ARM-BAGRATASHEN"], today, today, "threat")
    with pytest.raises(ForbiddenError):
        node.declare_internal_checks(OFFICER, [POINT], today, today, "threat")
    ref = declared(node)
    assert ref.startswith("GEO-IC-")
    [listed] = node.list_internal_checks(OFFICER)["internal_checks"]
    assert (listed["id"], listed["status"], listed["crossing_points"]) == (ref, "in_force", [POINT])
    with node.store.transaction() as tx:  # the outbox is read in a writing one
        kinds = [row.kind for row in tx.outbox_after(0, 10)]
    assert kinds == ["InternalChecksDeclared"]  # the other members are told


def test_checks_run_and_are_recorded_during_the_period_and_never_change_a_stay(
    node: Node, clock: Clock
) -> None:
    mrz = passport("USA")
    first = node.record(OFFICER, RecordCrossing(
        mrz=mrz, crossing_point="GEO-TBS", direction=Direction.ENTRY,
        occurred_at=TODAY - 5 * DAY, override_reason="authorisation seen on paper"))[1]
    person = first["person_id"]
    before = node.stay_status(OFFICER, person, TODAY.date())
    ref = declared(node, days=3)
    outcome = node.check(OFFICER, BorderCheck(mrz, POINT, Direction.ENTRY))
    assert outcome.decision.outcome.value == "admit"  # no authorisation asked inside the area
    assert outcome.internal_check is not None and outcome.internal_check["id"] == ref
    assert outcome.internal_check["until"] == (TODAY.date() + 2 * DAY).isoformat()
    _, body = node.record(OFFICER, at_point(mrz))
    assert (body["kind"], body["person_id"], body["refused"]) == (
        "InternalCheckRecorded", person, False)
    _, refused = node.record(OFFICER, at_point(passport("ARM"), refused=True, letters=("I",)))
    assert [r["code"] for r in refused["reasons_recorded"]] == ["I"]
    assert node.stay_status(OFFICER, person, TODAY.date()) == before
    counts = node.store.counts()  # type: ignore[attr-defined]
    assert (counts["crossings"], counts["refusals"]) == (1, 0)
    with node.store.transaction() as tx:
        rows = tx.internal_checks_between(TODAY.date(), TODAY.date())
        figures = tx.internal_check_counts(TODAY.date(), TODAY.date())
        outbox = [row.kind for row in tx.outbox_after(0, 10)]
    assert [(r["outcome"], r["reintroduction"]) for r in rows] == [
        ("admitted", ref), ("refused", ref)]
    assert {(f["outcome"], f["count"]) for f in figures} == {("admitted", 1), ("refused", 1)}
    assert "CrossingRecorded" in outbox and outbox.count("CrossingRecorded") == 1
    clock.now = TODAY + 3 * DAY  # the day after the last day: ended by itself
    with pytest.raises(InvalidInputError, match="internal border of the area"):
        node.check(OFFICER, BorderCheck(mrz, POINT, Direction.ENTRY))
    with pytest.raises(InvalidInputError, match="lapsed"):
        node.prolong_internal_checks(ADMIN, ref, TODAY.date() + 10 * DAY, "again")
    [listed] = node.list_internal_checks(OFFICER)["internal_checks"]
    assert listed["status"] == "lapsed"
    assert node.list_internal_checks(OFFICER, in_force_only=True)["internal_checks"] == []


def test_a_point_not_named_has_no_check(node: Node) -> None:
    declared(node)
    with pytest.raises(InvalidInputError, match="internal border of the area"):
        node.check(OFFICER, BorderCheck(passport("USA"), "GEO-GUGUTI", Direction.ENTRY))


def test_prolonged_within_the_limits_then_ended_early(node: Node, clock: Clock) -> None:
    ref = declared(node, days=30)
    today = TODAY.date()
    with pytest.raises(InvalidInputError, match="at most 30 days"):
        node.prolong_internal_checks(ADMIN, ref, today + 61 * DAY, "the threat persists")
    body = node.prolong_internal_checks(ADMIN, ref, today + 59 * DAY, "the threat persists")
    assert body["until"] == (today + 59 * DAY).isoformat()
    clock.now = TODAY + 40 * DAY
    node.check(OFFICER, BorderCheck(passport("GEO"), POINT, Direction.EXIT))
    ended = node.end_internal_checks(ADMIN, ref)
    assert ended["status"] == "ended" and ended["until"] == (today + 39 * DAY).isoformat()
    with pytest.raises(InvalidInputError, match="internal border of the area"):
        node.check(OFFICER, BorderCheck(passport("GEO"), POINT, Direction.EXIT))
    with pytest.raises(InvalidInputError, match="declare checks anew"):
        node.prolong_internal_checks(ADMIN, ref, today + 60 * DAY, "again")
    with node.store.transaction() as tx:  # the outbox is read in a writing one
        kinds = [row.kind for row in tx.outbox_after(0, 10)]
    assert kinds == ["InternalChecksDeclared", "InternalChecksProlonged", "InternalChecksEnded"]


def test_internal_checks_are_deleted_after_their_own_retention(
    node: Node, clock: Clock
) -> None:
    declared(node)
    node.record(OFFICER, at_point(passport("AZE")))
    clock.now = TODAY + 29 * DAY
    assert node.purge(ADMIN)["internal_checks_deleted"] == 0
    clock.now = TODAY + 31 * DAY
    assert node.purge(ADMIN)["internal_checks_deleted"] == 1


@pytest.fixture
def geo(database_url: str) -> Iterator[FederationService]:
    federation = service(database_url)
    yield federation
    _engine(federation).dispose()


def _arm(kind: str, payload: dict[str, object], seq: int = 1,
         prev: str = GENESIS_HASH) -> Record:  # fmt: skip
    return seal("ARM", seq, T0 + timedelta(minutes=seq), kind, payload, prev, KEYS["ARM"],
                salt=f"{seq:032x}")


def test_a_peers_reintroduction_is_filed_and_a_forged_one_is_not(
    geo: FederationService,
) -> None:
    payload = {"id": "ARM-IC-4", "state": "ARM", "crossing_points": ["ARM-BAGRATASHEN"],
               "from": "2027-06-01", "to": "2027-06-20", "ground": "a threat",
               "prolongations": [], "ended_on": None}  # fmt: skip
    first = _arm("InternalChecksDeclared", payload)
    ended = _arm("InternalChecksEnded", payload | {"ended_on": "2027-06-05"}, 2, first.hash)
    forged = _arm("InternalChecksDeclared", payload | {
        "id": "ARM-IC-5", "crossing_points": ["GEO-SADAKHLO"]}, 3, ended.hash)
    assert geo.ingest("ARM", [first, ended, forged]).rejection is None
    with geo.store.transaction(read_only=True) as tx:
        rows = tx.reintroductions()
        why = [str(r["why"]) for r in tx.not_applied_records("ARM", 10)]
    assert [(r["ref"], r["origin"], str(r["ended_on"])) for r in rows] == [
        ("ARM-IC-4", "ARM", "2027-06-05")]
    assert why == ["GEO-SADAKHLO is not an internal crossing point of ARM"]


def test_the_statistics_count_internal_checks_and_refusals_by_point_and_day(
    node: Node,
) -> None:
    declared(node)
    for _ in range(5):
        node.record(OFFICER, at_point(passport("USA")))
        node.record(OFFICER, at_point(passport("AZE"), refused=True, letters=("I",)))
    aggregates = SqlAggregates(node.store.engine)  # type: ignore[attr-defined]
    day = TODAY.date()
    by_point = crossing_statistics(aggregates, Role.ANALYST, day, day, "crossing_point")
    [point] = [g for g in by_point["groups"] if g["crossing_point"] == POINT]
    assert point == {"crossing_point": POINT, "entries": 0, "exits": 0, "refusals": 0,
                     "internal_checks": 10, "internal_refusals": 5}  # fmt: skip
    [today] = crossing_statistics(aggregates, Role.ANALYST, day, day, "day")["groups"]
    assert (today["internal_checks"], today["internal_refusals"], today["entries"]) == (10, 5, 0)


# -- the 2024 amendment's kinds (the union draft's version from 2027-07-01) --------------------

AMENDED = datetime(2027, 7, 1, 8, tzinfo=UTC)  # 12:00 at GEO-SADAKHLO


def test_the_2024_kinds_are_declared_prolonged_stored_and_listed_within_their_limits(
    node: Node, clock: Clock
) -> None:
    clock.now = AMENDED
    first = AMENDED.date()
    with pytest.raises(InvalidInputError, match=r"at most 1 month for one period \(the "
                       r"regime's internal_checks.unforeseeable.period_months\)"):
        node.declare_internal_checks(ADMIN, [POINT], first, date(2027, 8, 1), "a bomb threat",
                                     "unforeseeable")  # fmt: skip
    with pytest.raises(InvalidInputError, match=r"kind: 'default' is not one of the regime's"):
        node.declare_internal_checks(ADMIN, [POINT], first, first, "threat", "default")
    now = node.declare_internal_checks(ADMIN, [POINT], first, date(2027, 7, 31),
                                       "a bomb threat", "unforeseeable")  # fmt: skip
    unnamed = node.declare_internal_checks(ADMIN, ["GEO-GUGUTI"], first, date(2027, 12, 31),
                                           "a summit")  # six months: foreseeable's period
    assert (now["kind"], unnamed["kind"]) == ("unforeseeable", "foreseeable")
    node.prolong_internal_checks(ADMIN, now["id"], date(2027, 8, 31), "it persists")
    node.prolong_internal_checks(ADMIN, now["id"], date(2027, 9, 30), "it persists")
    with pytest.raises(InvalidInputError, match=r"at most 3 months in all, to 2027-09-30"):
        node.prolong_internal_checks(ADMIN, now["id"], date(2027, 10, 1), "more")
    listed = {r["id"]: r for r in node.list_internal_checks(ADMIN)["internal_checks"]}
    assert {(r["kind"], r["until"], r["beyond_limits"]) for r in listed.values()} == {
        ("unforeseeable", "2027-09-30", None), ("foreseeable", "2027-12-31", None)}
    with node.store.transaction() as tx:  # the records carry the kind
        sent = [(row.kind, row.payload["kind"]) for row in tx.outbox_after(0, 10)]
    assert sent[0] == ("InternalChecksDeclared", "unforeseeable")


def test_a_reintroduction_before_the_kinds_keeps_its_own_limits(node: Node, clock: Clock) -> None:
    """Declared under the version of one kind, a reintroduction is held to that version's
    limits (the version in force on its first day) when the kinds come in."""
    clock.now = AMENDED - 20 * DAY
    body = node.declare_internal_checks(ADMIN, [POINT], date(2027, 6, 20), date(2027, 7, 19),
                                        "a threat")  # fmt: skip
    assert body["kind"] == "default"
    clock.now = AMENDED
    with pytest.raises(InvalidInputError, match=r"internal_checks.period_days"):
        node.prolong_internal_checks(ADMIN, body["id"], date(2027, 8, 19), "more")
    body = node.prolong_internal_checks(ADMIN, body["id"], date(2027, 8, 18), "more")
    assert (body["kind"], body["beyond_limits"]) == ("default", None)


def test_a_peer_files_the_kind_a_record_without_one_is_default_and_an_unknown_one_is_not_applied(
    geo: FederationService, node: Node,
) -> None:
    base = {"state": "ARM", "crossing_points": ["ARM-BAGRATASHEN"], "ground": "a threat",
            "prolongations": [], "ended_on": None}  # fmt: skip
    records = [
        _arm("InternalChecksDeclared", base | {"id": "ARM-IC-1", "kind": "unforeseeable",
             "from": "2027-07-01", "to": "2027-07-31"}),
        _arm("InternalChecksDeclared", base | {"id": "ARM-IC-2", "from": "2027-06-01",
             "to": "2027-06-20"}),  # sent before kinds: no kind
        _arm("InternalChecksDeclared", base | {"id": "ARM-IC-3", "kind": "martial_law",
             "from": "2027-07-01", "to": "2027-07-31"}),
        # beyond its kind's limits (one month): filed as ARM declared it, and flagged
        _arm("InternalChecksDeclared", base | {"id": "ARM-IC-4", "kind": "unforeseeable",
             "from": "2027-07-01", "to": "2027-09-01"}),
    ]  # fmt: skip
    for n in range(1, len(records)):
        records[n] = _arm(records[n].kind, records[n].payload, n + 1, records[n - 1].hash)
    assert geo.ingest("ARM", records).rejection is None
    with geo.store.transaction(read_only=True) as tx:
        why = [str(r["why"]) for r in tx.not_applied_records("ARM", 10)]
    assert why == ["kind: 'martial_law' is not a kind of reintroduction the union regime names "
                   "(default, foreseeable, overall_risk, unforeseeable)"]
    listed = {r["id"]: r for r in node.list_internal_checks(ADMIN)["internal_checks"]}
    assert {ref: r["kind"] for ref, r in listed.items()} == {
        "ARM-IC-1": "unforeseeable", "ARM-IC-2": "default", "ARM-IC-4": "unforeseeable"}
    assert listed["ARM-IC-1"]["beyond_limits"] is None
    assert listed["ARM-IC-2"]["beyond_limits"] is None
    assert listed["ARM-IC-4"]["beyond_limits"] == (
        "a period of 63 days is beyond the limit: at most 1 month for one period (the "
        "regime's internal_checks.unforeseeable.period_months)")


def test_a_kind_declared_ahead_at_one_member_is_filed_with_its_kind_at_another(
    database_url: str, tmp_path: Path,
) -> None:
    """Federated between in-process members (``test_federation_amendments``): ARM declares,
    on 2027-06-10, unforeseeable checks from 2027-07-01 (held to the version in force on that
    first day, the 2024 kinds') and prolongs them; GEO files both records with the kind."""
    arm, geo = member(database_url, "ARM"), member(f"sqlite:///{tmp_path / 'geo.sqlite'}", "GEO")
    try:
        admin = Actor("admin.arm", Role.ADMIN)
        body = arm.node.declare_internal_checks(admin, ["ARM-BAGRATASHEN"], date(2027, 7, 1),
                                                date(2027, 7, 31), "a threat", "unforeseeable")
        arm.node.prolong_internal_checks(admin, body["id"], date(2027, 8, 31), "it persists")
        records = sync(arm, geo)
        assert [r.payload["kind"] for r in records if r.kind.startswith("InternalChecks")] == [
            "unforeseeable", "unforeseeable"]
        seen = geo.node.list_internal_checks(ADMIN)["internal_checks"]
        assert [(r["id"], r["kind"], r["status"], r["until"], r["beyond_limits"])
                for r in seen] == [(body["id"], "unforeseeable", "planned", "2027-08-31", None)]
    finally:
        for m in (arm, geo):
            m.node.store.engine.dispose()  # type: ignore[attr-defined]
