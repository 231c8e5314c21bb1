"""The figures of the statistics pages (issue 13): crossings by day and state and by crossing
point, flows between members, overstays by week, refusals by reason, checks at internal
borders by day, applications by outcome and time to decision, nationalities.

For analysts (``READ_AGGREGATES``), counts only, each figure a sum of cells rounded once by
``cta.domain.disclosure`` (docs/statistics.md, "The pages' figures"). The pages and
``GET /v1/statistics/figures`` both call ``statistics_figures``.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, Protocol, runtime_checkable

from cta.domain import statistics as figures
from cta.domain.disclosure import Cell
from cta.domain.errors import InvalidInputError
from cta.domain.regime import Regime
from cta.domain.roles import Permission, Role, allows
from cta.domain.statistics import ApplicationRow, Figure
from cta.services.node import ForbiddenError

__all__ = ["DOWNLOADS", "FIGURES", "LONGEST_PERIOD", "FigureCells", "as_json", "statistics_figures"]

FIGURES = ("crossings_by_day", "crossings_by_point", "flows", "overstays",
           "refusals_by_reason", "internal_checks_by_day", "applications_by_outcome",
           "time_to_decision", "nationalities")  # fmt: skip
DOWNLOADS = ("crossings_by_day_and_point",)  # figures given as a CSV only (too long to draw)
LONGEST_PERIOD = timedelta(days=366)  # a year of days keeps each page well under 200 KB


@runtime_checkable
class FigureCells(Protocol):
    """The counts the figures are made of (``cta.adapters.storage.statistics``)."""

    def cells(self, first: date, last: date) -> list[dict[str, Any]]: ...
    def secret(self) -> bytes: ...
    def exit_flows(self, first: date, last: date) -> list[tuple[date, str | None, str, int]]: ...
    def refusal_grounds(
        self, first: date, last: date
    ) -> list[tuple[date, str, str, list[str]]]: ...
    def applications_submitted(self, first: date, last: date) -> list[ApplicationRow]: ...
    def applications_decided(self, first: date, last: date) -> list[ApplicationRow]: ...
    def open_stays(self, days: list[date], at_least: int) -> list[tuple[date, str, date, int]]: ...


def statistics_figures(
    source: object, role: Role, regime: Regime, first: date, last: date
) -> dict[str, Figure]:
    """Every figure from ``first`` to ``last`` (local days; applications by UTC day), by name;
    ``regime`` gives each nationality's longest stay for the overstays."""
    if not allows(role, Permission.READ_AGGREGATES):
        raise ForbiddenError(f"role {role} may not read aggregates")
    if not isinstance(source, FigureCells):
        raise InvalidInputError("this node keeps no statistics")
    if last < first or last - first >= LONGEST_PERIOD:
        raise InvalidInputError("the period must run forwards and last at most 366 days")
    secret = source.secret()
    cells = [(Cell(row["day"], row["crossing_point"], row["nationality"], row["measure"]),
              row["count"]) for row in source.cells(first, last)]  # fmt: skip
    return {
        "crossings_by_day": figures.crossings_by_day(cells, secret),
        "crossings_by_point": figures.crossings_by_point(cells, secret),
        "crossings_by_day_and_point": figures.crossings_by_day_and_point(cells, secret),
        "flows": figures.flows(source.exit_flows(first, last), secret),
        "overstays": _overstays(source, regime, first, last, secret),
        "refusals_by_reason": figures.refusals_by_reason(source.refusal_grounds(first, last),
                                                         secret),
        "internal_checks_by_day": figures.internal_checks_by_day(cells, secret),
        "applications_by_outcome": figures.applications_by_outcome(
            source.applications_submitted(first, last), secret),
        "time_to_decision": figures.time_to_decision(source.applications_decided(first, last),
                                                     secret),
        "nationalities": figures.nationalities(cells, secret),
    }  # fmt: skip


def _overstays(source: FigureCells, regime: Regime, first: date, last: date,
               secret: bytes) -> Figure:  # fmt: skip
    def longest(nationality: str) -> int | None:
        return figures.longest_stay(regime.rule_for(nationality))

    limits = [figures.longest_stay(rule) for rule in (*regime.rules.values(),
                                                      regime.default_rule)]  # fmt: skip
    shortest = min((n for n in limits if n is not None), default=None)
    if shortest is None:  # no nationality has a limit: nobody can overstay
        return figures.overstays([], longest, secret)
    stays = source.open_stays(figures.week_ends(first, last), shortest)
    return figures.overstays(stays, longest, secret)


def as_json(first: date, last: date, found: dict[str, Figure]) -> dict[str, Any]:
    """The answer of ``GET /v1/statistics/figures``: each figure's rows as objects."""
    return {
        "from": first.isoformat(),
        "to": last.isoformat(),
        "figures": {name: [dict(zip(f.keys, key, strict=True))
                           | dict(zip(f.measures, values, strict=True))
                           for key, values in f.rows]
                    for name, f in found.items()},
        "method": ("every figure is a sum of cells, each cell under 5 counted as 0 or 5 at "
                   "random, the same for every query (docs/statistics.md)"),
    }  # fmt: skip
