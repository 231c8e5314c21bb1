"""``cta policy``: show, derive and validate the regime files (a thin layer over services)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.table import Table

from cta.domain.errors import CTAError, InvalidInputError
from cta.services import policy as service

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


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInputError(f"--on {text!r} is not a date like 2027-01-01") from exc


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
    view = _run(lambda: service.show_regime(name, _parse_date(on)))
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
    """Check regime files; exit 1 with file, line and problem at the first error."""
    checked = _run(lambda: service.validate_regimes(paths or []))
    for name in checked:
        typer.echo(f"ok  {name}")
