"""Load and validate the crossing points shipped in `cta/data/crossing_points.csv`.

Sources and date of the data: `cta/data/crossing_points.md` (airports from airportsdata,
land and sea points from the border agencies and the pages cited there).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cta.domain.crossing_points import (
    MEMBER_STATES,
    CrossingKind,
    CrossingMode,
    CrossingPoint,
    CrossingPoints,
)
from cta.domain.errors import PolicyError
from cta.policy.csv_tables import unique_by_code

__all__ = [
    "COLUMNS",
    "load_crossing_points",
    "parse_crossing_point_row",
    "parse_crossing_points",
]

COLUMNS = (
    "code",
    "state",
    "name",
    "name_local",
    "kind",
    "border_with",
    "mode",
    "latitude",
    "longitude",
    "time_zone",
    "source",
)
DATA_FILE = "crossing_points.csv"

_CODE = re.compile(r"(AZE|ARM|GEO)-[A-Z0-9]+(-[A-Z0-9]+)*")
_ISO3 = re.compile(r"[A-Z]{3}")
_SOURCE = re.compile(r"[a-z0-9][a-z0-9-]*")
_KINDS = tuple(kind.value for kind in CrossingKind)
_MODES = tuple(mode.value for mode in CrossingMode)


@cache
def load_crossing_points() -> CrossingPoints:
    """The crossing points shipped with CTA, read and validated once per process."""
    text = resources.files("cta.data").joinpath(DATA_FILE).read_text(encoding="utf-8")
    return parse_crossing_points(text, file=f"cta/data/{DATA_FILE}")


def parse_crossing_points(text: str, *, file: str) -> CrossingPoints:
    """Build the table from CSV text; PolicyError names the file and line of the first bad row."""
    return CrossingPoints(
        unique_by_code(
            text,
            file=file,
            columns=COLUMNS,
            parse_row=lambda row, file, line: parse_crossing_point_row(row, file=file, line=line),
            what="crossing points",
        )
    )


def parse_crossing_point_row(row: Mapping[str, str], *, file: str, line: int) -> CrossingPoint:
    """One validated CrossingPoint from one CSV row; PolicyError says what is wrong and where."""
    try:
        return _point(row)
    except _RowProblem as problem:
        raise PolicyError(str(problem), file=file, line=line) from None


def _point(row: Mapping[str, str]) -> CrossingPoint:
    """The CrossingPoint a row describes; _RowProblem names the first thing wrong."""
    code = row.get("code", "")
    if not _CODE.fullmatch(code):
        raise _RowProblem(f"code {code!r} is not STATE-NAME (e.g. GEO-SADAKHLO, ARM-EVN)")
    state = row.get("state", "")
    if state not in MEMBER_STATES:
        raise _RowProblem(f"{code}: state {state!r} is not a member state (AZE, ARM, GEO)")
    if not code.startswith(f"{state}-"):
        raise _RowProblem(f"{code}: the code does not start with its state {state}")
    name = row.get("name", "").strip()
    if not name:
        raise _RowProblem(f"{code}: the name is empty")
    kind = CrossingKind(_enum_value(row.get("kind", ""), _KINDS, "kind", code))
    mode = CrossingMode(_enum_value(row.get("mode", ""), _MODES, "mode", code))
    if not _SOURCE.fullmatch(row.get("source", "")):
        raise _RowProblem(f"{code}: source {row.get('source')!r} is not a short source id")
    return CrossingPoint(
        code=code,
        state=state,
        name=name,
        name_local=row.get("name_local", "").strip(),
        kind=kind,
        border_with=_border_with(row.get("border_with", ""), state, kind, mode, code),
        mode=mode,
        latitude=_degrees(row.get("latitude", ""), "latitude", 90.0, code),
        longitude=_degrees(row.get("longitude", ""), "longitude", 180.0, code),
        time_zone=_time_zone(row.get("time_zone", ""), code),
    )


def _enum_value(value: str, allowed: tuple[str, ...], column: str, code: str) -> str:
    """`value` if it is one of `allowed`; a _RowProblem otherwise."""
    if value not in allowed:
        raise _RowProblem(f"{code}: {column} {value!r} is not one of {', '.join(allowed)}")
    return value


def _border_with(value: str, state: str, kind: CrossingKind, mode: CrossingMode, code: str) -> str:
    """The neighbour's ISO3 code; empty for airports and sea ports, which face no one state."""
    if mode in (CrossingMode.AIR, CrossingMode.SEA):
        if value:
            raise _RowProblem(f"{code}: border_with must be empty for mode {mode}")
        if kind is not CrossingKind.EXTERNAL:
            raise _RowProblem(f"{code}: an airport or sea port is external, not {kind}")
        return value
    if not _ISO3.fullmatch(value):
        raise _RowProblem(f"{code}: border_with {value!r} is not an ISO 3166-1 alpha-3 code")
    if value == state:
        raise _RowProblem(f"{code}: border_with {value} is the point's own state")
    expected = CrossingKind.INTERNAL if value in MEMBER_STATES else CrossingKind.EXTERNAL
    if kind is not expected:
        raise _RowProblem(f"{code}: a crossing into {value} is {expected}, not {kind}")
    return value


def _degrees(value: str, column: str, limit: float, code: str) -> float:
    """A latitude or longitude in decimal degrees within +-limit."""
    try:
        degrees = float(value)
    except ValueError:
        raise _RowProblem(f"{code}: {column} {value!r} is not a number") from None
    if not math.isfinite(degrees) or abs(degrees) > limit:
        raise _RowProblem(f"{code}: {column} {value} is outside -{limit:g}..{limit:g}")
    return degrees


def _time_zone(value: str, code: str) -> str:
    """An IANA time zone name that this machine's zoneinfo knows."""
    if not value or value.startswith(("/", ".")) or ".." in value:
        raise _RowProblem(f"{code}: time_zone {value!r} is not an IANA time zone")
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise _RowProblem(f"{code}: time_zone {value!r} is not an IANA time zone") from None
    return value


class _RowProblem(Exception):
    """A problem in one row; turned into a PolicyError with the file and line."""
