"""The federation's errors: part of CTA's one error tree (``cta.domain.errors``)."""

from __future__ import annotations

from cta.domain.errors import CTAError, InvalidInputError

__all__ = [
    "FederationError",
    "FederationFileError",
    "KeyFileError",
    "RecordFormatError",
    "RequestAuthError",
]


class FederationError(CTAError):
    """Something about the federation an operator must correct."""


class RecordFormatError(InvalidInputError):
    """A record (or a page of records) that is not in the wire format; names the bad field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        self.problem = problem
        super().__init__(f"{field}: {problem}" if field else problem)


class KeyFileError(FederationError):
    """A key file that is missing, unreadable, not Ed25519, or readable by others."""


class FederationFileError(FederationError):
    """A federation file that does not load: the message names file, line and problem."""

    def __init__(self, problem: str, *, file: str | None = None, line: int | None = None) -> None:
        self.problem = problem
        self.file = file
        self.line = line
        where = file or "<federation>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {problem}")


class RequestAuthError(FederationError):
    """A node request whose credentials do not hold: the reason, for a 401 body and the audit."""
