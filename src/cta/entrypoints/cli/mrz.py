"""``cta mrz``: read and validate machine readable zones."""

from __future__ import annotations

from datetime import date
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from cta.bootstrap import reference
from cta.domain.documents import TravelDocument
from cta.domain.errors import CTAError
from cta.entrypoints.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_UNREADABLE,
    err_console,
    fail,
    out_console,
    parse_date_option,
    print_json,
    read_stdin_text,
)
from cta.services.checks import read_document

__all__ = ["mrz_command"]


def _paragraphs(text: str) -> list[list[str]]:
    documents: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if line.strip():
            current.append(line)
        elif current:
            documents.append(current)
            current = []
    if current:
        documents.append(current)
    return documents


def mrz_command(
    lines: Annotated[
        list[str] | None,
        typer.Argument(help="The MRZ lines of one document. Without them, standard input is read: "
                       "one document per paragraph (documents separated by blank lines)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object per document.")
    ] = False,
    on: Annotated[
        str | None,
        typer.Option("--on", help="Date of the check, YYYY-MM-DD (default: today); sets the "
                     "century of two-digit years."),
    ] = None,
) -> None:
    """Parse and validate ICAO 9303 MRZs (TD1, TD2, TD3, MRV-A, MRV-B).

    Exit 0 when every document is valid, 1 when some is invalid, 2 when some cannot be read.
    """
    today = parse_date_option(on, "--on") or date.today()
    documents = [list(lines)] if lines else _paragraphs(read_stdin_text())
    if not documents:
        fail("no document: give the MRZ lines as arguments or on standard input")
    countries = reference().countries
    worst = EXIT_OK
    for number, document_lines in enumerate(documents, start=1):
        try:
            document = read_document(document_lines, on=today, countries=countries)
        except CTAError as exc:
            worst = EXIT_UNREADABLE
            err_console.print(f"[bold red]error:[/] document {number}: {escape(str(exc))}")
            if as_json:
                print_json({"error": f"document {number}: {exc}"})
            continue
        if not document.valid:
            worst = max(worst, EXIT_INVALID)
        if as_json:
            print_json(document.to_json())
        else:
            _show(document)
    raise typer.Exit(worst)


def _show(document: TravelDocument) -> None:
    state = "[green]valid[/]" if document.valid else "[red]invalid[/]"
    table = Table(title=f"{document.type} {state}", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    shown = document.to_json()
    for key in ("document_code", "issuing_state", "surname", "given_names", "document_number",
                "nationality", "birth_date", "expiry_date", "sex", "optional_data",
                "optional_data_2"):
        value = shown.get(key)
        table.add_row(key.replace("_", " "), "" if value is None else escape(str(value)))
    out_console.print(table)
    for issue in document.errors:
        out_console.print(f"  [red]✗[/] {issue.field}: {escape(issue.message)}")
    for issue in document.warnings:
        out_console.print(f"  [yellow]![/] {issue.field}: {escape(issue.message)}")
