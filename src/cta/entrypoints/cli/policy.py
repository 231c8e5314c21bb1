"""``cta policy``: show, derive and validate the regime files; compare, trip and impact, the
workbench (a thin layer over services)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.box import SIMPLE_HEAD
from rich.console import Console
from rich.markup import escape
from rich.table import Column, Table

from cta.domain.errors import CTAError, InvalidInputError
from cta.entrypoints.cli.common import parse_date_option, read_text_file
from cta.policy.loader import parse_regime
from cta.services import policy as service
from cta.services import workbench

__all__ = ["policy_app"]

policy_app = typer.Typer(
    help="The regimes CTA ships: today's national ones and the union draft.",
    no_args_is_help=True,
)
_out = Console()
T = TypeVar("T")


def _run(action: Callable[[], T]) -> T:
    """Run a service call; errors of ours become a message and an exit code, no traceback."""
    try:
        return action()
    except InvalidInputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    except CTAError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from exc


MAX_REGIME_BYTES = 16 << 20  # the most read from one regime file (the shipped ones: < 6 KB)


def _print_json(data: Any) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _stay_text(rule: dict[str, Any]) -> str:
    """A rule's stay: "90 days in any 180", "365 days per entry", both, or "no limit"."""
    stay, per_entry = rule["stay"], rule["per_entry"]
    parts = [] if stay is None else [f"{stay['limit']} days in any {stay['window']}"]
    if per_entry is not None:
        parts.append(f"{per_entry} per entry" if parts else f"{per_entry} days per entry")
    return "; ".join(parts) or "no limit"


@policy_app.command()
def show(
    name: Annotated[str, typer.Argument(help="A shipped regime, e.g. status-quo/GEO.")] = (
        "union-draft"
    ),
    on: Annotated[str | None, typer.Option(help="Show the regime as on this date.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Show the regime in force (or as if in force) on a date, nationality by nationality."""
    day = parse_date_option(on, "--on")
    view = _run(lambda: service.show_regime(name, day))
    data = view.as_dict()
    if as_json:
        _print_json(data)
        return
    until = data["effective_to"] or "open-ended"
    status = "in force" if data["in_force"] else "NOT in force; shown as if it were"
    _out.print(f"[bold]{data['name']}[/bold]: {data['title']}")
    _out.print(f"version {data['effective_from']} to {until}; on {data['on']}: {status}")
    _out.print(f"members: {', '.join(data['members'])} (free movement, no stay limit)")
    _out.print(f"stay limit: {_stay_text(data['default'])}")
    docs = data["documents"]
    age = docs["max_age_years"]
    issued = f"issued within {age} years, " if age is not None else ""
    _out.print(
        f"documents: members {'/'.join(docs['member'])}; others {'/'.join(docs['third_country'])}"
        f", {issued}valid {docs['min_validity_months']} months after the planned exit"
    )
    _out.print(f"nationalities not listed: {data['default']['category']}")
    _out.print("counts: " + ", ".join(f"{k} {v}" for k, v in data["counts"].items()))
    table = Table("code", "nationality", "category")
    table.add_column("stay", no_wrap=True)  # the names wrap instead
    for code, row in data["nationalities"].items():
        table.add_row(code, row["name"], row["category"], _stay_text(row))
    _out.print(table)


class Rule(StrEnum):
    """The derive rules, for Typer to check and list in --help."""

    ANY = "any"
    MAJORITY = "majority"
    ALL = "all"


@policy_app.command()
def derive(
    rule: Annotated[
        Rule, typer.Option(help="any: visa-free in one member today; majority: two; all: three.")
    ] = Rule.ANY,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Derive the union's categories (authorization or visa) from today's national regimes."""
    derived = _run(lambda: service.derive_union(rule.value))
    data = derived.as_dict()
    if as_json:
        _print_json(data)
        return
    counts = ", ".join(f"{k} {v}" for k, v in data["counts"].items())
    _out.print(f"rule [bold]{rule.value}[/bold]: {counts}")
    table = Table("code", "nationality", "category")
    for code, category in data["categories"].items():
        table.add_row(code, derived.names[code], category)
    _out.print(table)


@policy_app.command()
def validate(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files to check; none: every shipped file.")
    ] = None,
) -> None:
    """Check regime files; exit 1 with file, line and problem at the first error (2 when a
    file cannot be read: missing, not UTF-8, a line over 64 KiB, over 16 MiB)."""
    if not paths:
        for name in _run(service.validate_regimes):
            typer.echo(f"ok  {name}")
        return
    for path in paths:
        _run(partial(_validate_file, path))
        typer.echo(f"ok  {path}")


def _validate_file(path: Path) -> None:
    """Load a regime file, read within limits (``/dev/zero`` is not read forever)."""
    try:
        text = read_text_file(path, max_bytes=MAX_REGIME_BYTES, expected="a TOML regime file")
    except OSError as exc:
        raise InvalidInputError(f"{path}: cannot read the file ({exc.strerror or exc})") from None
    parse_regime(text, file=str(path))


# -- the workbench: compare, trip, impact (cta.services.workbench) ---------------------------

_MAX_BAR = 40
_CHANGE_STYLE = {"gain": "green", "same": "dim", "lose": "red", "mixed": "yellow"}


def _workbench_day(text: str | None, option: str) -> date:
    """A date option (default today), inside the span CTA reasons about."""
    return parse_date_option(text, option) or date.today()


def _in_force_words(in_force: bool) -> str:
    return "in force" if in_force else "NOT in force on that date; shown as if it were"


def _stay_cell(rule: dict[str, Any]) -> str:
    if rule["category"] == "free_movement":
        return "no limit"
    if rule["stay"] is None and rule["per_entry"] is None:
        return "set by the visa" if rule["category"] in _VISA_CATEGORIES else "–"
    return _stay_text(rule)


_VISA_CATEGORIES = ("e_visa", "visa_on_arrival", "visa")


def _stay_column() -> Column:
    return Column("stay", no_wrap=True)  # the words wrap instead


def _change_cell(change: dict[str, Any]) -> str:
    access = change["access"]
    extra = []
    if change["new_authorization"]:
        extra.append("authorisation needed")
    if change["stay"] == "lose":
        extra.append("shorter stay")
    elif change["stay"] == "gain":
        extra.append("longer stay")
    words = f"[{_CHANGE_STYLE[access]}]{access}[/]"
    return words + (f" ({', '.join(extra)})" if extra else "")


@policy_app.command()
def compare(
    nationality: Annotated[
        str, typer.Option(help="An ICAO 9303 code (USA, D, XXA) or a country's name in "
                          "any of the five languages.")
    ],
    on: Annotated[
        str | None, typer.Option(help="The date, past or planned (default today).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What a national needs to enter each member state today, and under each union rule."""
    data = _run(
        lambda: workbench.compare_nationality(nationality, _workbench_day(on, "--on")).as_dict()
    )
    if as_json:
        _print_json(data)
        return
    _out.print(f"[bold]{escape(data['name'])}[/bold] ({data['nationality']}) on {data['on']}")
    if data["member_national"]:
        _out.print("a member national: free movement in the union")
    today = Table(
        "state", "category", _stay_column(), "what to obtain", title="today", box=SIMPLE_HEAD
    )
    for row in data["states"]:
        state = row["state"] + ("" if row["in_force"] else " (as if in force)")
        today.add_row(state, row["category"], _stay_cell(row), _short(row["needs"]))
    _out.print(today)
    union = data["union"]
    _out.print(f"{union['regime']} from {union['effective_from']}: "
               f"{_in_force_words(union['in_force'])}")  # fmt: skip
    states = [row["state"] for row in data["states"] if row["state"] != data["nationality"]]
    table = Table(
        "rule", "category", _stay_column(), "what to obtain", title="the union", box=SIMPLE_HEAD
    )
    for rule in union["rules"]:
        table.add_row(rule["rule"], rule["category"], _stay_cell(rule), _short(rule["needs"]))
    _out.print(table)
    changes = Table("rule", *states, title="access compared with today", box=SIMPLE_HEAD)
    for rule in union["rules"]:
        changes.add_row(rule["rule"], *(_change_cell(rule["changes"][s]) for s in states))
    _out.print(changes)


@policy_app.command()
def trip(
    nationality: Annotated[
        str, typer.Option(help="An ICAO 9303 code (USA, D, XXA) or a country's name in "
                          "any of the five languages.")
    ],
    legs: Annotated[
        str,
        typer.Option("--trip", help="Days in each member state, in order: GEO:20,ARM:10,AZE:15."),
    ],
    start: Annotated[
        str | None,
        typer.Option("--from", help="The first day of the trip (default today)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Is a trip possible under today's regimes and under the union's, counted day by day?"""
    data = _run(
        lambda: workbench.plan_trip(nationality, legs, _workbench_day(start, "--from")).as_dict()
    )
    if as_json:
        _print_json(data)
        return
    route = ", ".join(f"{leg['state']} {leg['days']} days" for leg in data["legs"])
    _out.print(f"[bold]{escape(data['name'])}[/bold] ({data['nationality']}): {route}; "
               f"{data['from']} to {data['to']}, {data['days']} days")  # fmt: skip
    _out.print(_needs_table(data))
    for line in data["national"]["problems"] + data["national"]["notes"]:
        _out.print(f"today, {escape(line)}", soft_wrap=True)
    for rule in data["union"]["rules"]:
        for line in rule["problems"]:
            _out.print(f"union ({rule['rule']}), {escape(line)}", soft_wrap=True)
    _out.print(_days_table(data))


def _needs_table(data: dict[str, Any]) -> Table:
    table = Table("where", "what to obtain", _stay_column(), "possible",
                  title="what must be obtained where", box=SIMPLE_HEAD)  # fmt: skip
    for row in data["national"]["states"]:
        possible = "no" if row["over_days"] or row["category"] == "no_admission" else "yes"
        table.add_row(f"{row['state']} today", _short(row["needs"]), _stay_cell(row), possible)
    union = data["union"]
    suffix = "" if union["in_force"] else " (as if in force)"
    for rule in union["rules"]:
        table.add_row(f"union, rule {rule['rule']}{suffix}", _short(rule["needs"]),
                      _stay_cell(rule), "yes" if rule["possible"] else "no")  # fmt: skip
    return table


def _days_table(data: dict[str, Any]) -> Table:
    title = "day by day (days used in each rule's window)"
    table = Table("date", "state", "today: days used", "today: day of stay", "union: days used",
                  title=title, box=SIMPLE_HEAD)  # fmt: skip
    for row in data["day_by_day"]:
        here, area = row["national"], row["union"]
        used = "–" if here["days_used"] is None else str(here["days_used"])
        table.add_row(row["date"], row["state"], _flag(used, here["over"]),
                      _flag(str(here["stay_day"]), here["over"]),
                      _flag(str(area["days_used"]), area["over"]))  # fmt: skip
    return table


def _short(needs: str) -> str:
    """What to obtain without the stay in brackets (the table has a stay column)."""
    return needs.split(" (", 1)[0] if needs.startswith("a travel") else needs


def _flag(text: str, over: bool) -> str:
    return f"[red]{text} over[/]" if over else text


@policy_app.command()
def impact(
    on: Annotated[
        str | None, typer.Option(help="The date, past or planned (default today).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """How many nationalities, and how many of today's visitors, gain or lose under each rule."""
    data = _run(lambda: workbench.measure_impact(_workbench_day(on, "--on")).as_dict())
    if as_json:
        _print_json(data)
        return
    union = data["union"]
    _out.print(f"on {data['on']}: {union['regime']} {_in_force_words(union['in_force'])}; "
               f"{data['nationalities_counted']} nationalities counted")  # fmt: skip
    table = Table("rule", "state", "nationalities\ngain/same/lose", "visitors\ngain",
                  "visitors\nsame", "visitors\nlose", "visitors\nnot known",
                  title="access to each state, today -> union", box=SIMPLE_HEAD)  # fmt: skip
    for rule in data["rules"]:
        for state in rule["states"]:
            n, v = state["nationalities"], state["visitors"]
            table.add_row(rule["rule"], state["state"], f"{n['gain']}/{n['same']}/{n['lose']}",
                          f"{v['gain']:,}", f"{v['same']:,}", f"{v['lose']:,}",
                          f"{v['unattributed']:,}")  # fmt: skip
        n, v = rule["nationalities"], rule["visitors"]
        table.add_row(f"[bold]{rule['rule']}[/]", "[bold]total[/]",
                      f"{n['gain']}/{n['same']}/{n['lose']} ({n['mixed']} mixed)",
                      f"{v['gain']:,}", f"{v['same']:,}", f"{v['lose']:,}",
                      f"{v['unattributed']:,}", end_section=True)  # fmt: skip
    _out.print(table)
    _out.print(_chart(data["rules"]))
    for state, source in data["arrivals"].items():
        _out.print(f"[dim]arrivals {state}: {source['measure']}, {source['period']}, "
                   f"{source['total']:,}; {source['source']}[/dim]")  # fmt: skip


def _chart(rules: list[dict[str, Any]]) -> Table:
    """Bars of visitors who gain and lose access under each rule, scaled to the largest."""
    largest = max([1] + [r["visitors"][k] for r in rules for k in ("gain", "lose")])
    chart = Table("rule", "visitors (all three states)", title="visitors who gain / lose access",
                  box=None, show_header=True)  # fmt: skip
    for rule in rules:
        bars = []
        for key in ("gain", "lose"):
            count = rule["visitors"][key]
            width = round(_MAX_BAR * count / largest)
            style = _CHANGE_STYLE[key]
            bars.append(f"{key:<4} [{style}]{'█' * width}[/] {count:,}")
        chart.add_row(rule["rule"], "\n".join(bars))
    return chart
