"""Run the installed ``cta`` console script as a user does: a real process, stdin piped."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CTA = Path(sys.executable).parent / "cta"


@dataclass(frozen=True)
class Ran:
    """What a run of ``cta`` left: exit code, standard output and standard error."""

    code: int
    stdout: str
    stderr: str

    def json_lines(self) -> list[Any]:
        return [json.loads(line) for line in self.stdout.splitlines() if line.strip()]

    def assert_no_traceback(self) -> None:
        assert "Traceback" not in self.stderr, self.stderr
        assert "Traceback" not in self.stdout, self.stdout


Runner = Callable[..., Ran]


@pytest.fixture(scope="session")
def cta() -> Runner:
    """``cta(*args, stdin=..., timeout=...)``: run the console script; stdin is text or bytes."""
    assert CTA.exists(), f"the console script is not installed at {CTA}"

    def run(*args: str, stdin: str | bytes = b"", timeout: float = 120) -> Ran:
        data = stdin.encode("utf-8") if isinstance(stdin, str) else stdin
        done = subprocess.run(
            [str(CTA), *args], input=data, capture_output=True, timeout=timeout, check=False
        )
        ran = Ran(
            done.returncode,
            done.stdout.decode("utf-8", "replace"),
            done.stderr.decode("utf-8", "replace"),
        )
        ran.assert_no_traceback()
        return ran

    return run
