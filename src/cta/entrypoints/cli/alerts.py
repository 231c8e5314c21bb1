"""``cta alerts import FILE.jsonl``: alerts in bulk into the node's database (all or none)."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from cta.domain.errors import CTAError, InvalidInputError
from cta.domain.screening import alert_from_json
from cta.entrypoints.cli.common import (
    EXIT_INVALID,
    err_console,
    fail,
    out_console,
    print_json,
    read_json_object,
    read_lines,
)
from cta.entrypoints.cli.node import settings
from cta.services.node import ForbiddenError, Node
from cta.services.node.alerts import check_alert_id_owner, check_entered_alert

__all__ = ["alerts_app"]

alerts_app = typer.Typer(help="The node's shared alerts.", no_args_is_help=True)
MAX_ERRORS = 20  # bad lines named before giving up
MAX_FILE_BYTES = 1 << 30  # the most read from one alerts file (a few million alerts)


@alerts_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="Alerts as JSON Lines, one alert per line "
                                         "(README, the cta screen contract).", dir_okay=False)],
    token: Annotated[
        str | None,
        typer.Option(envvar="CTA_TOKEN", show_envvar=True, help="An admin's bearer token."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the counts as JSON.")] = False,
) -> None:
    """Create or change the file's alerts: every line is checked first; one bad line and
    nothing is stored (each bad line is named). Alerts already stored get a new version."""
    if not token:
        fail("an admin's bearer token is needed: --token or CTA_TOKEN")
    config = settings()
    records, errors = _read(file, config.state)
    node = None
    if records and not errors:  # the node's own rules, each bad line named too
        from cta.entrypoints.cli.reading import open_for_writing

        try:
            node = open_for_writing(config)  # neither created nor migrated here
        except CTAError as exc:
            fail(str(exc), EXIT_INVALID)
        errors = _node_rules(file, records, node)
    for error in errors:
        err_console.print(f"[bold red]error:[/] {escape(error)}")
    if errors:
        fail(f"{file}: {len(errors)}{'+' if len(errors) >= MAX_ERRORS else ''} bad line(s); "
             "nothing was imported")  # fmt: skip
    if not records or node is None:
        fail(f"{file} holds no alert")
    try:
        actor = node.authenticate(token)
        if actor is None:
            fail("unknown or inactive token")
        versions = node.put_alerts(replace(actor, purpose="bulk import of alerts"), records)
    except (ForbiddenError, InvalidInputError) as exc:
        fail(str(exc))
    except CTAError as exc:
        fail(str(exc), EXIT_INVALID)
    created = sum(1 for v in versions.values() if v == 1)
    report = {"file": str(file), "alerts": len(versions), "created": created,
              "changed": len(versions) - created}  # fmt: skip
    if as_json:
        print_json(report)
    else:
        out_console.print(f"{file}: {report['alerts']} alerts ({created} new, "
                          f"{report['changed']} changed)")  # fmt: skip


def _read(file: Path, state: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The file's alerts, and its bad lines named (a node stores its own state's alerts only:
    ``put_alerts`` refuses another's, but without the line)."""
    records: list[dict[str, Any]] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    try:
        # bounded: a line or a file over its limit (/dev/zero) is named, not read forever
        for number, raw in read_lines(file, max_bytes=MAX_FILE_BYTES):
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                errors.append(f"{file}: not UTF-8 ({exc.reason} at line {number})")
                break
            if not line.strip():
                continue
            try:
                record = read_json_object(line)
                alert_from_json(record, entering=True)
                _issued_here(record, state)
                record["_line"] = number  # for _node_rules; taken out there
            except CTAError as exc:
                errors.append(f"{file} line {number}: {exc}")
                if len(errors) >= MAX_ERRORS:
                    break
                continue
            if record["id"] in seen:
                errors.append(f"{file} line {number}: alert {record['id']!r} is on line "
                              f"{seen[record['id']]} too")  # fmt: skip
                continue
            seen[record["id"]] = number
            records.append(record)
    except OSError as exc:
        fail(f"cannot read {file}: {exc.strerror or exc}")
    except CTAError as exc:  # a line or the file over its limit
        fail(str(exc))
    return records, errors


def _node_rules(file: Path, records: list[dict[str, Any]], node: Node) -> list[str]:
    """What ``put_alerts`` also refuses, with the line: a nationality of no country, an id
    that reads as another member's."""
    codes, members = node.reference.countries.codes, node.regime_on(node.today()).members
    errors: list[str] = []
    for record in records:
        number = record.pop("_line")
        try:
            check_entered_alert(record, codes)
            check_alert_id_owner(record["id"], node.state, members)
        except CTAError as exc:
            errors.append(f"{file} line {number}: {exc}")
            if len(errors) >= MAX_ERRORS:
                break
    return errors


def _issued_here(record: dict[str, Any], state: str) -> None:
    given = record.get("issuing_state", state)
    if given != state:
        other = f"{given}'s" if isinstance(given, str) else json.dumps(given)
        raise InvalidInputError(f"issuing_state: this node issues {state}'s alerts only, not "
                                f"{other} (each state's node issues its own)")  # fmt: skip
