"""``cta stay``: days used, the longest stay allowed, the next entry, and overstays."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.table import Table

from cta.domain.days import check_day
from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.stays import StayStatus
from cta.entrypoints.cli.common import (
    EXIT_OK,
    EXIT_UNREADABLE,
    fail,
    out_console,
    parse_date_option,
    parse_json_line,
    print_json,
    report_line_error,
    stdin_lines,
)
from cta.entrypoints.schemas import StayIn
from cta.services.stays import stay_status

__all__ = ["stay_command", "stay_json"]


MAX_DAYS = 100_000  # the most --limit and --window, as for "limit" and "window" of a JSON line


def _span(text: str) -> tuple[date, date]:
    first, sep, last = text.partition(":")
    if not sep:
        raise typer.BadParameter(f"{text!r} is not FROM:TO", param_hint="STAYS")
    try:
        return (check_day(date.fromisoformat(first), "the entry"),
                check_day(date.fromisoformat(last), "the exit"))
    except InvalidInputError as exc:
        raise typer.BadParameter(f"{text!r}: {exc}", param_hint="STAYS") from None
    except ValueError:
        raise typer.BadParameter(
            f"{text!r} is not FROM:TO with dates YYYY-MM-DD", param_hint="STAYS"
        ) from None


def stay_json(status: StayStatus) -> dict[str, Any]:
    """The JSON contract of ``cta stay --json``."""
    return {
        "on": status.on.isoformat(),
        "limit": status.limit,
        "window": status.window,
        "days_used": status.days_used,
        "max_stay": status.max_stay,
        "stay_until": status.stay_until.isoformat() if status.stay_until else None,
        "next_entry": status.next_entry.isoformat(),
        "overstays": [
            {"from": o.first.isoformat(), "to": o.last.isoformat(), "days": o.days}
            for o in status.overstays
        ],
    }


def stay_command(
    stays: Annotated[
        list[str] | None,
        typer.Argument(help="Stays as FROM:TO (entry and exit dates, both counted). Without "
                       "them, JSON Lines {on, stays: [[from, to], ...], limit?, window?} are "
                       "read from standard input."),
    ] = None,
    on: Annotated[str | None, typer.Option("--on", help="The date asked about.")] = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=MAX_DAYS, help="Days allowed in a window.")
    ] = 90,
    window: Annotated[
        int, typer.Option("--window", min=2, max=MAX_DAYS, help="Window length in days.")
    ] = 180,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object per line.")] = False,
) -> None:
    """Count a stay of L days in any W days (default 90 in 180), Schengen Borders Code Art. 6."""
    day = parse_date_option(on, "--on")
    if stays:
        if day is None:
            fail("--on is needed with stays given on the command line")
        try:
            _answer(day, [_span(s) for s in stays], limit, window, as_json)
        except CTAError as exc:
            fail(str(exc))
        return
    worst = EXIT_OK
    seen = False
    for number, line in stdin_lines():
        seen = True
        try:
            request = parse_json_line(StayIn, line)
            _answer(request.on, request.stays, request.limit or limit, request.window or window,
                    as_json)
        except (ValidationError, CTAError) as exc:
            worst = EXIT_UNREADABLE
            report_line_error(number, exc, as_json)
    if not seen:
        if day is None:
            fail("no stays: give FROM:TO with --on, or JSON Lines on standard input")
        try:
            _answer(day, [], limit, window, as_json)
        except CTAError as exc:
            fail(str(exc))
    raise typer.Exit(worst)


def _answer(
    on: date, stays: list[tuple[date, date]], limit: int, window: int, as_json: bool
) -> None:
    status = stay_status(on, stays, limit=limit, window=window)
    if as_json:
        print_json(stay_json(status))
        return
    table = Table(title=f"Stay on {on} ({limit} days in any {window})", show_header=False,
                  title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("days used", str(status.days_used))
    table.add_row("longest stay from then", f"{status.max_stay} days")
    table.add_row("stay until", str(status.stay_until or "—"))
    table.add_row("next entry", str(status.next_entry))
    for o in status.overstays:
        table.add_row("[red]overstay[/]", f"{o.first} to {o.last}: {o.days} days")
    out_console.print(table)

