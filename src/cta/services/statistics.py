"""Statistics for analysts: entries, exits and refusals counted by day, point or nationality.

Counts only: an analyst never sees a person (cta.domain.roles). Groups smaller than
``SMALL_GROUP`` are reported as ``"<5"``, so that a rare nationality at a small crossing point
on one day does not single a traveller out.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Literal

from cta.domain.errors import InvalidInputError
from cta.domain.roles import Permission, Role, allows
from cta.services.node import ForbiddenError
from cta.services.ports import Aggregates

__all__ = ["SMALL_GROUP", "GroupBy", "crossing_statistics"]

SMALL_GROUP = 5
GroupBy = Literal["day", "crossing_point", "nationality"]


def crossing_statistics(
    aggregates: Aggregates | None, role: Role, first: date, last: date, by: GroupBy
) -> dict[str, Any]:
    """Entries, exits and refusals from ``first`` to ``last`` grouped ``by``."""
    if not allows(role, Permission.READ_AGGREGATES):
        raise ForbiddenError(f"role {role} may not read aggregates")
    if aggregates is None:
        raise InvalidInputError("this node keeps no statistics")
    if last < first or last - first > timedelta(days=3660):
        raise InvalidInputError("the period must run forwards and last at most ten years")
    groups: dict[str, dict[str, Any]] = {}
    for row in aggregates.crossings_by(first, last, by):
        group = groups.setdefault(str(row["key"]), {"entries": 0, "exits": 0, "refusals": 0})
        group["entries" if row["direction"] == "entry" else "exits"] = row["count"]
    for row in aggregates.refusals_by(first, last, by):
        group = groups.setdefault(str(row["key"]), {"entries": 0, "exits": 0, "refusals": 0})
        group["refusals"] = row["count"]
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "by": by,
        "groups": [
            {by: key, **{k: _coarse(v) for k, v in counts.items()}}
            for key, counts in sorted(groups.items())
        ],
    }


def _coarse(count: int) -> int | str:
    return f"<{SMALL_GROUP}" if 0 < count < SMALL_GROUP else count
