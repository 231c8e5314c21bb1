"""One error tree for CTA; the CLI and the API translate it at the edges."""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "CTAError",
    "InvalidInputError",
    "MRZFormatError",
    "PolicyError",
    "StayError",
]


class CTAError(Exception):
    """Something a user or an operator must correct; the message says what, in words.

    ``code`` (with its ``params``, the values the message names) lets a page say a refusal in
    its own language (``cta.entrypoints.web.reason_text.refusal_text``); the message, which
    the API and the CLI give, is unchanged. Most errors have none: a page then quotes the
    message.
    """

    code: str = ""
    params: Mapping[str, object] = {}  # read only: an error with a code sets its own

    def __init__(self, *args: object, code: str = "",
                 params: Mapping[str, object] | None = None) -> None:  # fmt: skip
        super().__init__(*args)
        if code:
            self.code = code
            self.params = dict(params or {})


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
