"""The ``cta`` command: a thin layer over the services (``python -m cta`` works too)."""

from __future__ import annotations

import os
import sys

import typer

from cta.entrypoints.cli.alerts import alerts_app
from cta.entrypoints.cli.area import area_command
from cta.entrypoints.cli.check import check_command
from cta.entrypoints.cli.demo import demo_command
from cta.entrypoints.cli.federation import federation_app
from cta.entrypoints.cli.imports import import_app
from cta.entrypoints.cli.internal_checks import internal_checks_app
from cta.entrypoints.cli.keys import keys_app
from cta.entrypoints.cli.mail import mail_app
from cta.entrypoints.cli.mrz import MrzCommand, mrz_command
from cta.entrypoints.cli.node import serve_command, users_app
from cta.entrypoints.cli.policy import policy_app
from cta.entrypoints.cli.screen import screen_command
from cta.entrypoints.cli.stay import stay_command

__all__ = ["app", "main", "usage_error_line"]

app = typer.Typer(
    name="cta",
    help="CTA: border checks for the Caucasian Union common travel area (AZE, ARM, GEO).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command("mrz", cls=MrzCommand)(mrz_command)  # and `cta mrz make` (MrzCommand)
app.command("stay")(stay_command)
app.command("check")(check_command)
app.command("demo")(demo_command)
app.add_typer(policy_app, name="policy")
app.command("serve")(serve_command)
app.command("area")(area_command)
app.add_typer(users_app, name="users")
app.add_typer(import_app, name="import")
app.add_typer(alerts_app, name="alerts")
app.add_typer(federation_app, name="federation")
app.command("screen")(screen_command)
app.add_typer(keys_app, name="keys")
app.add_typer(mail_app, name="mail")
app.add_typer(internal_checks_app, name="internal-checks")

# Click's usage errors (Typer ships its own copy of Click since 0.25): their common base
_CLICK_ERROR: type[Exception] = next(
    c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")


def main() -> None:
    """Run the CLI; an unexpected failure is one line on standard error, not a traceback."""
    # everything a node writes (its database, logs, snapshots, keys, var/ folders) is its
    # user's alone: files 0600, folders 0700
    os.umask(0o077)
    try:
        code = app(standalone_mode=False)
    except _CLICK_ERROR as exc:  # a bad option or argument: one line, exit 2
        if type(exc).__name__ == "NoArgsIsHelpError":  # ``cta`` alone: its help, as before
            sys.stdout.write(str(getattr(exc, "format_message", exc.__str__)()) + "\n")
        else:
            sys.stderr.write(usage_error_line(exc) + "\n")
        sys.exit(getattr(exc, "exit_code", 2))
    except typer.Abort:
        sys.stderr.write("error: aborted\n")
        sys.exit(1)
    except Exception as exc:  # a bug of ours: say so plainly; CTA_DEBUG=1 shows the traceback
        if os.environ.get("CTA_DEBUG"):
            raise
        sys.stderr.write(f"error: unexpected failure ({type(exc).__name__}: {exc}); "
                         "run again with CTA_DEBUG=1 for the traceback\n")
        sys.exit(3)
    sys.exit(code if isinstance(code, int) else 0)


def usage_error_line(exc: Exception) -> str:
    """A usage error as one ``error:`` line (Click and Typer print a box of several lines)."""
    message = " ".join(str(getattr(exc, "format_message", exc.__str__)()).split())
    ctx = getattr(exc, "ctx", None)
    where = f" (see {ctx.command_path} --help)" if ctx is not None else ""
    return f"error: {message}{where}"
