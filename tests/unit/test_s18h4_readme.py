"""What README.md and docs/*.md say of the ``cta`` command and of the tree is so: every ``cta``
command they name is one (``cta users frob`` is not), every ``--option`` written after it is one
of that command's, every file or folder they name under ``src/``, ``tests/``, ``tools/``,
``bench/`` or ``docs/`` is there, and so is every ``test_…`` they name. docs/benchmarks.md is
a log of runs, quoting commands and files as they were, and is not read."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import typer

from cta.entrypoints.cli import build_app, mrz

ROOT = Path(__file__).resolve().parents[2]
SOURCES = ["README.md", *sorted(f"docs/{p.name}" for p in (ROOT / "docs").glob("*.md")
                                if p.name != "benchmarks.md")]  # fmt: skip


def _commands() -> dict[tuple[str, ...], set[str]]:
    """Every leaf command's path (``("users", "add")``) and its options."""
    found: dict[tuple[str, ...], set[str]] = {}

    def walk(command: Any, path: tuple[str, ...]) -> None:
        if hasattr(command, "commands"):
            for name, sub in command.commands.items():
                walk(sub, (*path, name))
            return
        found[path] = {o for p in command.params if type(p).__name__.endswith("Option")
                       for o in (*p.opts, *p.secondary_opts)}  # fmt: skip

    walk(typer.main.get_group(build_app()), ())
    walk(typer.main.get_command(mrz._make_app), ("mrz", "make"))  # `cta mrz make`: its own
    return found


@pytest.fixture(scope="module")
def commands() -> dict[tuple[str, ...], set[str]]:
    return _commands()


def _line(text: str, at: int) -> int:
    return text[:at].count("\n") + 1


@pytest.mark.parametrize("name", SOURCES)
def test_every_cta_command_and_option_named_is_real(
    name: str, commands: dict[tuple[str, ...], set[str]]
) -> None:
    text, wrong = (ROOT / name).read_text(encoding="utf-8"), []
    groups = {path[0] for path in commands if len(path) == 2}
    # "cta users add NAME --role ROLE", "cta policy show|derive|validate", up to a backtick or
    # the end of the line; options after a ";" belong to another sentence
    for m in re.finditer(r"(?<![\w/.-])cta ([a-z][a-z-]*)(?: ([a-z][a-z|-]*))?([^`\n]*)", text):
        first, second, rest = m.group(1), m.group(2), m.group(3)
        # a command as written (`cta …`, a line of a code block, `$ cta …`) is held to be one;
        # "cta" in prose ("newer than this cta knows") need not be followed by a command
        written = m.start() == 0 or text[m.start() - 1] in "`\n" or text[:m.start()].endswith("$ ")
        where = f"{name}:{_line(text, m.start())}"
        if first in groups:
            if not second:
                continue  # "cta users" alone: the group
            paths = [(first, sub) for sub in second.split("|")]
            wrong += [f"{where}: no command cta {' '.join(p)}" for p in paths if p not in commands]
            paths = [p for p in paths if p in commands]
        elif (first,) in commands:
            paths = [("mrz", "make")] if (first, second) == ("mrz", "make") else [(first,)]
            rest = f"{second or ''}{rest}"
        else:
            if written:
                wrong.append(f"{where}: no command cta {first}")
            continue
        for option in re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", rest.split(";")[0]):
            if option != "--help" and paths and not any(option in commands[p] for p in paths):
                wrong.append(f"{where}: cta {' '.join(paths[0])} has no option {option}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("name", SOURCES)
def test_every_file_of_the_tree_named_is_there(name: str) -> None:
    text, missing = (ROOT / name).read_text(encoding="utf-8"), []
    for m in re.finditer(r"`((?:src|tests|tools|bench|docs)/[^`\s]+)`", text):
        written = m.group(1).rstrip(".,;:")
        if any(mark in written for mark in "*…{<") or "NAME" in written:
            continue  # a pattern (src/cta/services/mail_templates/*.toml), not a file
        if not (ROOT / written).exists():
            missing.append(f"{name}:{_line(text, m.start())}: {written}")
    assert not missing, "no such file or folder:\n" + "\n".join(missing)


@pytest.mark.parametrize("name", SOURCES)
def test_every_test_named_is_there(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    tests = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").rglob("test_*.py"))
    missing = sorted({t for t in re.findall(r"`(test_\w+)`", text)
                      if not re.search(rf"\bdef {t}\(", tests)})  # fmt: skip
    assert not missing, f"{name} names tests that are not there: {missing}"
