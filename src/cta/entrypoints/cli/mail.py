"""``cta mail status``: the outbox of mail to applicants (queued, failing, sent, given up)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from cta.domain.errors import CTAError
from cta.entrypoints.cli.common import fail, out_console, print_json
from cta.entrypoints.cli.reading import (
    AreaDirOption,
    DatabaseOption,
    NodeOption,
    open_for_reading,
    read_settings,
    shown_url,
)

__all__ = ["mail_app"]

mail_app = typer.Typer(help="Mail to applicants: the node's outbox.", no_args_is_help=True)


@mail_app.command("status")
def status_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    node_state: NodeOption = None,
    area_dir: AreaDirOption = Path("var/area"),
    database: DatabaseOption = None,
) -> None:
    """How many mails wait (and how many of those failed their last try), how many were sent
    (until the retention deletes them), how many were given up, the oldest waiting one and the
    last error. No addresses or contents are shown.

    Reads the node of CTA_DATABASE_URL and CTA_STATE, or --node STATE of a running `cta area`,
    or --database URL; never creates a database (a missing one is an error, exit 2)."""
    from cta.adapters.storage.mail_outbox import OFF, SqlMailOutbox
    from cta.adapters.storage.store import SqlStore

    config = read_settings(node_state, area_dir, database)
    try:
        node = open_for_reading(config)
        assert isinstance(node.store, SqlStore)
        outbox = SqlMailOutbox(node.store)
        status, noted = outbox.status(), outbox.server()
    except CTAError as exc:
        fail(str(exc))
    # the node's own setting, as it noted it when it started (not this shell's)
    server = None if noted in (None, OFF) else noted
    if as_json:
        print_json({"node": config.state, "database": shown_url(config.database_url),
                    "smtp": server, "smtp_known": noted is not None,
                    **status.to_json()})  # fmt: skip
        return
    oldest = status.oldest_queued_at.isoformat() if status.oldest_queued_at else "-"
    through = (server or ("no server (the node started without CTA_SMTP_HOST: mail waits)"
                          if noted == OFF else "a server not known (no node has started on "
                          "this database since CTA began to note it)"))  # fmt: skip
    out_console.print(
        f"node {config.state}: mail to applicants through {through}\n"
        f"  queued    {status.queued} (failing {status.failing}), oldest queued {oldest}\n"
        f"  sent      {status.sent}\n"
        f"  given up  {status.given_up}\n"
        f"  last error {status.last_error or '-'}",
        markup=False, highlight=False, soft_wrap=True)  # fmt: skip
