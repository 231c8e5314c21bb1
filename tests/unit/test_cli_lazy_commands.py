"""``cta NAME`` imports the module of command NAME only: a command that needs no database
starts without the storage layer, the web server or the screening index (it took 1.4 s of CPU
to start ``cta mrz`` when every command's module was imported)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from cta.entrypoints.cli import COMMANDS

HEAVY = ("sqlalchemy", "alembic", "fastapi", "uvicorn", "cta.adapters.storage.store",
         "cta.domain.screening.index")

PROBE = """
import json, sys
sys.argv = ["cta", *json.loads(sys.argv[1])]
from cta.entrypoints.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
print("\\nLOADED " + json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded(*args: str) -> tuple[object, set[str]]:
    """Exit code and the modules imported by ``cta ARGS`` run in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(args)], capture_output=True,
                          text=True, timeout=120, check=True)
    found = json.loads(done.stdout.rsplit("\nLOADED ", 1)[1])
    return found["code"], set(found["modules"])


@pytest.mark.parametrize("args", [("mrz", "--help"), ("stay", "--help"), ("check", "--help"),
                                  ("policy", "--help"), ("demo", "--help")])
def test_a_command_without_a_database_does_not_import_the_heavy_parts(
        args: tuple[str, ...]) -> None:
    code, modules = loaded(*args)
    assert code == 0
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
    # and none of the other commands' modules
    own = f"cta.entrypoints.cli.{COMMANDS[args[0]][0]}"
    others = {f"cta.entrypoints.cli.{m}" for m, _ in COMMANDS.values()} - {own}
    assert own in modules
    assert not modules & others - {"cta.entrypoints.cli.check"}  # demo shows check's panel


def test_the_help_of_cta_imports_every_command() -> None:
    code, modules = loaded("--help")
    assert code == 0
    assert {f"cta.entrypoints.cli.{m}" for m, _ in COMMANDS.values()} <= modules


def test_a_database_command_still_gets_its_storage() -> None:
    code, modules = loaded("users", "--help")
    assert code == 0
    assert "cta.entrypoints.cli.node" in modules
