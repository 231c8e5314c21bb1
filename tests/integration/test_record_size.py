"""A record too long for the federation is refused where it is made, never stored to stop the
sealer (sweep S17-A2): the outbox is sealed in order, so one row that cannot be sealed held
back every later record of the node for good. And a purge that erases many records announces
them in as many ``RetentionDeletion`` records as it takes (S17-B4), each under the limit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from cta.adapters.storage import tables as t
from cta.domain.checks import Direction
from cta.domain.errors import InvalidInputError
from cta.federation.records import MAX_PAYLOAD_BYTES
from tests.integration.node_server import passport, unique_number
from tests.integration.test_federation_amendments import (  # the members ARM and GEO
    ADMIN,
    NOW,
    OFFICER,
    Member,
    arm,
    crossing,
    geo,
    sync,
)

__all__ = ["arm", "geo"]


def _outbox_rows(m: Member) -> int:
    with m.node.store.engine.connect() as connection:  # type: ignore[attr-defined]
        return int(connection.execute(select(func.count()).select_from(t.outbox)).scalar_one())


def _persons(m: Member) -> int:
    with m.node.store.engine.connect() as connection:  # type: ignore[attr-defined]
        return int(connection.execute(select(func.count()).select_from(t.persons)).scalar_one())


def test_a_payload_longer_than_a_record_is_refused_and_nothing_of_its_use_case_is_kept(
    arm: Member,
) -> None:
    arm.node.record(OFFICER, crossing(passport("USA", number=unique_number()), Direction.ENTRY,
                                      3))  # fmt: skip
    before = _outbox_rows(arm)
    store = arm.node.store
    too_long = pytest.raises(InvalidInputError, match=r"AlertPut: the record would be \d+ bytes")
    with too_long, store.transaction() as tx:
        tx.emit("AlertPut", {"names": ["ა" * 2000] * 12}, NOW)  # 72 KB in UTF-8
    assert _outbox_rows(arm) == before
    with store.transaction() as tx:  # at the limit's edge it is taken
        tx.emit("AlertPut", {"text": "x" * (MAX_PAYLOAD_BYTES - 20)}, NOW)
    assert _outbox_rows(arm) == before + 1
    assert arm.federation.seal_all() == 2  # the crossing and the long one: nothing stuck


def test_a_purge_of_many_records_announces_them_in_several_deletions_a_peer_applies(
    arm: Member, geo: Member, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("cta.services.application_retention.DELETION_REFS", 2)
    mrz = passport("USA", number=unique_number())
    trips = [(Direction.ENTRY, 50), (Direction.EXIT, 40), (Direction.ENTRY, 30),
             (Direction.EXIT, 20), (Direction.ENTRY, 10), (Direction.EXIT, 0)]
    for direction, days in trips:  # the last exit past retention
        arm.node.record(OFFICER, crossing(mrz, direction, 4 * 366 + days))
    sync(arm, geo)
    assert _persons(geo) == 1
    assert arm.node.purge(ADMIN)["deleted"] == 1
    records = sync(arm, geo)
    deletions = [r for r in records if r.kind == "RetentionDeletion"]
    assert [len(r.payload["records"]) for r in deletions] == [2, 2, 2]
    named = sorted(tuple(ref) for r in deletions for ref in r.payload["records"])
    assert named == [("ARM", seq) for seq in range(1, 7)]
    assert _persons(geo) == 0  # the last deletion took the last of the traveller's records
