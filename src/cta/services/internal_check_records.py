"""Reintroductions of internal border checks as stored and as their records carry them, and
how a peer's ``InternalChecksDeclared``, ``InternalChecksProlonged`` and ``InternalChecksEnded``
are filed (``services.federation``). Apart from ``services.node.internal_checks`` so that the
federation's apply imports no use case.

Each record carries the whole reintroduction as it then stands: the peers file the latest one.
A record about a state's points is applied only from that state's node.
"""

from __future__ import annotations

from datetime import date
from functools import cache
from typing import Any

from cta.domain.crossing_points import CrossingPoints
from cta.domain.internal_checks import DEFAULT_KIND, Prolongation, Reintroduction
from cta.domain.peer_filings import reintroduction
from cta.domain.peer_records import PeerRecordError
from cta.federation.records import Record
from cta.policy.loader import load_regime, shipped_regimes
from cta.services.ports import Transaction

__all__ = [
    "INTERNAL_CHECK_KINDS",
    "apply_reintroduction",
    "known_kinds",
    "reintroduction_from_row",
    "reintroduction_json",
    "reintroduction_payload",
    "row_fields",
]

INTERNAL_CHECK_KINDS = frozenset(
    {"InternalChecksDeclared", "InternalChecksProlonged", "InternalChecksEnded"})


def reintroduction_from_row(row: dict[str, Any]) -> Reintroduction:
    return Reintroduction(
        id=row["ref"], state=row["state"], points=tuple(row["crossing_points"]),
        first=row["first_day"], last=row["last_day"], ground=row["ground"],
        prolongations=tuple(Prolongation(date.fromisoformat(p["to"]), p["ground"])
                            for p in row["prolongations"]),
        ended_on=row["ended_on"], kind=row.get("kind") or DEFAULT_KIND,
    )  # fmt: skip


def row_fields(r: Reintroduction) -> dict[str, Any]:
    """The table's columns of a reintroduction (but ``ref`` and who declared it)."""
    return {"state": r.state, "kind": r.kind, "crossing_points": list(r.points),
            "first_day": r.first,
            "last_day": r.last, "ground": r.ground, "ended_on": r.ended_on,
            "prolongations": [{"to": p.to.isoformat(), "ground": p.ground}
                              for p in r.prolongations]}  # fmt: skip


def reintroduction_payload(r: Reintroduction) -> dict[str, Any]:
    """The whole reintroduction as its records carry it (each record says it all)."""
    return {"id": r.id, "state": r.state, "kind": r.kind, "crossing_points": list(r.points),
            "from": r.first.isoformat(), "to": r.last.isoformat(), "ground": r.ground,
            "prolongations": [{"to": p.to.isoformat(), "ground": p.ground}
                              for p in r.prolongations],
            "ended_on": r.ended_on.isoformat() if r.ended_on else None}  # fmt: skip


def reintroduction_json(r: Reintroduction, on: date) -> dict[str, Any]:
    """As the API shows it on ``on``: its status then, and the last day checks run."""
    return reintroduction_payload(r) | {"last_day": r.last_day.isoformat(),
                                        "until": r.final_day.isoformat(),
                                        "status": r.state_on(on).value}  # fmt: skip


@cache
def known_kinds() -> frozenset[str]:
    """The kinds of reintroduction any version of a shipped union regime names (``default``
    among them): a peer's record of another kind is kept but not applied. Every member runs
    the same union regime, so a kind none of its versions knows is one no limit holds."""
    kinds = {DEFAULT_KIND}
    for name in shipped_regimes():
        for version in load_regime(name).versions:
            if version.internal_checks is not None:
                kinds.update(version.internal_checks.names)
    return frozenset(kinds)


def apply_reintroduction(
    tx: Transaction, points: CrossingPoints, record: Record, payload: dict[str, Any]
) -> None:
    """File a peer's reintroduction as its record says it now stands. Read whole first
    (``peer_records.reintroduction``: of the origin, at its own internal points, days in
    order within 1900-2999), so a record the database or a page would choke on is not applied
    (kept, with why). A declaration of an id filed already is not applied unless it is the
    same (a redelivery)."""
    r = reintroduction(payload, kind=record.kind, origin=record.origin, point=points.get,
                       check_kinds=known_kinds())  # fmt: skip
    fields = row_fields(r) | {"origin": record.origin, "record_seq": record.seq}
    filed = tx.reintroduction(r.id, lock=True)
    if filed is None:
        tx.add_reintroduction(ref=r.id, declared_at=record.at, **fields)
    elif record.kind != "InternalChecksDeclared":
        tx.update_reintroduction(r.id, **fields)
    elif reintroduction_from_row(filed) != r:
        raise PeerRecordError(f"id: {r.id} is filed already, with other content")
