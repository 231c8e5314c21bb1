"""``cta keys init``: make this node's Ed25519 key pair and TLS certificate for the federation.

The endpoint and host names are checked before anything is written: a certificate for a name no
client can ask for, or a member entry whose endpoint no peer can reach (a blank in the host, a
port over 65535), would be found out only when the nodes fail to talk."""

from __future__ import annotations

import ipaddress
import re
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
# RFC 1123: a label is 1-63 letters, digits or hyphens, not at either end; a name at most 253
_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")


def host_problem(host: str) -> str | None:
    """Why ``host`` is neither an IP address nor a DNS name (RFC 1123), or None."""
    try:
        ipaddress.ip_address(host)
        return None
    except ValueError:
        pass
    if not host or len(host) > 253:
        return f"a host name has 1 to 253 characters, not {len(host)}"
    labels = host.split(".")
    for label in labels:
        if not _LABEL.fullmatch(label):
            return (f"{label[:70]!r} is not a DNS label (1-63 letters, digits or '-', not "
                    "starting or ending with '-')")  # fmt: skip
    if labels[-1].isdigit():
        return "it is neither an IP address nor a DNS name (a name does not end in digits)"
    return None


def endpoint_problem(endpoint: str) -> str | None:
    """Why ``endpoint`` is not a URL peers can reach, or None: http:// or https:// (as the
    federation file takes it), a valid host, a port from 1 to 65535, no blank anywhere."""
    if any(c.isspace() or not c.isprintable() for c in endpoint):
        return f"{endpoint!r} has a blank or a control character"
    parts = urlsplit(endpoint)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        return f"{endpoint!r} is not an http:// or https:// URL"
    problem = host_problem(parts.hostname)
    if problem is not None:
        return f"{endpoint!r}: its host {problem}"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port is not None and not 1 <= port <= 65535:
        return f"{endpoint!r}: the port is not a number from 1 to 65535"
    return None


@keys_app.command("init")
def init_keys(
    state: Annotated[
        str | None,
        typer.Option(help="The node's state (AZE, ARM or GEO); default CTA_STATE, else GEO."),
    ] = None,
    directory: Annotated[
        str, typer.Option("--dir", metavar="DIR", help="Where to write STATE.key (0600), "
                          "STATE.pub, STATE.tls.key (0600) and STATE.tls.crt.")
    ] = "var/keys",
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
    if not directory.strip():  # Path("") is the current directory: never meant
        raise typer.BadParameter("give a directory for the keys (default var/keys)",
                                 param_hint="--dir")  # fmt: skip
    for host in tls_host or ():
        problem = host_problem(host)
        if problem is not None:
            raise typer.BadParameter(problem, param_hint="--tls-host")
    endpoint = endpoint.rstrip("/")
    problem = endpoint_problem(endpoint)
    if problem is not None:  # as the federation file's loader says it: exit 1
        fail(f"endpoint: {problem}", EXIT_INVALID)
    key = generate_private_key()
    public = public_key_text(key)
    folder = Path(directory)
    if folder.exists() and not folder.is_dir():
        fail(f"--dir {directory}: not a directory")
    files, tls = key_files(folder, state), tls_files(folder, state)
    now = datetime.now(UTC)
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
    except OSError as exc:  # --dir a file, or a folder nothing may be written in (/proc/self)
        fail(f"--dir {directory}: cannot write the keys there ({exc.strerror or exc})")
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
