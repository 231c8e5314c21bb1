"""``cta import crossings FILE.jsonl``: bulk import of crossings into the node's database."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cta.adapters.storage.bulk import SqlBulkStore
from cta.domain.errors import CTAError
from cta.entrypoints.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    MAX_LINE_BYTES,
    err_console,
    fail,
    file_too_large,
    line_too_long,
    out_console,
    print_json,
    read_lines,
)
from cta.entrypoints.cli.node import settings
from cta.services.imports import (
    AlreadyImportedError,
    ImportCrossings,
    ImportReport,
    import_crossings,
)
from cta.services.node import ForbiddenError, Node

__all__ = ["import_app"]

import_app = typer.Typer(help="Bulk imports into the node's database.", no_args_is_help=True)


# the most read from one import file (about 20 million crossings), and from one line
MAX_FILE_BYTES = 8 << 30
_LONGEST = MAX_LINE_BYTES + 1  # a line's bytes before its newline, a "\r" included


def _sha256(path: Path) -> str:
    """The file's SHA-256, its lines and size checked against the limits on the way (a line
    too long, or a file too large, stops here, before anything is imported). Read in chunks:
    line by line costs a second more per million lines."""
    digest = hashlib.sha256()
    total = lines_before = run = 0  # ``run``: bytes since the last newline
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            total += len(chunk)
            if total > MAX_FILE_BYTES:
                raise file_too_large(path, MAX_FILE_BYTES)
            digest.update(chunk)
            parts = chunk.split(b"\n")
            if run + len(parts[0]) > _LONGEST or max(map(len, parts)) > _LONGEST:
                lengths = [len(p) for p in parts]
                lengths[0] += run
                index = next(i for i, n in enumerate(lengths) if n > _LONGEST)
                raise line_too_long(path, lines_before + index + 1)
            run = len(parts[-1]) + (run if len(parts) == 1 else 0)
            lines_before += len(parts) - 1
    return digest.hexdigest()


def _lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Non-blank lines with their 1-based numbers, as bytes (UTF-8 is checked line by line)."""
    for number, line in read_lines(path, max_bytes=MAX_FILE_BYTES):
        if line.strip():
            yield number, line


class _FileLines:
    """The file's non-blank lines, read anew each time they are asked for: an import that
    another writer cut short starts over (``import_crossings``)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __iter__(self) -> Iterator[tuple[int, bytes]]:
        return _lines(self.path)


def _run(node: Node, token: str, command: ImportCrossings, store: SqlBulkStore) -> ImportReport:
    actor = node.authenticate(token)
    if actor is None:
        fail("unknown or inactive token")
    try:
        # the purpose audited with the import (an API call gives its own, X-Purpose)
        return import_crossings(node, replace(actor, purpose="bulk import of crossings"),
                                command, store)  # fmt: skip
    except AlreadyImportedError as exc:
        fail(str(exc), EXIT_INVALID)
    except (ForbiddenError, CTAError) as exc:
        fail(str(exc))


@import_app.command("crossings")
def crossings_command(
    file: Annotated[Path, typer.Argument(help="JSON Lines, one crossing per line (README).")],
    token: Annotated[
        str | None,
        typer.Option(envvar="CTA_TOKEN", show_envvar=True,
                     help="Bearer token of an admin (cta users add NAME --role admin)."),
    ] = None,
    all_or_nothing: Annotated[
        bool, typer.Option("--all-or-nothing", help="Import nothing if any line is bad.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Import crossings in bulk (exit 1: bad lines, skipped; 2: unusable file or token)."""
    from cta.entrypoints.cli.reading import open_for_writing

    if token is None:
        fail("an admin's bearer token is needed: --token or CTA_TOKEN")
    try:
        sha256 = _sha256(file)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    except CTAError as exc:  # a line or the file over its limit (/dev/zero)
        fail(str(exc))
    node = open_for_writing(settings())  # neither created nor migrated here
    engine = node.store.engine  # type: ignore[attr-defined]
    try:
        report = _run(node, token, ImportCrossings(str(file), sha256, _FileLines(file),
                                                   all_or_nothing), SqlBulkStore(engine))
    finally:
        engine.dispose()  # close the pool's connections before the process ends
    for message in report.errors:
        err_console.print(f"[bold red]error:[/] {escape(message)}")
    if report.skipped > len(report.errors):
        err_console.print(f"... and {report.skipped - len(report.errors)} more bad lines")
    if as_json:
        print_json(report.to_json())
    else:
        verb = "rejected (--all-or-nothing): nothing imported" if report.rejected else "imported"
        out_console.print(
            f"{file}: {report.lines:,} lines, {report.imported:,} crossings {verb}, "
            f"{report.skipped:,} bad lines skipped, {report.persons_created:,} persons created",
            soft_wrap=True,
        )
    raise typer.Exit(EXIT_INVALID if report.skipped else EXIT_OK)

