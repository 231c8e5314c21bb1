"""``cta serve`` and ``cta users``: run a national node and give its users their tokens."""

from __future__ import annotations

import errno
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from pydantic import ValidationError

from cta.adapters.storage.store import DuplicateError
from cta.domain.errors import CTAError
from cta.domain.roles import Role
from cta.entrypoints.cli.common import err_console, fail, out_console, print_json
from cta.settings import Settings

if TYPE_CHECKING:
    from collections.abc import Callable

    from cta.entrypoints.screening import ScreeningSupervisor
    from cta.services.node import Node

__all__ = ["serve_command", "users_app"]

# A user's name: 1-100 letters, digits, '.', '_', '@' or '-', the rule of the API's users
# (``api.schemas.UserBody``) and of an imported crossing's officer (``services.imports``):
# no empty name, no blank, tab or terminal escape in the audit log and on the sign-in page.
USER_NAME = re.compile(r"[\w.@-]{1,100}")
# The most read for a password on standard input: a password has at most 200 characters
# (``passwords.MAX_LENGTH``), 800 bytes of UTF-8 at most, so no password is cut short; a longer
# line is refused, and ``< /dev/zero`` is not read on for ever.
MAX_PASSWORD_BYTES = 1024
WORKER_PING_SECONDS = 60  # how long a worker may take to answer uvicorn's ping (serve_command)
GRACEFUL_SECONDS = 10  # how long a stopping worker waits for its open requests (serve_command)

users_app = typer.Typer(help="The node's users and their bearer tokens.", no_args_is_help=True)


def settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(f"CTA_{'_'.join(map(str, e['loc'])).upper()}: {e['msg']}"
                             for e in exc.errors())  # fmt: skip
        fail(f"settings: {problems}")


def serve_command(
    host: Annotated[str | None, typer.Option(help="Address to listen on (CTA_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (CTA_PORT).", min=1, max=65535)] = None,
    workers: Annotated[int | None, typer.Option(help="Processes (CTA_WORKERS).", min=1)] = None,
    demo: Annotated[
        bool,
        typer.Option("--demo", help="A demo node: a fresh SQLite database in var/ filled with "
                     "synthetic travellers and one user per role; prints the URL and tokens."),
    ] = False,
    init: Annotated[
        bool,
        typer.Option("--init", help="The node's first start: create its database (a SQLite "
                     "file, or CTA's tables in an empty PostgreSQL database) when there is none. "
                     "Without it a missing database is an error."),
    ] = False,
) -> None:
    """Run the node's HTTP API (uvicorn) on the database of CTA_DATABASE_URL (which must exist;
    --init makes it on the first start)."""
    import uvicorn

    from cta.bootstrap import (
        build_federation,
        build_mail_sender,
        build_node,
        database_exists,
        private_files,
        tls_server_files,
    )
    from cta.entrypoints.api.server import http_protocol, log_config, loop_name
    from cta.federation.tls import SERVER_CIPHERS
    from cta.services.demo_data import seed_demo
    from cta.services.federation import FederationDaemon

    config = settings()
    if demo:
        path = Path("var") / f"demo-{config.state}.sqlite"
        for stale in path.parent.glob(path.name + "*"):
            stale.unlink()
        config = config.model_copy(update={"database_url": f"sqlite:///{path}"})
        os.environ["CTA_DATABASE_URL"] = config.database_url  # the server builds the same node
    try:
        fresh = (demo or init) and not database_exists(config)
        # migrate once, before any worker starts; never a new database unless asked
        node = build_node(config, create=demo or init, say=_say)
        if fresh:
            err_console.print(f"cta: created a new database: {config.database_url}",
                              markup=False)  # fmt: skip
        private_files(config)
        users = seed_demo(node) if demo else None
        federation = build_federation(config, node)
        tls = tls_server_files(config, federation)  # https when the node has a TLS certificate
        mail = build_mail_sender(config, node)  # None: CTA_SMTP_HOST unset, mails wait
    except CTAError as exc:
        fail(str(exc))
    _check_address(host or config.host, port or config.port)
    daemon = FederationDaemon(federation) if federation is not None else None
    address = f"{'https' if tls else 'http'}://{host or config.host}:{port or config.port}"
    if users is not None:
        out_console.print(f"[bold]CTA demo node {config.state}[/] at {address}/ (start "
                          f"page; API documents at {address}/docs), database "
                          f"{config.database_url}", soft_wrap=True)  # fmt: skip
        for role, token in users.tokens.items():
            out_console.print(f"  {role:<17} Authorization: Bearer {token}", soft_wrap=True)
        counts = node.store.counts()
        out_console.print(f"  {counts['persons']} travellers, {counts['crossings']} crossings")
        for mrz in users.alert_hits[:1]:  # the demo's alerts name a few of its travellers
            out_console.print(f"  an alert hits this demo passport: {' '.join(mrz)}",
                              soft_wrap=True)  # fmt: skip
    screening = _screening_process(config, workers or config.workers)
    if daemon is not None:  # one per node, in this process: seal the outbox, pull the peers
        daemon.start()
    if mail is not None:  # one per node too, in this process: send the queued mail
        mail.start()
    try:
        uvicorn.run(
            "cta.entrypoints.api.asgi:app",
            host=host or config.host,
            port=port or config.port,
            workers=workers or config.workers,
            log_level="warning",
            log_config=log_config(),
            access_log=False,
            # the client of a request is the peer unless CTA_TRUSTED_PROXIES says otherwise
            # (cta.entrypoints.api.clients): uvicorn's own X-Forwarded-For handling is off
            proxy_headers=False,
            http=http_protocol(),
            loop=loop_name(),
            ssl_certfile=str(tls.certificate) if tls else None,
            ssl_keyfile=str(tls.key) if tls else None,
            ssl_ciphers=SERVER_CIPHERS if tls else None,
            backlog=config.listen_backlog,  # the kernel lowers it to net.core.somaxconn
            # uvicorn kills a worker that does not answer its ping within this many seconds
            # (default 5) and starts another; a new worker answers only once it has imported
            # the CLI's modules, which on a loaded 2-core machine took longer than 5 s, so that
            # several workers were killed and restarted for good and the node never served
            timeout_worker_healthcheck=WORKER_PING_SECONDS,
            # on SIGTERM a worker finishes its requests, but no longer than this: a client
            # that keeps its connection busy must not keep the node from stopping
            timeout_graceful_shutdown=GRACEFUL_SECONDS,
            timeout_keep_alive=config.keep_alive_timeout,  # settings: why 65 s, not 5
        )
    finally:
        if daemon is not None:
            daemon.stop()
        if mail is not None:
            mail.stop()
        if screening is not None:
            screening.stop()
            if not config.screening_socket:
                shutil.rmtree(screening.path.parent, ignore_errors=True)


def _say(message: str) -> None:
    """What the node's commands tell the operator on the way (a migration), on standard error."""
    err_console.print(f"cta: {message}", markup=False)


def _check_address(host: str, port: int) -> None:
    """The node can listen on ``host``:``port``, or one error line naming them and why, exit 2,
    before anything starts: uvicorn's own failure was a log line and exit 3, the code of a
    failure of CTA's own. (The address is bound and let go at once, with the
    ``SO_REUSEADDR`` uvicorn binds with, so that a port a stopped node left in TIME_WAIT is
    not refused.)"""
    import socket

    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
        family, kind, protocol, _, address = found[0]
        with socket.socket(family, kind, protocol) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind(address)
    except OSError as exc:  # socket.gaierror too: a host name that does not resolve
        why = exc.strerror or str(exc)
        hint = (": another node or program listens there (--port, CTA_PORT)"
                if exc.errno == errno.EADDRINUSE else " (--host, CTA_HOST; --port, CTA_PORT)")
        fail(f"cannot listen on {host}:{port}: {why[:1].lower() + why[1:]}{hint}")


def _screening_process(config: Settings, workers: int) -> ScreeningSupervisor | None:
    """With more than one worker, the node's one screening index in its own process, started
    (and awaited) before the workers, which screen through its socket; with one worker the
    index stays in the worker: a second process would hold the same one copy, a hop further."""
    if workers <= 1 or not config.screening_process:
        os.environ.pop("CTA_SCREENING_SOCKET", None)  # no process to ask: the worker screens
        return None
    from cta.entrypoints.screening import ScreeningSupervisor

    if config.screening_socket:
        path = Path(config.screening_socket)
    else:  # a directory of this node's user alone: nobody else may ask or pose as the index
        path = Path(tempfile.mkdtemp(prefix="cta-screening-")) / "socket"
    os.environ["CTA_SCREENING_SOCKET"] = str(path)  # the workers' settings
    supervisor = ScreeningSupervisor(path)
    err_console.print("cta: starting the screening process (the node's alert index)",
                      markup=False)  # fmt: skip
    try:
        supervisor.start()
    except CTAError as exc:
        fail(str(exc))
    return supervisor


@users_app.command("add")
def add_user(
    name: Annotated[str, typer.Argument(help="The user's name, e.g. officer.tbs.01.")],
    role: Annotated[Role, typer.Option(help="The user's role.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    init: Annotated[
        bool, typer.Option("--init", help="Create the node's database when there is none.")
    ] = False,
) -> None:
    """Add a user and print its bearer token (shown once; only its hash is stored). The node's
    database must exist (``cta serve --init``), unless --init is given: then a missing or empty
    one is created, but another program's database is refused, never given CTA's tables."""
    from cta.bootstrap import build_node

    _check_name(name)
    config = settings()
    try:
        _node_database(config, init=init)
        token = build_node(config, create=init, say=_say).add_user(name, role, by=_operator())
    except (DuplicateError, CTAError) as exc:
        fail(str(exc))
    if as_json:
        print_json({"name": name, "role": role.value, "token": token})
    else:
        out_console.print(f"{name} ({role.value}): {token}")


@users_app.command("list")
def list_users(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON lines.")] = False,
) -> None:
    """The node's users: name, role, whether active, when made, whether a password is set and
    how many web sessions are open (never a token or a password)."""
    from datetime import timedelta

    from rich.table import Table

    config = settings()
    found = _node().users(timedelta(seconds=config.session_idle_seconds),
                          timedelta(seconds=config.session_absolute_seconds))
    if as_json:
        for user in found:
            print_json({"name": user["name"], "role": user["role"],
                        "active": bool(user["active"]), "created_at": _rfc3339(user["created_at"]),
                        "password": bool(user["password"]),
                        "sessions": int(user["sessions"])})  # fmt: skip
        return
    table = Table("name", "role", "active", "created", "password", "web sessions")
    for column in table.columns[:2]:  # a name and a role are shown whole, folded if they must
        column.overflow = "fold"
    for user in found:
        table.add_row(user["name"], user["role"], "yes" if user["active"] else "no",
                      _rfc3339(user["created_at"])[:10], "yes" if user["password"] else "no",
                      str(user["sessions"]))  # fmt: skip
    out_console.print(table)


@users_app.command("disable")
def disable_user(
    name: Annotated[str, typer.Argument(help="The user's name.")],
) -> None:
    """Disable a user who must no longer act (left the service, a lost device): their token
    and password stop working and their web sessions end; a running node may take the token
    for up to 5 seconds more (its cache). Audited. ``cta users enable`` undoes it."""
    _check_name(name)
    _change(lambda node: node.set_user_active(name, False, by=_operator()), f"{name}: disabled")


@users_app.command("enable")
def enable_user(
    name: Annotated[str, typer.Argument(help="The user's name.")],
) -> None:
    """Enable a disabled user again (their token and password work again). Audited."""
    _check_name(name)
    _change(lambda node: node.set_user_active(name, True, by=_operator()), f"{name}: enabled")


@users_app.command("role")
def change_role(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    role: Annotated[Role, typer.Argument(help="The user's new role.")],
) -> None:
    """Give a user another role; their open web sessions end (a session keeps the role it
    was opened with), and a running node acts on the new role within 5 seconds (its cache of
    tokens). Audited."""
    _check_name(name)
    _change(lambda node: node.set_user_role(name, role, by=_operator()),
            f"{name}: {role.value}")  # fmt: skip


@users_app.command("token")
def new_token(
    name: Annotated[str, typer.Argument(help="The user's name.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """A new bearer token for a user, printed once; the old one stops working (a lost or
    leaked token) and their web sessions end. Audited."""
    _check_name(name)
    made: list[str] = []
    _change(lambda node: made.append(node.new_token(name, by=_operator())), None)
    if as_json:
        print_json({"name": name, "token": made[0]})
    else:
        out_console.print(f"{name}: {made[0]}")


def _node() -> Node:
    """The node of CTA_DATABASE_URL, which must be a CTA database (never created here)."""
    from cta.bootstrap import build_node

    config = settings()
    try:
        _node_database(config, init=False)
        return build_node(config, create=False, say=_say)
    except CTAError as exc:
        fail(str(exc))


def _check_name(name: str) -> None:
    """A user's name as ``cta users add`` takes it, else one error line (at most 40 of its
    characters shown, escaped: it may hold anything a shell passes)."""
    if not USER_NAME.fullmatch(name):
        shown = ascii(name[:40]) + ("..." if len(name) > 40 else "")
        fail(f"user name {shown} ({len(name)} characters): a name is 1-100 letters, digits, "
             "'.', '_', '@' or '-'")  # fmt: skip


def _change(change: Callable[[Node], object], said: str | None) -> None:
    node = _node()
    try:
        change(node)
    except CTAError as exc:
        fail(str(exc))
    if said is not None:
        out_console.print(said)


def _operator() -> str:
    """Who ``cta users`` acts as in the audit log: the operator, by the machine's user name."""
    import getpass

    from cta.services.node.core import OPERATOR

    try:
        return f"{OPERATOR}:{getpass.getuser()}"[:100]
    except (KeyError, OSError):  # no name for this uid (a container)
        return OPERATOR


def _rfc3339(value: object) -> str:
    from datetime import UTC, datetime

    from cta.domain.instants import rfc3339

    if isinstance(value, str):  # SQLite's text
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return rfc3339(value if value.tzinfo else value.replace(tzinfo=UTC))


@users_app.command("password")
def set_password(
    name: Annotated[str, typer.Argument(help="The user's name (cta users add made it).")],
    from_stdin: Annotated[
        bool, typer.Option("--stdin", help="Read the password from the first line of standard "
                           "input instead of asking for it twice.")
    ] = False,
) -> None:
    """Set a user's password for the staff web pages (/sign-in); hashed with scrypt, and the
    user's open web sessions end. At least 12 characters."""
    from cta.adapters.storage.web_sessions import SqlSessionStore
    from cta.bootstrap import build_node
    from cta.services.passwords import PasswordError
    from cta.services.staff_sessions import StaffSessions, UnknownUserError

    if from_stdin:
        password = _password_from_stdin()
    elif not sys.stdin.isatty():  # getpass would read it echoed, or end on "aborted"
        fail("no terminal to ask the password on: give it on the first line of standard "
             "input with --stdin")  # fmt: skip
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    config = settings()
    try:
        _node_database(config, init=False)
        node = build_node(config, create=False, say=_say)
        sessions = StaffSessions(SqlSessionStore(node.store), node.authenticate, node.clock)
        sessions.set_password(name, password)
        node.password_set(name, by=_operator())
    except (UnknownUserError, PasswordError, CTAError) as exc:
        fail(str(exc).strip("'\""))
    out_console.print(f"{name}: password set")


def _password_from_stdin() -> str:
    """The first line of standard input, within ``MAX_PASSWORD_BYTES``, as UTF-8 text."""
    line = sys.stdin.buffer.readline(MAX_PASSWORD_BYTES + 2).rstrip(b"\r\n")
    if len(line) > MAX_PASSWORD_BYTES:
        fail(f"the password on standard input is longer than {MAX_PASSWORD_BYTES} bytes (a "
             "password has at most 200 characters)")  # fmt: skip
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:  # the bytes are a secret: not shown
        fail("the password on standard input is not UTF-8 text")


def _node_database(config: Settings, *, init: bool) -> None:
    """The node's database is CTA's, or (``init``) missing or empty, to be created; looked at
    read-only first, so that another program's database, an empty file or a file that is not
    a database is refused untouched (exit 2)."""
    from sqlalchemy.engine import make_url

    from cta.bootstrap import database_kind, not_ours

    kind, tables = database_kind(config)
    if kind == "other":
        raise CTAError(not_ours(config, tables))
    if kind != "cta" and not init:
        url = make_url(config.database_url)
        where = url.database if url.get_backend_name() == "sqlite" else \
            url.render_as_string(hide_password=True)  # fmt: skip
        raise CTAError(f"there is no CTA database at {where} (CTA_DATABASE_URL)"
                       f"{': it is empty' if kind == 'empty' else ''}; `cta users add "
                       "--init` creates one, as `cta serve --init` does on a node's first start")
