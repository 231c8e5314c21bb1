"""``cta screen``: travellers (JSON Lines on standard input) against shared alerts."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.screening import (
    THRESHOLD,
    AlertRecord,
    Hit,
    ScreeningIndex,
    alert_from_json,
    query_from_json,
)
from cta.entrypoints.cli.common import (
    EXIT_OK,
    EXIT_UNREADABLE,
    err_console,
    fail,
    number_between,
    out_console,
    parse_date_option,
    print_json,
    read_json_object,
    read_lines,
    stdin_lines,
)
from cta.entrypoints.cli.reading import (
    AreaDirOption,
    DatabaseOption,
    NodeOption,
    open_for_reading,
    read_settings,
)

if TYPE_CHECKING:
    from cta.settings import Settings

__all__ = [
    "hit_json",
    "load_index_from_file",
    "load_index_from_node",
    "screen_command",
    "screen_lines",
]

def hit_json(hit: Hit) -> dict[str, Any]:
    """One hit in the ``cta screen --json`` contract."""
    return {
        "alert_id": hit.alert_id,
        "score": hit.score,
        "reasons": list(hit.reasons),
        "kind": hit.kind,
        "category": hit.category.value,
    }


def screen_lines(
    index: ScreeningIndex,
    lines: Iterable[tuple[int, str]],
    *,
    on: date | None,
    limit: int = 10,
    min_score: float = THRESHOLD,
) -> Iterator[dict[str, Any]]:
    """For each numbered line, ``{"hits": [...]}`` or ``{"error": "line N: ..."}``."""
    for number, line in lines:
        try:
            query = query_from_json(read_json_object(line))
            hits = index.screen(query, on=on, limit=limit, min_score=min_score)
        except CTAError as exc:
            yield {"error": f"line {number}: {exc}"}
            continue
        yield {"hits": [hit_json(hit) for hit in hits]}


MAX_ALERTS = 1 << 30  # the most read from one alerts file (a few million alerts)


def load_index_from_file(path: Path) -> ScreeningIndex:
    """An index of the alerts in a JSON Lines file; a bad line stops with its number."""
    try:  # bounded: a line or a file over its limit (/dev/zero) is named, not read forever
        lines = [(n, line.decode("utf-8")) for n, line in read_lines(path, max_bytes=MAX_ALERTS)]
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInputError(f"cannot read the alerts file {path}: {exc}") from None

    def alerts() -> Iterator[AlertRecord]:
        for number, line in lines:
            if line.strip():
                try:
                    yield alert_from_json(read_json_object(line))
                except CTAError as exc:
                    raise InvalidInputError(f"{path} line {number}: {exc}") from None

    try:
        return ScreeningIndex.build(alerts())
    except InvalidInputError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise InvalidInputError(f"{path}: {exc}") from None


def load_index_from_node(config: Settings | None = None) -> ScreeningIndex:
    """The node's alerts (``config``, by default CTA_DATABASE_URL): its index, warm from the
    snapshot when one is there, brought up to the latest alert change; the run is written to
    the audit log. A missing database is an error, never created."""
    import getpass

    from cta.services.alerts import AlertBook
    from cta.services.ports import AuditEntry

    node = open_for_reading(config or read_settings(None, Path("var/area"), None))
    book = node.alerts
    assert isinstance(book, AlertBook)  # not a server worker: the index is in this process
    book.open(node.store)
    entry = AuditEntry(f"cli:{getpass.getuser()}", "admin", "screen travellers (cli)",
                       "screening", None, {"alerts": len(book)})  # fmt: skip
    node.store.audit([entry], node.clock())
    return book.index


def screen_command(
    alerts: Annotated[
        Path | None,
        typer.Option("--alerts", help="Alerts as JSON Lines {id, category, names, birth_date, "
                     "nationalities, sex, document_numbers, ...}. Without it, the node's "
                     "database.", dir_okay=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON object per line.")] = False,
    on: Annotated[str | None, typer.Option("--on", help="The day of the check (default "
                                           "today): alerts expired then never hit.")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=1000,
                                       help="At most this many hits per traveller.")] = 10,
    min_score: Annotated[
        float,
        typer.Option(
            "--min-score",
            parser=number_between(0.0, 1.0),
            metavar="FLOAT",
            help=f"Report hits from this score, 0 to 1 (default {THRESHOLD}, the threshold that "
            "refers).",
        ),
    ] = THRESHOLD,
    node_state: NodeOption = None,
    area_dir: AreaDirOption = Path("var/area"),
    database: DatabaseOption = None,
) -> None:
    """Screen travellers (JSON Lines on standard input) against alerts, across scripts.

    Without --alerts: the alerts of the node of CTA_DATABASE_URL, or --node STATE of a running
    `cta area`, or --database URL (never created: a missing database is an error, exit 2)."""
    day = parse_date_option(on, "--on") or date.today()
    if alerts is not None and (node_state or database):
        fail("--alerts screens against a file: it takes no --node or --database")
    try:
        if alerts is not None:
            index = load_index_from_file(alerts)
        else:
            index = load_index_from_node(read_settings(node_state, area_dir, database))
    except CTAError as exc:
        fail(str(exc))
    worst = EXIT_OK
    for number_and_line, answer in _paired(stdin_lines(), index, day, limit, min_score):
        number, _ = number_and_line
        if "error" in answer:
            worst = EXIT_UNREADABLE
            err_console.print(f"[bold red]error:[/] {escape(answer['error'])}")
        if as_json:
            print_json(answer)
        elif "hits" in answer:
            _print_human(number, answer["hits"])
    raise typer.Exit(worst)


def _paired(
    lines: Iterator[tuple[int, str]], index: ScreeningIndex, day: date, limit: int,
    min_score: float,
) -> Iterator[tuple[tuple[int, str], dict[str, Any]]]:
    for line in lines:
        for answer in screen_lines(index, [line], on=day, limit=limit, min_score=min_score):
            yield line, answer


def _print_human(number: int, hits: list[dict[str, Any]]) -> None:
    if not hits:
        out_console.print(f"line {number}: [green]no hit[/]")
        return
    out_console.print(f"line {number}: [bold red]{len(hits)} hit(s)[/]")
    for hit in hits:
        out_console.print(
            f"  {escape(hit['alert_id'])}  {hit['score']:.3f}  {hit['category']}  {hit['kind']}"
        )
        for reason in hit["reasons"]:
            out_console.print(f"    - {escape(reason)}")
