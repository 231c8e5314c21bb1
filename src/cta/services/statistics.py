"""Statistics for analysts: entries, exits and refusals counted by day, point or nationality.

Counts only: an analyst never sees a person (cta.domain.roles). Every figure is a sum of fixed
cells (a day, a crossing point, a nationality), each small cell rounded to 0 or 5 the same way
for every query, so that no difference of two answers recovers a small count
(``cta.domain.disclosure``, docs/statistics.md).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cta.domain.disclosure import SMALL, Cell, GroupBy, figures
from cta.domain.errors import InvalidInputError
from cta.domain.roles import Permission, Role, allows
from cta.services.node import ForbiddenError
from cta.services.ports import Aggregates

__all__ = ["METHOD", "SMALL_GROUP", "GroupBy", "crossing_statistics"]

SMALL_GROUP = SMALL
METHOD = (f"sums of cells (day, crossing point, nationality); a cell under {SMALL} is counted "
          f"as 0 or {SMALL} at random, the same for every query (docs/statistics.md)")  # fmt: skip


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
    cells = (
        (Cell(row["day"], row["crossing_point"], row["nationality"], row["measure"]), row["count"])
        for row in aggregates.cells(first, last)
    )
    groups = figures(cells, by, aggregates.secret())
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "by": by,
        "groups": [{by: key, **counts} for key, counts in sorted(groups.items())],
        "method": METHOD,
    }
