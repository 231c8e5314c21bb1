"""One error tree for CTA; the CLI and the API translate it at the edges."""

from __future__ import annotations

__all__ = [
    "CTAError",
    "InvalidInputError",
    "MRZFormatError",
    "PolicyError",
    "StayError",
]


class CTAError(Exception):
    """Something a user or an operator must correct; the message says what, in words."""


class InvalidInputError(CTAError):
    """Input that cannot be read at all (a malformed date, a missing field)."""


class MRZFormatError(CTAError):
    """Text that is not a machine readable zone of any known format (lines, lengths)."""


class StayError(CTAError):
    """Stays that cannot be counted: an exit before its entry, overlapping stays."""


class PolicyError(CTAError):
    """A policy file that does not load: the message names file, line and problem."""

    def __init__(self, problem: str, *, file: str | None = None, line: int | None = None) -> None:
        self.problem = problem
        self.file = file
        self.line = line
        where = file or "<policy>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {problem}")
