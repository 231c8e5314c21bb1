"""Find the line of a table, key or value in TOML text, for error messages.

``tomllib`` gives a position only when the text is not TOML at all; a file that parses but
says something wrong (an unknown code, overlapping dates) is located here by scanning the raw
text. A path names a table the way the parsed document does: ``()`` is the top level,
``("version", 1)`` the second ``[[version]]``, ``("version", 1, "group", 0)`` the first
``[[version.group]]`` inside it. When a key or value cannot be found the nearest enclosing
line is returned, so a message always has a line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LineFinder", "TablePath", "strip_comment"]

TablePath = Sequence[str | int]

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*(\]\]?)\s*$")


def strip_comment(line: str) -> str:
    """The line without its ``#`` comment (a ``#`` inside a string is kept)."""
    quote = ""
    escaped = False
    for index, char in enumerate(line):
        if quote:
            if escaped:
                escaped = False
            elif char == "\\" and quote == '"':
                escaped = True
            elif char == quote:
                quote = ""
        elif char in "\"'":
            quote = char
        elif char == "#":
            return line[:index]
    return line


@dataclass(frozen=True, slots=True)
class _Header:
    line: int  # 1-based
    name: str  # dotted, spaces removed
    is_array: bool


class LineFinder:
    """Line numbers (1-based) of tables, keys and values in one TOML text."""

    def __init__(self, text: str) -> None:
        self._lines = [strip_comment(line) for line in text.splitlines()]
        self._headers: list[_Header] = []
        for number, line in enumerate(self._lines, start=1):
            match = _HEADER.match(line)
            if match:
                name = re.sub(r"\s+", "", match.group(2))
                self._headers.append(_Header(number, name, match.group(1) == "[["))

    def table_line(self, path: TablePath) -> int:
        """The line of the header of the table at ``path`` (1 for the top level)."""
        return self._locate(path)[0]

    def key_line(self, path: TablePath, key: str) -> int:
        """The line where ``key`` is set in the table at ``path``."""
        start, own_end, end = self._locate(path)
        pattern = re.compile(rf'^\s*("{re.escape(key)}"|{re.escape(key)})\s*=')
        for number in range(start, own_end):
            if pattern.match(self._lines[number - 1]):
                return number
        dotted = ".".join(str(p) for p in path if isinstance(p, str))
        wanted = f"{dotted}.{key}" if dotted else key
        for header in self._headers:
            if start <= header.line < end and header.name == wanted:
                return header.line
        return start

    def value_line(self, path: TablePath, key: str, value: str, nth: int = 1) -> int:
        """The line of the ``nth`` quoted ``value`` at or after ``key`` in the table at ``path``."""
        key_line = self.key_line(path, key)
        _, own_end, _ = self._locate(path)
        token = re.compile(rf"[\"']{re.escape(value)}[\"']")
        seen = 0
        for number in range(key_line, max(own_end, key_line + 1)):
            seen += len(token.findall(self._lines[number - 1]))
            if seen >= nth:
                return number
        return key_line

    def _locate(self, path: TablePath) -> tuple[int, int, int]:
        """(first line, end of its own keys, end of the table with its subtables), 1-based."""
        start, end = 1, len(self._lines) + 1
        dotted = ""
        for name, index in zip(path[::2], path[1::2], strict=True):
            dotted = f"{dotted}.{name}" if dotted else str(name)
            found = [h for h in self._headers if start <= h.line < end and h.name == dotted]
            if not found:
                break
            chosen = found[min(int(index), len(found) - 1)]
            start = chosen.line
            end = next(
                (
                    h.line
                    for h in self._headers
                    if h.line > start and not h.name.startswith(dotted + ".")
                ),
                end,
            )
        own_end = next((h.line for h in self._headers if start < h.line < end), end)
        if not path:
            own_end = next((h.line for h in self._headers), end)
        return start, own_end, end
