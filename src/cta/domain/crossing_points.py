"""Crossing points: the airports, land crossings and sea ports where a border is crossed.

The table itself is data (`cta/data/crossing_points.csv`, sources in `crossing_points.md`),
loaded and validated by `cta.policy.crossing_points`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from zoneinfo import ZoneInfo

__all__ = [
    "MEMBER_STATES",
    "CrossingKind",
    "CrossingMode",
    "CrossingPoint",
    "CrossingPoints",
    "local_date",
]

MEMBER_STATES = frozenset({"AZE", "ARM", "GEO"})


class CrossingKind(StrEnum):
    """Which border a point is on: the area's outer border or one between two members."""

    EXTERNAL = "external"
    INTERNAL = "internal"


class CrossingMode(StrEnum):
    """How travellers cross there."""

    AIR = "air"
    ROAD = "road"
    RAIL = "rail"
    SEA = "sea"


@dataclass(frozen=True, slots=True)
class CrossingPoint:
    """One crossing point as one state runs it; a two-sided land crossing is two points."""

    code: str
    state: str
    name: str
    name_local: str
    kind: CrossingKind
    border_with: str
    mode: CrossingMode
    latitude: float
    longitude: float
    time_zone: str

    @property
    def is_external(self) -> bool:
        """True where the area's common regime is checked (area ↔ outside)."""
        return self.kind is CrossingKind.EXTERNAL

    @property
    def zone(self) -> ZoneInfo:
        """The point's IANA time zone."""
        return ZoneInfo(self.time_zone)


def local_date(point: CrossingPoint, instant: datetime) -> date:
    """The calendar date at `point` at `instant` (timezone-aware, normally UTC; naive refused).

    A day of stay is a calendar date at the crossing point (DESIGN.md, "Dates"); all three
    members are UTC+4 today, but the zone is read, not assumed.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instant must be timezone-aware (UTC)")
    return instant.astimezone(point.zone).date()


class CrossingPoints:
    """All crossing points of the area, looked up by code or by the state that runs them."""

    __slots__ = ("_by_code", "_by_state")

    def __init__(self, points: Iterable[CrossingPoint]) -> None:
        by_code: dict[str, CrossingPoint] = {}
        by_state: dict[str, list[CrossingPoint]] = {}
        for point in points:
            if point.code in by_code:
                raise ValueError(f"crossing point code {point.code} appears twice")
            by_code[point.code] = point
            by_state.setdefault(point.state, []).append(point)
        self._by_code = MappingProxyType(by_code)
        self._by_state = MappingProxyType({s: tuple(p) for s, p in by_state.items()})

    def get(self, code: str) -> CrossingPoint | None:
        """The crossing point with this code, or None if the code is unknown."""
        return self._by_code.get(code)

    def of_state(self, state: str) -> tuple[CrossingPoint, ...]:
        """The points `state` runs, in table order (empty for a state with none)."""
        return self._by_state.get(state, ())

    def __contains__(self, code: object) -> bool:
        return code in self._by_code

    def __iter__(self) -> Iterator[CrossingPoint]:
        return iter(self._by_code.values())

    def __len__(self) -> int:
        return len(self._by_code)
