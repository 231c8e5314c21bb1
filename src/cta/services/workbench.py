"""The policy workbench: today's national regimes beside the union's, for a nationality, for a
trip, and in aggregate over every nationality and the published arrival figures.

Every answer is for one date (``on``): each regime is taken as in force on it, or as if it
were (``RegimeSeries.as_if_on``), and the union's categories are derived again under each
rule (any, majority, all) from the national regimes of that same date. Rules: docs/policy.md,
section "The workbench"; JSON keys: README.md, "The policy workbench".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from cta.domain.access import (
    Change,
    change_between,
    max_stay,
    needs_new_authorization,
    stay_change,
    stay_words,
    union_under_rule,
    what_to_obtain,
)
from cta.domain.arrivals import ArrivalFigure, ArrivalTable, parse_arrivals
from cta.domain.derive import STATELESS_AND_REFUGEE_CODES, DeriveRule
from cta.domain.errors import InvalidInputError
from cta.domain.regime import Category, NationalityRule, Regime, RegimeSeries
from cta.domain.trips import DayCount, Trip, by_day, count_days, parse_trip
from cta.policy.countries import load_countries
from cta.policy.loader import load_regime

__all__ = [
    "RULES",
    "Comparison",
    "Impact",
    "TripPlan",
    "compare_nationality",
    "counted_nationalities",
    "load_arrivals",
    "measure_impact",
    "plan_trip",
    "resolve_nationality",
]

UNION = "union-draft"
RULES: tuple[DeriveRule, ...] = ("any", "majority", "all")  # from the most open to the least
_KOSOVO = "XKX"


# -- the regimes of a date ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Regimes:
    """The national regimes and the union under each rule, as on one date."""

    on: date
    national: Mapping[str, Regime]  # member -> its regime
    national_in_force: Mapping[str, bool]
    union: Mapping[DeriveRule, Regime]
    union_series: RegimeSeries

    @property
    def members(self) -> list[str]:
        return sorted(self.national)

    @property
    def union_in_force(self) -> bool:
        return self.union_series.in_force_on(self.on) is not None

    def union_dict(self) -> dict[str, Any]:
        version = self.union_series.as_if_on(self.on)
        return {
            "regime": self.union_series.name,
            "in_force": self.union_in_force,
            "effective_from": version.effective_from.isoformat(),
            "effective_to": version.effective_to.isoformat() if version.effective_to else None,
        }


@lru_cache(maxsize=64)
def _regimes(on: date, union_name: str = UNION) -> _Regimes:
    series = load_regime(union_name)
    version = series.as_if_on(on)
    national: dict[str, Regime] = {}
    in_force: dict[str, bool] = {}
    for member in sorted(version.members):
        national_series = load_regime(f"status-quo/{member}")
        national[member] = national_series.as_if_on(on)
        in_force[member] = national_series.in_force_on(on) is not None
    union = {rule: union_under_rule(version, national, rule) for rule in RULES}
    return _Regimes(on, national, in_force, union, series)


def resolve_nationality(text: str) -> str:
    """An ICAO 9303 code (any case) or a country's name in any of the five languages (as the
    table compares names: ё as е, any case); InvalidInputError otherwise."""
    code = load_countries().find(text)
    if code is None:
        raise InvalidInputError(
            f"unknown nationality {text!r}: give an ICAO 9303 code such as USA, D or XXA, "
            "or a country's name"
        )
    return code


def counted_nationalities() -> list[str]:
    """The nationalities the aggregates count: ISO 3166-1 codes, Kosovo, stateless and refugees.

    Aliases (``D`` for DEU, ``RKS`` for XKX) and codes that are no nationality (UN and EU
    laissez-passer, specimen documents) are left out, so a nationality counts once.
    """
    table = load_countries()
    codes = {c for c in table.codes if (country := table.get(c)) and country.kind == "iso"}
    return sorted(codes | {_KOSOVO} | STATELESS_AND_REFUGEE_CODES)


def _rule_dict(rule: NationalityRule, *, union: bool = False) -> dict[str, Any]:
    stay = rule.stay
    return {
        "category": rule.category.value,
        "stay": None if stay is None else {"limit": stay.limit, "window": stay.window},
        "per_entry": rule.per_entry,
        "max_stay": max_stay(rule),
        "needs": what_to_obtain(rule, union=union),
    }


def _change_dict(before: NationalityRule, after: NationalityRule) -> dict[str, Any]:
    return {
        "access": change_between(before, after).value,
        "stay": stay_change(before, after).value,
        "new_authorization": needs_new_authorization(before, after),
    }


# -- a nationality --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Comparison:
    """What a national of one country needs today in each member, and under each union rule."""

    nationality: str
    name: str
    regimes: _Regimes

    def as_dict(self) -> dict[str, Any]:
        r, code = self.regimes, self.nationality
        states = [
            {
                "state": m,
                "regime": r.national[m].name,
                "in_force": r.national_in_force[m],
                **_rule_dict(r.national[m].rule_for(code)),
            }
            for m in r.members
        ]
        rules = []
        for rule in RULES:
            union_rule = r.union[rule].rule_for(code)
            changes = {
                m: _change_dict(r.national[m].rule_for(code), union_rule)
                for m in r.members
                if m != code
            }
            rules.append({"rule": rule, **_rule_dict(union_rule, union=True), "changes": changes})
        return {
            "nationality": code,
            "name": self.name,
            "on": r.on.isoformat(),
            "member_national": code in r.national,
            "states": states,
            "union": {**r.union_dict(), "rules": rules},
        }


def compare_nationality(nationality: str, on: date) -> Comparison:
    code = resolve_nationality(nationality)
    return Comparison(code, load_countries().name(code), _regimes(on))


# -- a trip ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TripPlan:
    """A trip counted day by day under each state's own regime and under the union's."""

    nationality: str
    name: str
    trip: Trip
    regimes: _Regimes

    def _national_counts(self) -> dict[str, Mapping[date, DayCount]]:
        counts: dict[str, Mapping[date, DayCount]] = {}
        for state in {leg.state for leg in self.trip.legs}:
            rule = self.regimes.national[state].rule_for(self.nationality)
            counts[state] = by_day(count_days(self.trip.stays(state), rule))
        return counts

    def _union_counts(self, rule: DeriveRule) -> Mapping[date, DayCount]:
        union_rule = self.regimes.union[rule].rule_for(self.nationality)
        return by_day(count_days(self.trip.stays(None), union_rule))

    def as_dict(self) -> dict[str, Any]:
        national = self._national_counts()
        union = {rule: self._union_counts(rule) for rule in RULES}
        return {
            "nationality": self.nationality,
            "name": self.name,
            "from": self.trip.start.isoformat(),
            "to": self.trip.end.isoformat(),
            "days": self.trip.total_days,
            "legs": self._legs(),
            "national": self._national(national),
            "union": {**self.regimes.union_dict(), "rules": self._union(union)},
            "day_by_day": self._day_by_day(national, union[RULES[0]]),
        }

    def _legs(self) -> list[dict[str, Any]]:
        legs, day = [], 0
        days = self.trip.days()
        for leg in self.trip.legs:
            first, last = days[day][0], days[day + leg.days - 1][0]
            legs.append({"state": leg.state, "days": leg.days, "from": first.isoformat(),
                         "to": last.isoformat()})  # fmt: skip
            day += leg.days
        return legs

    def _national(self, counts: Mapping[str, Mapping[date, DayCount]]) -> dict[str, Any]:
        states, problems, notes = [], [], []
        for state in _in_order(leg.state for leg in self.trip.legs):
            rule = self.regimes.national[state].rule_for(self.nationality)
            over = [c.day for c in counts[state].values() if c.over]
            states.append({"state": state, "regime": self.regimes.national[state].name,
                           "in_force": self.regimes.national_in_force[state],
                           **_rule_dict(rule), "days": len(counts[state]),
                           "over_days": len(over),
                           "first_over": over[0].isoformat() if over else None})  # fmt: skip
            if rule.category is Category.NO_ADMISSION:
                problems.append(f"{state}: not admitted")
            elif over:
                problems.append(f"{state}: over its limit ({stay_words(rule)}) on {len(over)} "
                                f"day(s), from {over[0]}")  # fmt: skip
            if rule.category.needs_visa and rule.stay is None and rule.per_entry is None:
                notes.append(f"{state}: the stay allowed is set by the visa; check its duration")
        return {"possible": not problems, "states": states, "problems": problems, "notes": notes}

    def _union(self, counts: Mapping[DeriveRule, Mapping[date, DayCount]]) -> list[dict[str, Any]]:
        out = []
        for rule in RULES:
            union_rule = self.regimes.union[rule].rule_for(self.nationality)
            over = [c.day for c in counts[rule].values() if c.over]
            problems = []
            if over:
                problems.append(f"area: over the limit ({stay_words(union_rule)}) on "
                                f"{len(over)} day(s), from {over[0]}")  # fmt: skip
            out.append({"rule": rule, **_rule_dict(union_rule, union=True),
                        "possible": not problems, "over_days": len(over),
                        "first_over": over[0].isoformat() if over else None,
                        "problems": problems})  # fmt: skip
        return out

    def _day_by_day(
        self, national: Mapping[str, Mapping[date, DayCount]], union: Mapping[date, DayCount]
    ) -> list[dict[str, Any]]:
        rows = []
        for day, state in self.trip.days():
            here, area = national[state][day], union[day]
            rows.append({"date": day.isoformat(), "state": state,
                         "national": _count_dict(here), "union": _count_dict(area)})  # fmt: skip
        return rows


def _count_dict(count: DayCount) -> dict[str, Any]:
    return {"days_used": count.days_used, "stay_day": count.stay_day, "over": count.over}


def _in_order(states: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for state in states:
        if state not in seen:
            seen.append(state)
    return seen


def plan_trip(nationality: str, trip: str, start: date) -> TripPlan:
    code = resolve_nationality(nationality)
    regimes = _regimes(start)
    parsed = parse_trip(trip, start, regimes.members)
    return TripPlan(code, load_countries().name(code), parsed, regimes)


# -- aggregates -----------------------------------------------------------------------------


@cache
def load_arrivals() -> ArrivalTable:
    """The arrival figures CTA ships (``cta/data/arrivals.csv``), read and validated once."""
    text = resources.files("cta.data").joinpath("arrivals.csv").read_text(encoding="utf-8")
    members = load_regime(UNION).versions[0].members
    return parse_arrivals(
        text, file="cta/data/arrivals.csv", states=members, codes=load_countries().codes
    )


@dataclass(frozen=True, slots=True)
class _Shift:
    """One nationality's change in one state: access, longest stay, a new authorisation."""

    access: Change
    stay: Change
    new_authorization: bool


@dataclass(frozen=True, slots=True)
class Impact:
    """How many nationalities, and how many of today's visitors, gain or lose under each rule."""

    regimes: _Regimes
    arrivals: ArrivalTable
    nationalities: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        r = self.regimes
        return {
            "on": r.on.isoformat(),
            "union": r.union_dict(),
            "nationalities_counted": len(self.nationalities),
            "rules": [self._rule(rule) for rule in RULES],
            "arrivals": {
                state: {"period": s.period, "measure": s.measure, "total": s.total, "source": s.url}
                for state, s in sorted(self.arrivals.sources.items())
            },
        }

    def _shifts(self, rule: DeriveRule, state: str) -> dict[str, _Shift]:
        national, union = self.regimes.national[state], self.regimes.union[rule]
        shifts: dict[str, _Shift] = {}
        for code in self.nationalities:
            if code == state:
                continue  # a state's own citizens are no visitors of it
            before, after = national.rule_for(code), union.rule_for(code)
            shifts[code] = _Shift(
                change_between(before, after),
                stay_change(before, after),
                needs_new_authorization(before, after),
            )
        return shifts

    def _rule(self, rule: DeriveRule) -> dict[str, Any]:
        shifts = {m: self._shifts(rule, m) for m in self.regimes.members}
        per_state = [self._state(m, by_code) for m, by_code in shifts.items()]
        overall: Counter[str] = Counter()
        for code in self.nationalities:
            seen = {by_code[code].access for by_code in shifts.values() if code in by_code}
            overall[_overall(seen)] += 1
        visitors: Counter[str] = Counter()
        for state in per_state:
            visitors.update(state["visitors"])
        return {
            "rule": rule,
            "nationalities": {k: overall[k] for k in ("gain", "same", "lose", "mixed")},
            "visitors": {k: visitors[k] for k in _VISITOR_KEYS},
            "states": per_state,
        }

    def _state(self, state: str, shifts: Mapping[str, _Shift]) -> dict[str, Any]:
        access = Counter(s.access.value for s in shifts.values())
        stays = Counter(s.stay.value for s in shifts.values())
        figures = [_figure(f, shifts) for f in self.arrivals.for_state(state)]
        visitors: Counter[str] = Counter()
        for figure in figures:
            visitors[figure["access"] or "unattributed"] += figure["visitors"]
            visitors["total"] += figure["visitors"]
            if figure["stay"] == "lose":
                visitors["shorter_stay"] += figure["visitors"]
            if figure["new_authorization"]:
                visitors["new_authorization"] += figure["visitors"]
        return {
            "state": state,
            "nationalities": {k: access[k] for k in ("gain", "same", "lose")},
            "longer_stay": stays["gain"],
            "shorter_stay": stays["lose"],
            "new_authorization": sum(1 for s in shifts.values() if s.new_authorization),
            "gainers": sorted(c for c, s in shifts.items() if s.access is Change.GAIN),
            "losers": sorted(c for c, s in shifts.items() if s.access is Change.LOSE),
            "visitors": {k: visitors[k] for k in _VISITOR_KEYS},
            "visitors_shorter_stay": visitors["shorter_stay"],
            "visitors_new_authorization": visitors["new_authorization"],
            "figures": figures,
        }


_VISITOR_KEYS = ("gain", "same", "lose", "unattributed", "total")


def _figure(figure: ArrivalFigure, shifts: Mapping[str, _Shift]) -> dict[str, Any]:
    """One published figure and its change, when every nationality it counts shares one."""
    seen = {shifts[m] for m in figure.members if m in shifts}
    shift = seen.pop() if len(seen) == 1 else None
    return {
        "code": figure.code,
        "members": list(figure.members),
        "visitors": figure.visitors,
        "access": shift.access.value if shift else None,
        "stay": shift.stay.value if shift else None,
        "new_authorization": shift.new_authorization if shift else None,
    }


def _overall(seen: set[Change]) -> str:
    if Change.GAIN in seen and Change.LOSE in seen:
        return "mixed"
    if Change.GAIN in seen:
        return "gain"
    if Change.LOSE in seen:
        return "lose"
    return "same"


def measure_impact(on: date) -> Impact:
    return Impact(_regimes(on), load_arrivals(), tuple(counted_nationalities()))
