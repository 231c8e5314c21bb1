"""Reintroductions of internal border checks as stored and as their records carry them, and
how a peer's ``InternalChecksDeclared``, ``InternalChecksProlonged`` and ``InternalChecksEnded``
are filed (``services.federation``). Apart from ``services.node.internal_checks`` so that the
federation's apply imports no use case.

Each record carries the whole reintroduction as it then stands: the peers file the latest one.
A record about a state's points is applied only from that state's node.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cta.domain.crossing_points import CrossingPoints
from cta.domain.errors import CTAError
from cta.domain.internal_checks import Prolongation, Reintroduction
from cta.federation.records import Record
from cta.services.ports import Transaction

__all__ = [
    "INTERNAL_CHECK_KINDS",
    "apply_reintroduction",
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
        ended_on=row["ended_on"],
    )  # fmt: skip


def row_fields(r: Reintroduction) -> dict[str, Any]:
    """The table's columns of a reintroduction (but ``ref`` and who declared it)."""
    return {"state": r.state, "crossing_points": list(r.points), "first_day": r.first,
            "last_day": r.last, "ground": r.ground, "ended_on": r.ended_on,
            "prolongations": [{"to": p.to.isoformat(), "ground": p.ground}
                              for p in r.prolongations]}  # fmt: skip


def reintroduction_payload(r: Reintroduction) -> dict[str, Any]:
    """The whole reintroduction as its records carry it (each record says it all)."""
    return {"id": r.id, "state": r.state, "crossing_points": list(r.points),
            "from": r.first.isoformat(), "to": r.last.isoformat(), "ground": r.ground,
            "prolongations": [{"to": p.to.isoformat(), "ground": p.ground}
                              for p in r.prolongations],
            "ended_on": r.ended_on.isoformat() if r.ended_on else None}  # fmt: skip


def reintroduction_json(r: Reintroduction, on: date) -> dict[str, Any]:
    """As the API shows it on ``on``: its status then, and the last day checks run."""
    return reintroduction_payload(r) | {"last_day": r.last_day.isoformat(),
                                        "until": r.final_day.isoformat(),
                                        "status": r.state_on(on).value}  # fmt: skip


def _from_payload(payload: dict[str, Any]) -> Reintroduction:
    ended = payload.get("ended_on")
    return Reintroduction(
        id=str(payload["id"]), state=str(payload["state"]),
        points=tuple(str(p) for p in payload["crossing_points"]),
        first=date.fromisoformat(payload["from"]), last=date.fromisoformat(payload["to"]),
        ground=str(payload["ground"]),
        prolongations=tuple(Prolongation(date.fromisoformat(p["to"]), str(p["ground"]))
                            for p in payload["prolongations"]),
        ended_on=date.fromisoformat(ended) if ended else None,
    )  # fmt: skip


def apply_reintroduction(
    tx: Transaction, points: CrossingPoints, record: Record, payload: dict[str, Any]
) -> None:
    """File a peer's reintroduction as its record says it now stands; refused (kept, not
    applied) when the record is not from the state whose points it names."""
    r = _from_payload(payload)
    if r.state != record.origin or not r.id.startswith(f"{record.origin}-IC-"):
        raise CTAError(f"{record.origin} may not declare {r.state}'s internal checks ({r.id})")
    for code in r.points:
        point = points.get(code)
        if point is None or point.state != record.origin or point.is_external:
            raise CTAError(f"{code} is not an internal crossing point of {record.origin}")
    fields = row_fields(r) | {"origin": record.origin, "record_seq": record.seq}
    if tx.reintroduction(r.id, lock=True) is None:
        tx.add_reintroduction(ref=r.id, declared_at=record.at, **fields)
    else:
        tx.update_reintroduction(r.id, **fields)
