"""``cta federation status``: per peer, the last record held, the lag and the errors.

The node's federation file (``CTA_FEDERATION_FILE``, or ``--node``'s) is loaded as ``cta serve``
loads it: a missing, unreadable or broken one is one ``error:`` line naming file and line
(exit 2), not a table that looks like a node with no peers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cta.domain.errors import CTAError
from cta.entrypoints.cli.common import fail, out_console, print_json, read_text_file
from cta.entrypoints.cli.reading import (
    AreaDirOption,
    DatabaseOption,
    NodeOption,
    open_for_reading,
    read_settings,
    shown_url,
)

__all__ = ["federation_app"]

MAX_FEDERATION_BYTES = 1024 * 1024  # a federation file of three members is about 2 KiB

federation_app = typer.Typer(help="This node in the federation of the three nodes.",
                             no_args_is_help=True)  # fmt: skip


@federation_app.command("status")
def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    node_state: NodeOption = None,
    area_dir: AreaDirOption = Path("var/area"),
    database: DatabaseOption = None,
) -> None:
    """Per origin: the last record this node holds; per peer: its last record seen, the lag,
    the last success and the last error of the sync loop (as the running node wrote them).

    Reads the node of CTA_DATABASE_URL and CTA_STATE, or --node STATE of a running `cta area`,
    or --database URL; never creates a database (a missing one is an error, exit 2)."""
    from cta.services.federation import federation_status

    config = read_settings(node_state, area_dir, database)
    if config.federation_file:
        _check_federation_file(Path(config.federation_file), config.state)
    try:
        node = open_for_reading(config)
        rows = federation_status(node.store, config.state)
    except CTAError as exc:
        fail(str(exc))
    if as_json:
        print_json({"node": config.state, "database": shown_url(config.database_url),
                    "federation_file": config.federation_file or None,
                    "origins": rows})  # fmt: skip
        return
    table = Table(title=f"node {config.state}: federation "
                  f"{'(' + config.federation_file + ')' if config.federation_file else '(none)'}")
    for column in ("origin", "last seq held", "their last seq", "lag", "last success",
                   "failures", "rejections", "not applied", "last error"):  # fmt: skip
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["origin"] + (" (this node)" if row["self"] else ""), str(row["last_seq"]),
            _text(row["remote_last_seq"]), _text(row["lag"]), _text(row["last_success_at"]),
            str(row["failures"]), str(row["rejections"]), str(row["not_applied"]),
            _text(row["last_error"]),
        )  # fmt: skip
    out_console.print(table)
    for row in rows:  # records kept but not applied: named, not only counted
        if row["not_applied"]:
            out_console.print(f"{row['origin']}: {row['not_applied']} records kept but not "
                              "applied; the last:", markup=False, highlight=False)  # fmt: skip
            for r in row["not_applied_last"]:
                out_console.print(f"  {row['origin']}/{r['seq']} {r['kind']} at {r['at']}: "
                                  f"{r['why']}", markup=False, highlight=False, soft_wrap=True)


def _text(value: object) -> str:
    return "-" if value is None else str(value)


def _check_federation_file(path: Path, state: str) -> None:
    """The federation file loads, within limits (``/dev/zero``, a binary file), and is this
    node's, as ``cta serve`` requires; otherwise one ``error:`` line, exit 2."""
    from cta.federation.members import parse_federation

    try:
        text = read_text_file(path, max_bytes=MAX_FEDERATION_BYTES,
                              expected="a federation file (TOML)")  # fmt: skip
        federation = parse_federation(text, file=str(path))
    except FileNotFoundError:
        fail(f"{path}: no such federation file (CTA_FEDERATION_FILE)")
    except OSError as exc:  # a directory, no right to read it
        fail(f"{path}: cannot read the federation file ({exc.strerror or exc})")
    except CTAError as exc:  # not UTF-8, a line too long, not TOML, not a federation file
        fail(str(exc))
    if federation.node != state:
        fail(f"{path} is the federation file of node {federation.node}, but this node is "
             f"{state} (CTA_STATE, or --node)")  # fmt: skip
