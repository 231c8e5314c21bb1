"""``cta internal-checks declare|prolong|end|list``: temporary checks at this state's internal
borders (docs/internal-checks.md), on the node's database (``CTA_*`` settings) with an admin's
token, as ``POST /v1/internal-checks`` does; each act is sent to the other members.

None of them creates or migrates a database (``cta serve --init`` does): ``list`` reads as every
read command does (``reading.open_for_reading``, with its ``--node`` and ``--database``), and
the others write only on a node database that is there with CTA's newest schema
(``reading.open_for_writing``); anything else is one ``error:`` line, exit 2."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from cta.domain.errors import CTAError
from cta.domain.roles import Role
from cta.entrypoints.cli.common import (
    EXIT_INVALID,
    fail,
    out_console,
    parse_date_option,
    print_json,
)
from cta.entrypoints.cli.node import settings
from cta.entrypoints.cli.reading import (
    AreaDirOption,
    DatabaseOption,
    NodeOption,
    open_for_reading,
    open_for_writing,
    read_settings,
)
from cta.services.node import Actor, ForbiddenError, Node

__all__ = ["internal_checks_app"]

internal_checks_app = typer.Typer(
    help="Temporary checks at this state's internal borders (declared, prolonged, ended).",
    no_args_is_help=True)

Token = Annotated[
    str | None,
    typer.Option(envvar="CTA_TOKEN", show_envvar=True, help="An admin's bearer token."),
]
Json = Annotated[bool, typer.Option("--json", help="Print the answer as JSON.")]


def _day(value: str, name: str) -> date:
    day = parse_date_option(value, name)  # within 1900-2999, as every date CTA is given
    assert day is not None
    return day


def _as_admin(token: str | None, act: Callable[[Node, Actor], dict[str, Any]],
              as_json: bool) -> None:  # fmt: skip
    if not token:
        fail("an admin's bearer token is needed: --token or CTA_TOKEN")
    try:
        node = open_for_writing(settings())
    except CTAError as exc:
        fail(str(exc))
    try:
        actor = node.authenticate(token)
        if actor is None:
            fail("unknown or inactive token")
        answer = act(node, replace(actor, purpose="internal border checks"))
    except ForbiddenError as exc:
        fail(str(exc))
    except CTAError as exc:
        fail(str(exc), EXIT_INVALID)
    finally:
        node.store.engine.dispose()  # type: ignore[attr-defined]
    _show([answer], as_json, one=True)


def _show(items: list[dict[str, Any]], as_json: bool, *, one: bool = False) -> None:
    if as_json:
        print_json(items[0] if one else {"internal_checks": items})
        return
    for r in items:
        points = ", ".join(r["crossing_points"])
        beyond = f"  (beyond the limits: {r['beyond_limits']})" if r["beyond_limits"] else ""
        out_console.print(escape(f"{r['id']}  {r['status']:<8}  {r['kind']:<13}  {r['from']} "
                                 f"to {r['until']}  {points}: {r['ground']}{beyond}"))  # fmt: skip


@internal_checks_app.command("declare")
def declare_command(
    points: Annotated[list[str], typer.Argument(help="This state's internal crossing points "
                                                "(codes such as GEO-SADAKHLO).")],
    first: Annotated[str, typer.Option("--from", help="The first day of checks (YYYY-MM-DD).")],
    to: Annotated[str, typer.Option(help="The last day of checks (YYYY-MM-DD).")],
    ground: Annotated[str, typer.Option(help="Why, in words (the serious threat).")],
    kind: Annotated[str | None, typer.Option(
        help="The regime's kind of reintroduction (unforeseeable, foreseeable, overall_risk; "
             "default: the one the regime gives a declaration that names none).")] = None,
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Declare checks at internal crossing points from a day to a day, of one of the
    regime's kinds; a period beyond its limits, a first day past or more than a year ahead, or
    a kind it does not name, is refused naming the limit (exit 1)."""
    start, end = _day(first, "--from"), _day(to, "--to")
    _as_admin(token, lambda node, actor: node.declare_internal_checks(
        actor, points, start, end, ground, kind), as_json)


@internal_checks_app.command("prolong")
def prolong_command(
    ref: Annotated[str, typer.Argument(help="The reintroduction, e.g. GEO-IC-3.")],
    to: Annotated[str, typer.Option(help="The new last day (YYYY-MM-DD).")],
    ground: Annotated[str, typer.Option(help="Why, in words.")],
    token: Token = None,
    as_json: Json = False,
) -> None:
    """Prolong a reintroduction still in force or to come (a lapsed or ended one is declared
    anew)."""
    last = _day(to, "--to")
    _as_admin(token, lambda node, actor: node.prolong_internal_checks(actor, ref, last, ground),
              as_json)  # fmt: skip


@internal_checks_app.command("end")
def end_command(
    ref: Annotated[str, typer.Argument(help="The reintroduction, e.g. GEO-IC-3.")],
    token: Token = None,
    as_json: Json = False,
) -> None:
    """End a reintroduction early: no checks from today on."""
    _as_admin(token, lambda node, actor: node.end_internal_checks(actor, ref), as_json)


@internal_checks_app.command("list")
def list_command(
    in_force: Annotated[bool, typer.Option("--in-force", help="Only those in force today.")
                        ] = False,
    as_json: Json = False,
    node_state: NodeOption = None,
    area_dir: AreaDirOption = Path("var/area"),
    database: DatabaseOption = None,
) -> None:
    """Every member's reintroductions this node knows, past and present, the latest first.

    Reads the node of CTA_DATABASE_URL, or --node STATE of a running `cta area`, or --database
    URL; never creates a database (a missing one is an error, exit 2)."""
    try:
        node = open_for_reading(read_settings(node_state, area_dir, database))
    except CTAError as exc:
        fail(str(exc))
    try:
        # listing reads no personal data: the database's operator may, with no token
        found = node.list_internal_checks(Actor("cli", Role.AUDITOR), in_force_only=in_force)
    finally:
        node.store.engine.dispose()  # type: ignore[attr-defined]
    if not found["internal_checks"] and not as_json:  # a line, not silence, on a terminal
        out_console.print("none in force today" if in_force else
                          "none: no member has reintroduced checks at internal borders")
        return
    _show(found["internal_checks"], as_json)

