"""Where and when a border check or a crossing may be recorded, and when the officer must say
why they record it against the check's decision.

- A node checks and records at its own state's external crossing points only: internal
  borders are not checked (DESIGN.md, data flow 2), and another state's points are that
  state's node's.
- A crossing's time may run ahead of the node's clock by ``CLOCK_TOLERANCE`` (clocks differ
  a little), never more: a crossing in the future is a mistake.
- A refusal is of an entry only (exits are never refused). An entry the check refused, or a
  crossing with a document that does not read as valid, is recorded only with the officer's
  override reason: the officer decides, and the reason is kept with the record.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from cta.domain.checks import Decision, Direction, Outcome
from cta.domain.crossing_points import CrossingPoint

__all__ = ["CLOCK_TOLERANCE", "crossing_point_problem", "override_problem", "time_problem"]

CLOCK_TOLERANCE = timedelta(minutes=5)


def crossing_point_problem(code: str, point: CrossingPoint | None, state: str) -> str | None:
    """Why ``state``'s node may not check or record at the point ``code`` (None: it may)."""
    if point is None:
        return f"crossing_point {code!r} is not a known crossing point"
    if point.state != state:
        return f"crossing_point {code} is run by {point.state}: this node records {state}'s"
    if not point.is_external:
        return (f"crossing_point {code} is on an internal border of the area: no check and no "
                "record there")
    return None


def time_problem(at: datetime, now: datetime) -> str | None:
    """Why a crossing may not be recorded as having happened at ``at`` (None: it may)."""
    if at > now + CLOCK_TOLERANCE:
        return f"occurred_at {at.isoformat()} is in the future"
    return None


def override_problem(
    decision: Decision, direction: Direction, *, document_valid: bool, refused: bool,
    override_reason: str | None,
) -> str | None:  # fmt: skip
    """Why this crossing (or refusal, ``refused``) may not be recorded after a check that
    decided ``decision`` (None: it may)."""
    if refused:
        return "exits are never refused" if direction is Direction.EXIT else None
    needs = not document_valid or (
        direction is Direction.ENTRY and decision.outcome is Outcome.REFUSE
    )
    if needs and not (override_reason or "").strip():
        codes = ", ".join(r.code for r in decision.reasons) or "B"
        return (f"the check decided {decision.outcome.value} ({codes}): recording this entry "
                "needs override_reason")
    return None
