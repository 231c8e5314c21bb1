"""An operator's slips with commands that need no node (session 18, H3): Ctrl-C (SIGINT)
while ``cta`` starts is one ``error: interrupted`` line, exit 130, never the traceback of
whichever module was being imported; a password asked for with no terminal, and a timeout
setting of ``nan``, are one line naming what to do."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import CTA, Runner


def test_ctrl_c_while_a_command_starts_is_one_line_not_a_traceback(tmp_path: Path) -> None:
    # the first second of a command is imports (Typer, pydantic, SQLAlchemy): a Ctrl-C there
    # printed the traceback of the import it stopped
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    env["CTA_DATABASE_URL"] = f"sqlite:///{tmp_path / 'node.sqlite'}"
    interrupted = 0
    for after in (0.1, 0.2, 0.3, 0.4, 0.6, 0.8):
        process = subprocess.Popen([str(CTA), "users", "list"], env=env, cwd=tmp_path,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
        time.sleep(after)  # somewhere in its start; where exactly does not matter
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
        assert b"Traceback" not in stderr + stdout, stderr.decode()
        if process.returncode == 130:
            assert stderr == b"error: interrupted\n"
            interrupted += 1
    assert interrupted  # some signal came while it started, not after it had ended


def test_a_password_asked_for_without_a_terminal_points_to_stdin(cta: Runner) -> None:
    # getpass warned that the password would be echoed, then "error: aborted" (exit 1)
    ran = cta("users", "password", "admin.h3")  # standard input is a pipe, not a terminal
    assert ran.code == 2
    assert ran.stderr == ("error: no terminal to ask the password on: give it on the first "
                          "line of standard input with --stdin\n")  # fmt: skip


def test_nan_or_inf_as_a_timeout_setting_is_named_as_not_a_number(
    cta: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    # "Input should be less than or equal to 3600" said of nan
    for value in ("nan", "inf"):
        monkeypatch.setenv("CTA_HEADER_TIMEOUT", value)
        ran = cta("users", "list")
        assert ran.code == 2
        assert ran.stderr == "error: settings: CTA_HEADER_TIMEOUT: Input should be a finite " \
            "number\n"  # fmt: skip
