"""``cta keys init``: make this node's Ed25519 key pair for the federation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from cta.entrypoints.cli.common import EXIT_INVALID, fail, out_console, print_json
from cta.federation.errors import FederationError
from cta.federation.keys import generate_private_key, key_files, public_key_text, write_key_pair
from cta.federation.members import member_snippet

__all__ = ["keys_app"]

keys_app = typer.Typer(help="This node's signing keys for the federation.", no_args_is_help=True)

STATES = ("AZE", "ARM", "GEO")


@keys_app.command("init")
def init_keys(
    state: Annotated[
        str | None,
        typer.Option(help="The node's state (AZE, ARM or GEO); default CTA_STATE, else GEO."),
    ] = None,
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to write STATE.key (0600) and STATE.pub.")
    ] = Path("var/keys"),
    endpoint: Annotated[
        str, typer.Option(help="The URL peers reach this node at, for the member snippet.")
    ] = "http://127.0.0.1:8090",
    force: Annotated[
        bool, typer.Option("--force", help="Replace an existing key pair (peers must be told).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Make the node's key pair; print its public key and a federation-file member entry."""
    if state is None:
        from cta.entrypoints.cli.node import settings

        state = settings().state
    state = state.upper()
    if state not in STATES:
        raise typer.BadParameter(f"{state!r} is not AZE, ARM or GEO", param_hint="--state")
    key = generate_private_key()
    public = public_key_text(key)
    files = key_files(directory, state)
    now = datetime.now(UTC)
    try:
        snippet = member_snippet(state, public, endpoint.rstrip("/"), now)
        write_key_pair(key, files, force=force)
    except FederationError as exc:
        fail(str(exc), EXIT_INVALID)
    if as_json:
        print_json({"state": state, "private_key_file": str(files.private),
                    "public_key_file": str(files.public), "public_key": public,
                    "member_snippet": snippet})  # fmt: skip
        return
    out_console.print(f"{state} key pair written: {escape(str(files.private))} (private, mode "
                      f"0600, unencrypted: it never leaves this node) and "
                      f"{escape(str(files.public))}", soft_wrap=True)  # fmt: skip
    out_console.print(f"public key: {public}")
    out_console.print("\nAdd this member to every node's federation file:\n")
    out_console.print(escape(snippet), soft_wrap=True, end="")
