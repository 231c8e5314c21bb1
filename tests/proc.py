"""The processes of this machine as ``/proc`` shows them, for tests and benchmarks that look
for a server's children (its screening process) or sum their CPU time."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

__all__ = ["processes"]


def processes() -> Iterator[tuple[int, list[str], bytes]]:
    """Each live process: its pid, the fields of ``/proc/PID/stat`` after the command's name
    (``[0]`` the state, ``[1]`` the parent, ``[2]`` the process group, ``[11]``/``[12]`` user
    and system clock ticks) and its command line (NUL-separated); one that ends while it is
    read is left out."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        yield int(entry.name), stat[stat.rindex(")") + 2 :].split(), command
