"""Every command documents itself: help text on each, and ``--help`` works on each.

After sqlite-utils ``tests/test_docs.py``: the CLI is documented where a user first looks.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import typer

from cta.entrypoints.cli import app

from .conftest import Runner


# Typer may bring its own copy of Click, so commands are walked by shape, not by class.
def commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    yield path
    for name, sub in getattr(command, "commands", {}).items():
        yield from commands(sub, (*path, name))


def command_at(path: tuple[str, ...]) -> Any:
    command: Any = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


ALL = list(commands(typer.main.get_command(app)))
NAMED = [p for p in ALL if p]


def test_the_app_has_the_commands_of_the_contract() -> None:
    top = {p[0] for p in NAMED}
    assert {"mrz", "stay", "check", "demo", "policy"} <= top
    assert {("policy", "show"), ("policy", "derive"), ("policy", "validate")} <= set(NAMED)


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(("cta", *p)))
def test_every_command_has_help_text(path: tuple[str, ...]) -> None:
    command = command_at(path)
    assert (command.help or "").strip(), f"cta {' '.join(path)} has no help text"


@pytest.mark.parametrize("path", ALL, ids=lambda p: " ".join(("cta", *p)))
def test_every_option_and_argument_has_help_text(path: tuple[str, ...]) -> None:
    command = command_at(path)
    for param in command.params:
        if param.name == "help":
            continue
        assert (getattr(param, "help", None) or "").strip(), (
            f"cta {' '.join(path)}: {param.name} has no help text"
        )


def test_cta_help_exits_0_and_lists_the_commands(cta: Runner) -> None:
    ran = cta("--help")
    assert ran.code == 0
    for name in ("mrz", "stay", "check", "demo", "policy"):
        assert name in ran.stdout


@pytest.mark.parametrize("path", NAMED, ids=lambda p: " ".join(("cta", *p)))
def test_help_of_each_command_exits_0(cta: Runner, path: tuple[str, ...]) -> None:
    ran = cta(*path, "--help")
    assert ran.code == 0, ran.stderr
    assert "Usage" in ran.stdout


def test_the_demo_runs_and_prints_json_decisions(cta: Runner) -> None:
    ran = cta("demo", "--json")
    assert ran.code == 0, ran.stderr
    rows = ran.json_lines()
    assert rows
    assert all(row["decision"] in {"admit", "refuse", "refer"} for row in rows)
