"""Published arrival figures by nationality, one table per member state (``cta/data/arrivals.csv``).

Each state's figures come from one publication, for one period and one measure (entries,
tourists, arrivals): they are counts of arrivals, not of persons, and they are not comparable
from state to state. A row is a nationality (``members`` = its own code), a group whose members
share a figure (``EU27``), or ``OTHER``: the rest of the published total, which no nationality
can be given (``members`` empty). Sources and gaps: ``cta/data/arrivals.md``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from cta.domain.errors import PolicyError

__all__ = ["COLUMNS", "ArrivalFigure", "ArrivalSource", "ArrivalTable", "parse_arrivals"]

COLUMNS = ("state", "period", "measure", "code", "members", "visitors", "source")
OTHER = "OTHER"
_PERIOD = re.compile(r"\d{4}(-\d{2}/\d{4}-\d{2})?")
_GROUP = re.compile(r"[A-Z][A-Z0-9]{1,9}")


@dataclass(frozen=True, slots=True)
class ArrivalFigure:
    """Arrivals in one state of one nationality, a group of them, or the rest (``OTHER``)."""

    state: str
    code: str
    members: tuple[str, ...]  # the nationalities counted; empty for OTHER
    visitors: int

    @property
    def attributed(self) -> bool:
        return bool(self.members)


@dataclass(frozen=True, slots=True)
class ArrivalSource:
    """Where one state's figures come from: period (``2024`` or ``2023-01/2023-09``), what
    was counted, the address of the publication, and the published total."""

    state: str
    period: str
    measure: str
    url: str
    total: int


@dataclass(frozen=True, slots=True)
class ArrivalTable:
    """Every state's figures and source."""

    figures: tuple[ArrivalFigure, ...]
    sources: Mapping[str, ArrivalSource]

    def for_state(self, state: str) -> list[ArrivalFigure]:
        return [f for f in self.figures if f.state == state]


def parse_arrivals(
    text: str, *, file: str, states: Iterable[str], codes: Iterable[str]
) -> ArrivalTable:
    """The table from CSV text; PolicyError names the file, the line and the problem."""
    allowed_states, known = frozenset(states), frozenset(codes)
    reader = csv.reader(io.StringIO(text, newline=""))
    if tuple(next(reader, ())) != COLUMNS:
        raise PolicyError(f"header must be {','.join(COLUMNS)}", file=file, line=1)
    figures: list[ArrivalFigure] = []
    sources: dict[str, ArrivalSource] = {}
    seen: set[tuple[str, str]] = set()
    for cells in reader:
        line = reader.line_num
        if len(cells) != len(COLUMNS):
            raise PolicyError(
                f"{len(cells)} columns, expected {len(COLUMNS)}", file=file, line=line
            )
        row = dict(zip(COLUMNS, cells, strict=True))
        figure = _figure(row, allowed_states, known, file, line)
        if (figure.state, figure.code) in seen:
            raise PolicyError(f"{figure.state} {figure.code} given twice", file=file, line=line)
        seen.add((figure.state, figure.code))
        _same_source(sources, row, figure, file, line)
        figures.append(figure)
    if not figures:
        raise PolicyError("no arrival figures in the table", file=file)
    _no_nationality_twice(figures, file)
    return ArrivalTable(tuple(figures), MappingProxyType(sources))


def _figure(
    row: Mapping[str, str], states: frozenset[str], known: frozenset[str], file: str, line: int
) -> ArrivalFigure:
    def fail(problem: str) -> PolicyError:
        return PolicyError(problem, file=file, line=line)

    state, code = row["state"], row["code"]
    if state not in states:
        raise fail(f"state {state!r} is not a member state ({', '.join(sorted(states))})")
    if not _PERIOD.fullmatch(row["period"]):
        raise fail(f"period {row['period']!r} is not YYYY or YYYY-MM/YYYY-MM")
    if not row["visitors"].isdigit():
        raise fail(f"visitors {row['visitors']!r} is not a whole number of 0 or more")
    members = tuple(row["members"].split())
    for member in members:
        if member not in known:
            raise fail(f"{code}: unknown nationality {member!r} in members")
    if code == OTHER and members:
        raise fail("OTHER is the rest of the total: its members are empty")
    if code != OTHER and not members:
        raise fail(f"{code}: members are empty (only OTHER has none)")
    if code in known and members != (code,):
        raise fail(f"{code}: a nationality's members are its own code")
    if code not in known and code != OTHER and not _GROUP.fullmatch(code):
        raise fail(f"code {code!r} is neither a nationality nor a group name like EU27")
    if not row["measure"].strip() or not row["source"].startswith("https://"):
        raise fail("every row needs a measure and a source address (https://...)")
    return ArrivalFigure(state, code, members, int(row["visitors"]))


def _same_source(
    sources: dict[str, ArrivalSource],
    row: Mapping[str, str],
    figure: ArrivalFigure,
    file: str,
    line: int,
) -> None:
    """One publication per state: every row of a state has the same period, measure, source."""
    known = sources.get(figure.state)
    if known is None:
        sources[figure.state] = ArrivalSource(
            figure.state, row["period"], row["measure"], row["source"], figure.visitors
        )
        return
    if (known.period, known.measure, known.url) != (row["period"], row["measure"], row["source"]):
        raise PolicyError(
            f"{figure.state}: every row of a state has the same period, measure and source",
            file=file,
            line=line,
        )
    sources[figure.state] = ArrivalSource(
        known.state, known.period, known.measure, known.url, known.total + figure.visitors
    )


def _no_nationality_twice(figures: Sequence[ArrivalFigure], file: str) -> None:
    counted: set[tuple[str, str]] = set()
    for figure in figures:
        for member in figure.members:
            if (figure.state, member) in counted:
                raise PolicyError(f"{figure.state}: {member} is counted in two rows", file=file)
            counted.add((figure.state, member))
