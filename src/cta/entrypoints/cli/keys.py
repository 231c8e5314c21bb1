"""``cta keys init``: make this node's Ed25519 key pair and TLS certificate for the federation."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

import typer
from cryptography.hazmat.primitives.serialization import Encoding
from rich.markup import escape

from cta.entrypoints.cli.common import EXIT_INVALID, fail, out_console, print_json
from cta.federation.errors import FederationError
from cta.federation.keys import generate_private_key, key_files, public_key_text, write_key_pair
from cta.federation.members import member_snippet
from cta.federation.tls import (
    VALID_DAYS,
    certificate_fingerprint,
    default_hosts,
    make_certificate,
    tls_files,
    write_tls_files,
)

__all__ = ["keys_app"]

keys_app = typer.Typer(help="This node's signing key and TLS certificate for the federation.",
                       no_args_is_help=True)  # fmt: skip

STATES = ("AZE", "ARM", "GEO")


@keys_app.command("init")
def init_keys(
    state: Annotated[
        str | None,
        typer.Option(help="The node's state (AZE, ARM or GEO); default CTA_STATE, else GEO."),
    ] = None,
    directory: Annotated[
        Path, typer.Option("--dir", help="Where to write STATE.key (0600), STATE.pub, "
                           "STATE.tls.key (0600) and STATE.tls.crt.")
    ] = Path("var/keys"),
    endpoint: Annotated[
        str, typer.Option(help="The URL peers reach this node at, for the member snippet and "
                          "the TLS certificate's host name.")
    ] = "https://127.0.0.1:8090",
    tls_host: Annotated[
        list[str] | None,
        typer.Option("--tls-host", help="Another DNS name or IP address for the TLS "
                     "certificate (repeatable); it always has the endpoint's host, localhost "
                     "and 127.0.0.1."),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace existing keys (peers must be told).")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Make the node's key pair and TLS certificate; print a federation-file member entry."""
    if state is None:
        from cta.entrypoints.cli.node import settings

        state = settings().state
    state = state.upper()
    if state not in STATES:
        raise typer.BadParameter(f"{state!r} is not AZE, ARM or GEO", param_hint="--state")
    key = generate_private_key()
    public = public_key_text(key)
    files, tls = key_files(directory, state), tls_files(directory, state)
    now = datetime.now(UTC)
    endpoint = endpoint.rstrip("/")
    try:
        tls_key, certificate = make_certificate(
            state, default_hosts(urlsplit(endpoint).hostname, tuple(tls_host or ())), now=now)
        pin = certificate_fingerprint(certificate.public_bytes(Encoding.DER))
        snippet = member_snippet(state, public, endpoint, now, pin)
        existing = [p for p in (files.private, files.public, tls.key, tls.certificate)
                    if p.exists()]  # fmt: skip
        if existing and not force:
            raise FederationError(f"{existing[0]} exists; keep it, or replace it with --force")
        write_key_pair(key, files, force=force)
        write_tls_files(tls_key, certificate, tls, force=force)
    except FederationError as exc:
        fail(str(exc), EXIT_INVALID)
    except ValueError as exc:  # a host name the certificate cannot hold
        fail(f"--tls-host/--endpoint: {exc}", EXIT_INVALID)
    if as_json:
        print_json({"state": state, "private_key_file": str(files.private),
                    "public_key_file": str(files.public), "public_key": public,
                    "tls_key_file": str(tls.key), "tls_certificate_file": str(tls.certificate),
                    "tls_certificate_sha256": pin, "member_snippet": snippet})  # fmt: skip
        return
    out_console.print(f"{state} key pair written: {escape(str(files.private))} (private, mode "
                      f"0600, unencrypted: it never leaves this node) and "
                      f"{escape(str(files.public))}", soft_wrap=True)  # fmt: skip
    out_console.print(f"TLS key and certificate written: {escape(str(tls.key))} (private, mode "
                      f"0600) and {escape(str(tls.certificate))} (self-signed, valid "
                      f"{VALID_DAYS // 365} years; peers pin its SHA-256)",
                      soft_wrap=True)  # fmt: skip
    out_console.print(f"public key: {public}")
    out_console.print(f"TLS certificate SHA-256: {pin}", soft_wrap=True)
    if endpoint.startswith("http://"):
        out_console.print("note: a plain http:// endpoint is refused unless the federation file "
                          "says allow_plain_http = true (local development only)", soft_wrap=True)
    out_console.print("\nAdd this member to every node's federation file:\n")
    out_console.print(escape(snippet), soft_wrap=True, end="")
