"""What every CLI command shares: reading input, printing JSON, turning errors into exit codes."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import date
from typing import Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from cta.domain.days import check_day
from cta.domain.errors import InvalidInputError

__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_UNREADABLE",
    "err_console",
    "fail",
    "out_console",
    "parse_date_option",
    "print_json",
    "read_stdin_text",
    "stdin_lines",
]

EXIT_OK = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2
MAX_STDIN_BYTES = 256 * 1024 * 1024

out_console = Console(highlight=False)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = EXIT_UNREADABLE) -> NoReturn:
    """Print ``error: message`` on standard error and exit; never a traceback."""
    err_console.print(f"[bold red]error:[/] {escape(message)}", soft_wrap=True)
    raise typer.Exit(code)


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, ensure_ascii=False) + "\n")


def read_stdin_text() -> str:
    """All of standard input as text; unreadable bytes are an error that names the problem."""
    data = sys.stdin.buffer.read(MAX_STDIN_BYTES + 1)
    if len(data) > MAX_STDIN_BYTES:
        fail(f"standard input is larger than {MAX_STDIN_BYTES // (1024 * 1024)} MiB")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(f"standard input is not UTF-8 text (byte {exc.start}: {data[exc.start]:#04x})")


def stdin_lines() -> Iterator[tuple[int, str]]:
    """Non-blank lines of standard input with their 1-based numbers."""
    for number, line in enumerate(read_stdin_text().splitlines(), start=1):
        if line.strip():
            yield number, line


def parse_date_option(value: str | None, name: str) -> date | None:
    if value is None:
        return None
    try:
        return check_day(date.fromisoformat(value), "the date")
    except ValueError:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from None
    except InvalidInputError as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None
