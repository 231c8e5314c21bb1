"""An operator's slips with commands that need no node (session 18, H3): Ctrl-C (SIGINT)
while ``cta`` starts is one ``error: interrupted`` line, exit 130, never the traceback of
whichever module was being imported; a password asked for with no terminal, and a timeout
setting of ``nan``, are one line naming what to do."""

from __future__ import annotations

import errno
import importlib.util
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.conftest import CTA, Runner


@pytest.mark.parametrize("module", ["typer", "cta.entrypoints.cli.node"])
def test_ctrl_c_while_a_command_starts_is_one_line_not_a_traceback(
    tmp_path: Path, module: str
) -> None:
    # the first second of a command is imports (Typer, pydantic, SQLAlchemy): a Ctrl-C there
    # printed the traceback of the import it stopped. The command is held inside one import
    # (Typer's, loaded first; the command's own module, which loads the rest), so the signal
    # lands there whatever the machine's load: its bytecode is read from a FIFO that the test
    # opens but writes nothing to.
    prefix = tmp_path / "bytecode"
    spec = importlib.util.find_spec(module)
    assert spec is not None and spec.origin is not None
    source = Path(spec.origin)
    fifo = prefix.joinpath(*source.parent.parts[1:],
                           f"{source.stem}.{sys.implementation.cache_tag}.pyc")  # fmt: skip
    fifo.parent.mkdir(parents=True)
    os.mkfifo(fifo)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CTA_")}
    env |= {"CTA_DATABASE_URL": f"sqlite:///{tmp_path / 'node.sqlite'}",
            "PYTHONPYCACHEPREFIX": str(prefix)}  # fmt: skip
    process = subprocess.Popen([str(CTA), "users", "list"], env=env, cwd=tmp_path,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               preexec_fn=_sigint_as_at_a_terminal)  # fmt: skip
    writer = -1
    try:
        writer = _held_in_its_read(fifo, process)
        process.send_signal(signal.SIGINT)  # the command is reading the FIFO, in the import
        try:
            stdout, stderr = process.communicate(timeout=60)  # a bound: it ends at once
        except subprocess.TimeoutExpired:
            pytest.fail("cta went on after SIGINT, held in its import")
    finally:
        if writer >= 0:
            os.close(writer)
        if process.poll() is None:  # whatever failed, no `cta` is left waiting
            process.kill()
            process.communicate(timeout=60)
    assert b"Traceback" not in stderr + stdout, stderr.decode()
    assert (process.returncode, stderr) == (130, b"error: interrupted\n")


def _held_in_its_read(fifo: Path, process: subprocess.Popen[bytes], seconds: float = 60) -> int:
    """The FIFO opened for writing once the process has opened it to read (before that the
    open fails with ENXIO), and returned once the process sleeps in that read, where it stays
    until the FIFO is closed. A SIGINT sent between its open and its read would be lost:
    Python only notes the signal, and the read, begun after it, would wait for ever."""
    deadline = time.monotonic() + seconds
    writer = -1
    while time.monotonic() < deadline and process.poll() is None:
        if writer < 0:
            try:
                writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:
                if exc.errno != errno.ENXIO:
                    raise
        # our open woke it ("R"): the next sleep ("S") is the read
        elif _state(process.pid) == "S":
            return writer
        time.sleep(0.01)
    if writer >= 0:
        os.close(writer)
    raise AssertionError(f"the command never read {fifo.name} (exit code {process.poll()})")


def _state(pid: int) -> str:
    """A process's state as Linux's /proc shows it: R running, S asleep (a wait it may be
    woken from by a signal), ..."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    return stat[stat.rindex(")") + 2]


def _sigint_as_at_a_terminal() -> None:
    """In the child before ``cta`` starts: SIGINT to its default action, which Python turns
    into KeyboardInterrupt. A shell that starts the test run in the background (``make test
    &``) has it ignored, every child inherits that, and Python then leaves it ignored: the
    SIGINT the test sends would be lost."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


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
