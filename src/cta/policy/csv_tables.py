"""Reading the CSV tables CTA ships: exact headers, one row per code, errors with file and line."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Protocol, TypeVar

from cta.domain.errors import PolicyError

__all__ = ["csv_rows", "unique_by_code"]


class _Coded(Protocol):
    @property
    def code(self) -> str: ...


Row = TypeVar("Row", bound=_Coded)


def csv_rows(
    text: str, *, file: str, columns: Sequence[str]
) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, row) after checking the header names exactly ``columns``."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None or tuple(header) != tuple(columns):
        raise PolicyError(f"header must be {','.join(columns)}", file=file, line=1)
    for cells in reader:
        if len(cells) != len(columns):
            raise PolicyError(
                f"{len(cells)} columns, expected {len(columns)}", file=file, line=reader.line_num
            )
        yield reader.line_num, dict(zip(columns, cells, strict=True))


def unique_by_code(
    text: str,
    *,
    file: str,
    columns: Sequence[str],
    parse_row: Callable[[Mapping[str, str], str, int], Row],
    what: str,
) -> list[Row]:
    """Every row parsed, each code once; PolicyError names the file and line of a bad row."""
    seen: dict[str, int] = {}
    parsed: list[Row] = []
    for line, row in csv_rows(text, file=file, columns=columns):
        item = parse_row(row, file, line)
        if item.code in seen:
            raise PolicyError(
                f"code {item.code} already given on line {seen[item.code]}", file=file, line=line
            )
        seen[item.code] = line
        parsed.append(item)
    if not parsed:
        raise PolicyError(f"no {what} in the table", file=file)
    return parsed
