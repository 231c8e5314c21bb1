"""``cta demo``: check a set of sample travellers and print the decisions (``make run``)."""

from __future__ import annotations

from typing import Annotated

import typer

from cta.entrypoints.cli.check import show_decision
from cta.entrypoints.cli.common import out_console, print_json
from cta.policy.reference import reference
from cta.services.checks import check_traveller, decision_json
from cta.services.demo import DEMO_DAY, demo_checks

__all__ = ["demo_command"]


def demo_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object per check.")] = False,
) -> None:
    """Check sample travellers under the union's draft regime and print the decisions."""
    ref = reference()
    if not as_json:
        out_console.print(f"[bold]CTA demo[/]: border checks on {DEMO_DAY} under union-draft\n")
    for label, command in demo_checks():
        document, decision = check_traveller(command, ref)
        if as_json:
            print_json({"sample": label, **decision_json(decision)})
        else:
            show_decision(document, decision, title=label)
