"""The ``cta`` command: a thin layer over the services (``python -m cta`` works too)."""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # imported in the functions: a Ctrl-C while Typer loads is then main()'s
    import typer

__all__ = ["CLASSES", "COMMANDS", "build_app", "main", "usage_error_line"]

# Every command in the order ``cta --help`` lists them: name -> (module under
# ``cta.entrypoints.cli``, attribute). An attribute ending in ``_app`` is a Typer of subcommands;
# any other is a function, made a command of Click's own class unless ``CLASSES`` names another.
# The modules are imported only for the command that runs: importing all of them (storage,
# SQLAlchemy, Alembic, the screening index, the web server) cost 1.1 s of the 1.4 s that
# ``cta mrz`` took to start, and the tests and the operators' scripts start ``cta`` often.
COMMANDS: dict[str, tuple[str, str]] = {
    "mrz": ("mrz", "mrz_command"),
    "stay": ("stay", "stay_command"),
    "check": ("check", "check_command"),
    "demo": ("demo", "demo_command"),
    "policy": ("policy", "policy_app"),
    "serve": ("node", "serve_command"),
    "area": ("area", "area_command"),
    "users": ("node", "users_app"),
    "import": ("imports", "import_app"),
    "alerts": ("alerts", "alerts_app"),
    "federation": ("federation", "federation_app"),
    "screen": ("screen", "screen_command"),
    "keys": ("keys", "keys_app"),
    "mail": ("mail", "mail_app"),
    "internal-checks": ("internal_checks", "internal_checks_app"),
}
# a command of its own class, in its module: `cta mrz` reads `cta mrz make` as a subcommand
CLASSES: dict[str, str] = {"mrz": "MrzCommand"}


def build_app(names: tuple[str, ...] | None = None) -> typer.Typer:
    """The ``cta`` Typer with the commands ``names`` (all when None), in ``COMMANDS``' order."""
    import typer

    app = typer.Typer(
        name="cta",
        help="CTA: border checks for the Caucasian Union common travel area (AZE, ARM, GEO).",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )
    for name, (module_name, attribute) in COMMANDS.items():
        if names is not None and name not in names:
            continue
        module = importlib.import_module(f"cta.entrypoints.cli.{module_name}")
        target = getattr(module, attribute)
        if attribute.endswith("_app"):
            app.add_typer(target, name=name)
        else:
            kind = getattr(module, CLASSES[name]) if name in CLASSES else None
            app.command(name, cls=kind)(target)
    return app


def __getattr__(name: str) -> typer.Typer:
    """``app``: the whole command tree, built when first asked for (the tests walk it)."""
    if name == "app":
        app = build_app()
        globals()["app"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Run the CLI; an unexpected failure is one line on standard error, not a traceback."""
    # everything a node writes (its database, logs, snapshots, keys, var/ folders) is its
    # user's alone: files 0600, folders 0700
    os.umask(0o077)
    try:
        _main()
    except KeyboardInterrupt:  # Ctrl-C as the command starts (Typer's own catch: exit 130)
        if os.environ.get("CTA_DEBUG"):
            raise
        sys.stderr.write("error: interrupted\n")
        sys.exit(130)


def _main() -> None:
    import typer

    # Click's usage errors (Typer ships its own copy of Click since 0.25): their common base
    click_error: type[Exception] = next(
        c for c in typer.BadParameter.__mro__ if c.__name__ == "ClickException")
    try:
        # only the command asked for is imported; ``cta``, ``cta --help`` or a name that is no
        # command's (answered with the list) need them all
        asked = sys.argv[1] if len(sys.argv) > 1 else ""
        app = build_app((asked,) if asked in COMMANDS else None)
        # a group even with one command in it (Typer would make a lone command the root:
        # ``Usage: cta [OPTIONS]`` instead of ``cta mrz [OPTIONS]``)
        code = typer.main.get_group(app)(standalone_mode=False)
    except click_error as exc:  # a bad option or argument: one line, exit 2
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
