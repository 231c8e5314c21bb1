"""What every CLI command shares: reading input, printing JSON, turning errors into exit codes."""

from __future__ import annotations

import contextlib
import itertools
import json
import math
import sys
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import typer
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.markup import escape

from cta.domain.days import check_day
from cta.domain.errors import CTAError, InvalidInputError
from cta.entrypoints.schemas import describe_validation_error, object_once

__all__ = [
    "EXIT_INVALID",
    "EXIT_OK",
    "EXIT_UNREADABLE",
    "err_console",
    "fail",
    "file_too_large",
    "line_too_long",
    "number_between",
    "out_console",
    "parse_date_option",
    "parse_json_line",
    "print_json",
    "read_json_object",
    "read_lines",
    "read_stdin_text",
    "read_text_file",
    "report_line_error",
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
        raise typer.BadParameter(f"{value!r}: expected a date as YYYY-MM-DD",
                                 param_hint=name) from None
    except InvalidInputError as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None


def number_between(low: float, high: float) -> Callable[[str | float], float]:
    """The parser of a float option: a number from ``low`` to ``high``; ``nan`` and ``inf``
    are refused as the words they are (Click's range check lets ``nan`` through, or names a
    bound it does not break)."""

    def parse(text: str | float) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not low <= value <= high:  # nan fails every comparison
            raise typer.BadParameter(f"{text!r}: must be a number from {low:g} to {high:g}")
        return value

    return parse


Model = TypeVar("Model", bound=BaseModel)


MAX_LINE = 64 * 1024  # characters in one JSON Lines record read as a plain object
MAX_LINE_BYTES = 64 * 1024  # bytes in one line of a file read line by line


def read_lines(
    path: Path,
    *,
    max_bytes: int,
    max_line: int = MAX_LINE_BYTES,
    expected: str = "JSON Lines (one record per line)",
) -> Iterator[tuple[int, bytes]]:
    """The lines of a file as bytes, with their 1-based numbers, never reading more than a
    line's or the file's limit: a longer line (``/dev/zero``, a binary file) or a larger file
    is an ``InvalidInputError`` naming the line or the limit (and, for a line, what the file
    should have been: ``expected``). ``OSError`` when unreadable."""
    total = 0
    with path.open("rb") as file:
        for number in itertools.count(1):
            line = file.readline(max_line + 2)
            if not line:
                return
            total += len(line)
            if len(line.rstrip(b"\r\n")) > max_line:
                raise line_too_long(path, number, max_line, expected)
            if total > max_bytes:
                raise file_too_large(path, max_bytes)
            yield number, line


def read_text_file(path: Path, *, max_bytes: int, expected: str) -> str:
    """A small text file whole, read by ``read_lines`` within its limits; a line that is not
    UTF-8 is an ``InvalidInputError`` naming it. ``OSError`` when unreadable."""
    text: list[str] = []
    for number, line in read_lines(path, max_bytes=max_bytes, expected=expected):
        try:
            text.append(line.decode("utf-8"))
        except UnicodeDecodeError as exc:
            raise InvalidInputError(f"{path} line {number} is not UTF-8 text ({exc.reason}): "
                                    f"not {expected}?") from None  # fmt: skip
    return "".join(text)


def line_too_long(
    path: Path,
    number: int,
    max_line: int = MAX_LINE_BYTES,
    expected: str = "JSON Lines (one record per line)",
) -> InvalidInputError:
    return InvalidInputError(f"{path} line {number} is longer than {_size(max_line)}: not "
                             f"{expected}?")  # fmt: skip


def file_too_large(path: Path, max_bytes: int) -> InvalidInputError:
    return InvalidInputError(f"{path} is larger than {_size(max_bytes)}, the most read from "
                             "one file")  # fmt: skip


def _size(n: int) -> str:
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size and n % size == 0:
            return f"{n // size} {unit}"
    return f"{n} bytes"


def read_json_object(line: str) -> dict[str, Any]:
    """One JSON Lines record as a dict: a key twice, or anything but an object, is an error."""
    if len(line) > MAX_LINE:
        raise InvalidInputError(f"the line is {len(line)} characters long; at most {MAX_LINE}")
    try:
        value = json.loads(line, object_pairs_hook=object_once)
    except (ValueError, RecursionError) as exc:
        raise InvalidInputError(f"not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InvalidInputError(f"expected a JSON object, got {type(value).__name__}")
    return value


def parse_json_line(model: type[Model], line: str) -> Model:
    """One JSON Lines record as ``model``; a key given twice is an error, not "last one wins"."""
    # Not JSON, or nested too deep for json: pydantic names the problem and its place below.
    with contextlib.suppress(ValueError, RecursionError):
        json.loads(line, object_pairs_hook=object_once)
    return model.model_validate_json(line)


def report_line_error(number: int, exc: ValidationError | CTAError, as_json: bool) -> None:
    """Name the bad line on standard error, and hold its place in the JSON output."""
    text = describe_validation_error(exc) if isinstance(exc, ValidationError) else str(exc)
    err_console.print(f"[bold red]error:[/] line {number}: {escape(text)}")
    if as_json:
        print_json({"error": f"line {number}: {text}"})
