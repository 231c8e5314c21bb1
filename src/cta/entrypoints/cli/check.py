"""``cta check``: border-check decisions for JSON Lines of checks."""

from __future__ import annotations

from typing import Annotated

import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.panel import Panel

from cta.domain.alerts import Alert, parse_alert_birth_date
from cta.domain.checks import Decision, Direction, Outcome
from cta.domain.documents import TravelDocument
from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.travel_permits import Authorization, Visa
from cta.entrypoints.cli.common import (
    EXIT_OK,
    EXIT_UNREADABLE,
    fail,
    out_console,
    parse_json_line,
    print_json,
    report_line_error,
    stdin_lines,
)
from cta.entrypoints.schemas import CheckIn
from cta.policy.reference import reference
from cta.services.checks import CheckTraveller, check_traveller, decision_json

__all__ = ["check_command", "to_command"]


def to_command(request: CheckIn) -> CheckTraveller:
    """The validated JSON line as the check use case's command."""
    alerts = []
    for n, a in enumerate(request.alerts):
        try:
            year, month, day = parse_alert_birth_date(a.birth_date)
        except InvalidInputError as exc:
            raise InvalidInputError(f"alerts[{n}].birth_date: {exc}") from None
        alerts.append(Alert(a.id, a.category, a.surname, a.given_names, year, month, day,
                            a.nationality))
    return CheckTraveller(
        on=request.on,
        direction=Direction(request.direction),
        mrz=request.mrz,
        planned_exit=request.planned_exit,
        history=request.history,
        visas=[
            Visa(v.document_number, v.valid_from, v.valid_to, v.duration_days,
                 None if v.entries == "multiple" else v.entries, v.entries_used)
            for v in request.visas
        ],
        authorizations=[
            Authorization(a.document_number, a.valid_from, a.valid_to)
            for a in request.authorizations
        ],
        alerts=alerts,
        regime=request.regime,
    )


def check_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object per check.")] = False,
) -> None:
    """Decide border checks read as JSON Lines from standard input (see the README)."""
    ref = reference()
    worst = EXIT_OK
    seen = False
    for number, line in stdin_lines():
        seen = True
        try:
            request = parse_json_line(CheckIn, line)
            document, decision = check_traveller(to_command(request), ref)
        except (ValidationError, CTAError) as exc:
            worst = EXIT_UNREADABLE
            report_line_error(number, exc, as_json)
            continue
        if as_json:
            print_json(decision_json(decision))
        else:
            show_decision(document, decision, title=f"check {number}")
    if not seen:
        fail("no check on standard input: give one JSON object per line (see cta check --help)")
    raise typer.Exit(worst)


_STYLE = {Outcome.ADMIT: "green", Outcome.REFUSE: "red", Outcome.REFER: "yellow"}


def show_decision(document: TravelDocument, decision: Decision, *, title: str) -> None:
    """A decision as an officer reads it."""
    style = _STYLE[decision.outcome]
    who = escape(f"{document.surname}, {document.given_names} ({document.nationality})")
    body = [f"[bold {style}]{decision.outcome.value.upper()}[/]  {who}",
            f"category: {decision.category.value}"]
    if decision.latest_exit:
        body.append(f"latest exit: {decision.latest_exit}")
    if decision.overstay_days:
        body.append(f"overstay: {decision.overstay_days} days")
    body += [f"[{style}]{r.code}[/] {escape(r.message)}" for r in decision.reasons]
    out_console.print(Panel("\n".join(body), title=title, title_align="left", border_style=style))
