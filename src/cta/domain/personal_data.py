"""Access to personal data: the purpose given with every read or write, and how fast one user
may read.

**Purpose.** GDPR Art. 5(1)(b) and EES Regulation (EU) 2017/2226 Art. 46: every access
to personal data is logged with its purpose. The purpose is the officer's own words, audited as
given (trimmed), so it must be there, and it must be text a reader of the audit log sees as it
was meant: no control or invisible characters (a tab, a newline, a zero-width space) and at
most ``MAX_PURPOSE`` characters.

**Read rate.** A border officer reads a traveller file now and then; a token that reads files
by counting ``person_id`` upward (317 in 1.1 s) is a leak in progress. A user may read
``per_minute`` a minute on average, and up to ``burst`` at once after a pause: the generic cell
rate algorithm (ITU-T I.371), kept as one time per user, ``due``: when the user's reads would
be even again if they stopped now. A read at ``now`` is allowed when ``max(due, now) +
interval - now <= tolerance`` and moves ``due`` to ``max(due, now) + interval``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from cta.domain.errors import InvalidInputError

__all__ = ["MAX_PURPOSE", "ReadRate", "read_purpose"]

MAX_PURPOSE = 200


def read_purpose(raw: str | None, field: str = "X-Purpose") -> str:
    """The purpose as audited (trimmed); ``InvalidInputError`` naming ``field`` when it is
    missing, empty, too long or holds a control or invisible character."""
    purpose = (raw or "").strip()
    if not purpose:
        raise InvalidInputError(
            f"{field} is required: say why personal data is read or written (it is audited)"
        )
    if len(purpose) > MAX_PURPOSE:
        raise InvalidInputError(
            f"{field} is {len(purpose)} characters long; a purpose has at most {MAX_PURPOSE}"
        )
    for position, char in enumerate(purpose, start=1):
        if unicodedata.category(char)[0] == "C" or unicodedata.category(char) in ("Zl", "Zp"):
            raise InvalidInputError(
                f"{field} has a control character U+{ord(char):04X} at position {position}"
            )
    if not any(char.isalnum() for char in purpose):  # a lone accent, or dots: no words
        raise InvalidInputError(f"{field} has no letter nor digit: say why in words")
    return purpose


@dataclass(frozen=True, slots=True)
class ReadRate:
    """``per_minute`` reads a minute on average, ``burst`` at once; times in microseconds."""

    per_minute: int
    burst: int

    @property
    def interval_us(self) -> int:
        """The time one read uses up."""
        return 60_000_000 // self.per_minute

    @property
    def tolerance_us(self) -> int:
        """How far ahead of now ``due`` may run: ``burst`` reads at once."""
        return self.interval_us * self.burst

    def take(self, due_us: int | None, now_us: int) -> tuple[int | None, int]:
        """One read at ``now_us``: (the new ``due``, 0) when allowed, else (None, the
        microseconds until a read is allowed again)."""
        after = max(due_us or now_us, now_us) + self.interval_us
        if after - now_us <= self.tolerance_us:
            return after, 0
        return None, after - now_us - self.tolerance_us

    def describe(self) -> str:
        return f"{self.per_minute} a minute, {self.burst} at once"
