"""``cta mrz``: read and validate machine readable zones."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table
from typer.core import TyperCommand

from cta.domain.documents import DocumentFields, DocumentType, TravelDocument, generate_mrz
from cta.domain.documents.generate import check_dates_read_back
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
from cta.policy.reference import reference
from cta.services.checks import read_document

__all__ = ["LANGUAGES", "MrzCommand", "mrz_command", "mrz_make_command"]


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
    `cta mrz make --help`: write the MRZ of a specimen document from its fields.
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


# -- cta mrz make: fields in, MRZ lines out ----------------------------------------------------

_TYPES = {"TD1": DocumentType.TD1, "TD2": DocumentType.TD2, "TD3": DocumentType.TD3,
          "MRVA": DocumentType.MRVA, "MRVB": DocumentType.MRVB}  # fmt: skip
_DEFAULT_CODE = {DocumentType.TD1: "I", DocumentType.TD2: "I", DocumentType.TD3: "P",
                 DocumentType.MRVA: "V", DocumentType.MRVB: "V"}  # fmt: skip
# the national practice of transliteration an issuing state follows, where one differs from
# the script's default (cta.domain.names); --language overrides it
_LANGUAGE = {"AZE": "az", "UKR": "uk", "D": "de", "SWE": "sv", "DNK": "da", "NOR": "nb"}
# the languages whose practice cta.domain.names knows (its Latin and Cyrillic tables; ru is the
# Cyrillic default): any other code would change nothing, silently
LANGUAGES = ("az", "be", "bg", "da", "de", "mk", "nb", "nn", "no", "ru", "sr", "sv", "uk")
_FIELD_OPTIONS = {"document_code": "--document-code", "issuing_state": "--issuing-state",
                  "surname": "--surname", "given_names": "--given-names", "name": "--surname",
                  "document_number": "--number", "nationality": "--nationality",
                  "birth_date": "--birth-date", "sex": "--sex", "expiry_date": "--expiry-date",
                  "optional_data": "--optional-data", "optional_data_2": "--optional-data-2",
                  "optional data 2": "--optional-data-2"}  # fmt: skip

Text = Annotated[str | None, typer.Option(show_default=False)]


def mrz_make_command(
    document_type: Annotated[str | None, typer.Option(
        "--type", help="TD1 (ID card, 3×30), TD2 (2×36), TD3 (passport, 2×44), MRV-A (visa, "
        "2×44) or MRV-B (visa, 2×36).", show_default=False)] = None,
    surname: Annotated[str | None, typer.Option(
        help="The primary identifier, in any script (transliterated as ICAO 9303 Part 3 "
        "does); a single name goes here.", show_default=False)] = None,
    given_names: Annotated[str, typer.Option(
        "--given-names", help="The secondary identifier, in any script.")] = "",
    number: Annotated[str | None, typer.Option(
        "--number", help="The document number (A-Z, 0-9; on TD1 and TD2 more than 9 "
        "characters continue in the optional data).", show_default=False)] = None,
    nationality: Annotated[str | None, typer.Option(
        help="The holder's nationality, an MRZ code (AZE, D, XXA, ...).",
        show_default=False)] = None,
    issuing_state: Annotated[str | None, typer.Option(
        "--issuing-state", help="The issuing state or organisation, an MRZ code.",
        show_default=False)] = None,
    birth_date: Annotated[str | None, typer.Option(
        "--birth-date", help="YYYY-MM-DD.", show_default=False)] = None,
    sex: Annotated[str, typer.Option(help="M, F or X (unspecified).")] = "X",
    expiry_date: Annotated[str | None, typer.Option(
        "--expiry-date", help="YYYY-MM-DD.", show_default=False)] = None,
    document_code: Annotated[str | None, typer.Option(
        "--document-code", help="Default: P on TD3, V on visas, I on TD1 and TD2.",
        show_default=False)] = None,
    optional_data: Annotated[str, typer.Option(
        "--optional-data", help="A personal number or other optional data (A-Z, 0-9).")] = "",
    optional_data_2: Annotated[str, typer.Option(
        "--optional-data-2", help="TD1 only: the optional data of line 2.")] = "",
    language: Annotated[str | None, typer.Option(
        help="The national practice of transliteration, ISO 639-1 (az, uk, de, ...); "
        "default: the issuing state's.", show_default=False)] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"type", "lines": [...]}.')
    ] = False,
) -> None:
    """Write the MRZ of a specimen document from its fields (ICAO 9303, every format).

    Prints the lines, one a line; a bad field is one error line naming it (exit 2).

    A document that would not read valid with `cta mrz` (an unknown country code) is printed,
    with a warning on standard error."""
    from cta.domain.names import to_mrz

    required = {"--type": document_type, "--surname": surname, "--number": number,
                "--nationality": nationality, "--issuing-state": issuing_state,
                "--birth-date": birth_date, "--expiry-date": expiry_date}  # fmt: skip
    missing = [name for name, value in required.items() if value is None]
    if missing:
        fail(f"{', '.join(missing)}: missing (every document needs --type, --surname, --number, "
             "--nationality, --issuing-state, --birth-date and --expiry-date)")  # fmt: skip
    assert document_type and surname is not None and number is not None  # for the type checker
    assert nationality and issuing_state and birth_date and expiry_date
    kind = _TYPES.get(document_type.strip().upper().replace("-", ""))
    if kind is None:
        fail(f"--type {document_type!r}: one of TD1, TD2, TD3, MRV-A, MRV-B")
    state, country = issuing_state.strip().upper(), nationality.strip().upper()
    practice = language.strip().lower() if language is not None else _LANGUAGE.get(state)
    if language is not None and practice not in LANGUAGES:
        fail(f"--language {language!r}: no practice of transliteration known for it; one of "
             f"{', '.join(LANGUAGES)} (or none: the issuing state's)")  # fmt: skip
    names = []
    for option, name in (("--surname", surname), ("--given-names", given_names)):
        try:
            names.append(to_mrz(name, language=practice).replace("<", " "))
        except CTAError as exc:
            fail(f"{option} {name!r}: {exc}")
    if sex.strip().upper() not in {"M", "F", "X", "<", ""}:
        fail(f"--sex {sex!r}: M, F or X (unspecified)")
    birth, expiry = _day(birth_date, "--birth-date"), _day(expiry_date, "--expiry-date")
    fields = DocumentFields(
        kind, (document_code or _DEFAULT_CODE[kind]).strip().upper(), state, names[0], names[1],
        number.strip().upper(), country, birth, sex.strip().upper() or "X", expiry,
        optional_data.strip().upper(), optional_data_2.strip().upper(),
    )  # fmt: skip
    try:
        # read back today as `cta mrz` reads it, or it would print other dates than these
        check_dates_read_back(birth, expiry, date.today())
        lines = generate_mrz(fields)
    except ValueError as exc:
        fail(_named(str(exc)))
    _warn_if_invalid(lines)
    if as_json:
        print_json({"type": kind.value, "lines": list(lines)})
    else:
        for line in lines:
            out_console.print(line, markup=False, highlight=False, soft_wrap=True)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        fail(f"{option} {text!r}: not a date like 1985-03-12 (YYYY-MM-DD)")


def _named(message: str) -> str:
    """The generator's message with the option it comes from in front."""
    for field in sorted(_FIELD_OPTIONS, key=len, reverse=True):
        spoken = field.replace("_", " ")
        if message.startswith((field, spoken)) or message.startswith(f"a long {spoken}"):
            return f"{_FIELD_OPTIONS[field]}: {message}"
    if message.startswith(("document code", "a TD", "TD", "MRV")):
        return f"--document-code: {message}"
    return message


def _warn_if_invalid(lines: tuple[str, ...]) -> None:
    """A specimen that does not read valid (an unknown country code): say why."""
    document = read_document(list(lines), on=date.today(), countries=reference().countries)
    for issue in document.errors:
        err_console.print(f"[bold yellow]warning:[/] {issue.field}: {escape(issue.message)}")


_make_app = typer.Typer(add_completion=False, pretty_exceptions_enable=False)
_make_app.command()(mrz_make_command)


class MrzCommand(TyperCommand):
    """``cta mrz``: reads MRZ lines, unless its first word is ``make``, which hands the rest of
    the command line to ``cta mrz make`` (no MRZ line is the word ``make``)."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: Any = None,  # a click Context (typer's own click)
        **extra: Any,
    ) -> Any:
        if args and args[0] == "make":
            command = typer.main.get_command(_make_app)
            return command.make_context(f"{info_name or 'mrz'} make", args[1:], parent=parent,
                                        **extra)  # fmt: skip
        return super().make_context(info_name, args, parent=parent, **extra)
