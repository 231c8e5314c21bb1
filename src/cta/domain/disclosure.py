"""Counts for analysts that no combination of answers turns back into a small count.

Every figure of ``GET /v1/statistics`` is built from the same fixed cells: the count of one
measure (entries, exits or refusals) on one day, at one crossing point, of one nationality.
Each cell is published once, the same way for every query: a count of ``SMALL`` or more as it
is; a smaller one (1 to 4) as 0 or ``SMALL``, at random with the chance count / ``SMALL`` of
``SMALL`` (unbiased random rounding, as statistical offices round small counts), the draw made
by a keyed hash of the cell and a secret of the node, so that asking again, or asking for
another range or grouping, draws nothing new. A figure is the sum of its cells' published
values, so any sum or difference of figures an analyst computes is a sum or difference of
published cells: a cell under ``SMALL`` is never seen as its count (docs/statistics.md).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Literal

__all__ = ["MEASURES", "SMALL", "Cell", "GroupBy", "figures", "published", "rounded"]

SMALL = 5
# internal checks (cta.domain.internal_checks): all made, and those refused among them
MEASURES = ("entries", "exits", "refusals", "internal_checks", "internal_refusals")
GroupBy = Literal["day", "crossing_point", "nationality"]


@dataclass(frozen=True, slots=True)
class Cell:
    """One measure on one day at one crossing point for one nationality."""

    day: date
    crossing_point: str
    nationality: str
    measure: str  # one of MEASURES

    def key(self, by: GroupBy) -> str:
        if by == "day":
            return self.day.isoformat()
        return self.crossing_point if by == "crossing_point" else self.nationality


def published(cell: Cell, count: int, secret: bytes) -> int:
    """The value a cell is published with: ``count`` from ``SMALL`` on, else 0 or ``SMALL``
    (``SMALL`` with the chance count / ``SMALL``, the same for every query)."""
    name = f"{cell.measure}|{cell.day.isoformat()}|{cell.crossing_point}|{cell.nationality}"
    return rounded(name, count, secret)


def rounded(name: str, count: int, secret: bytes) -> int:
    """The published value of the cell called ``name`` (unique among all cells of every
    figure): ``count`` from ``SMALL`` on, else 0 or ``SMALL`` drawn by the keyed hash."""
    if count <= 0 or count >= SMALL:
        return max(count, 0)
    # keyed BLAKE2b is a pseudo-random function of the cell (RFC 7693): a MAC, as HMAC is,
    # in one call (a year's small cells are many)
    digest = hashlib.blake2b(name.encode(), key=secret[:64], digest_size=8).digest()
    draw = int.from_bytes(digest, "big") / 2**64  # uniform in [0, 1), fixed per cell
    return SMALL if draw < count / SMALL else 0


def figures(
    cells: Iterable[tuple[Cell, int]], by: GroupBy, secret: bytes
) -> dict[str, dict[str, int]]:
    """Each group's measures, summed from its cells' published values; a group whose
    figures are all 0 is left out (whether it had small cells is not told)."""
    groups: dict[str, dict[str, int]] = {}
    for cell, count in cells:
        value = published(cell, count, secret)
        if value:
            group = groups.setdefault(cell.key(by), dict.fromkeys(MEASURES, 0))
            group[cell.measure] += value
    return groups
