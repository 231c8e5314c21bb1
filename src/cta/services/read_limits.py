"""How fast one user may read personal data (``cta.domain.personal_data.ReadRate``).

The allowance is kept in the database (``personal_reads``), one row per user, so the limit is
the node's, not a worker's: with ``CTA_WORKERS`` processes a per-process counter would let a
user read ``workers`` times the rate, and a per-process share (rate / workers) would refuse an
officer whose requests happen to land on one worker. A read costs one short write (a row
lock on PostgreSQL; SQLite's one write lock), as each read's audit entry already does.

The first read refused in a minute leaves an alarm in the audit log (action ``personal reads
over limit``) and a warning in the node's log, so an auditor and an operator see a token
that reads files in bulk.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from cta.domain.errors import CTAError
from cta.domain.personal_data import ReadRate
from cta.services.node import Actor
from cta.services.ports import AuditEntry

__all__ = ["ALARM", "ReadAllowances", "ReadLimiter", "TooManyReadsError"]

ALARM = "personal reads over limit"
log = logging.getLogger(__name__)


class TooManyReadsError(CTAError):
    """A user read personal data faster than the node allows (HTTP 429)."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message, code="too_many_reads", params={"seconds": retry_after})
        self.retry_after = retry_after


class ReadAllowances(Protocol):
    """Each user's allowance, shared by every worker (``cta.adapters.storage.read_limits``)."""

    def take(
        self, user: str, at: datetime, rate: ReadRate, alarm: AuditEntry
    ) -> tuple[int, bool]: ...


class ReadLimiter:
    """``admit(actor, call)`` before each read of personal data."""

    def __init__(
        self, allowances: ReadAllowances, rate: ReadRate, clock: Callable[[], datetime]
    ) -> None:
        self.allowances = allowances
        self.rate = rate
        self.clock = clock

    def admit(self, actor: Actor, call: str) -> None:
        """Count one read of ``actor``; ``TooManyReadsError`` when over the rate."""
        alarm = AuditEntry(actor.name, actor.role.value, ALARM, actor.purpose, None,
                           {"call": call, "limit": self.rate.describe()})  # fmt: skip
        wait_us, alarmed = self.allowances.take(actor.name, self.clock(), self.rate, alarm)
        if alarmed:
            log.warning("personal data alarm: %s (%s) reads faster than %s (%s)", actor.name,
                        actor.role.value, self.rate.describe(), call)  # fmt: skip
        if wait_us > 0:
            seconds = max(1, math.ceil(wait_us / 1_000_000))
            raise TooManyReadsError(
                f"{actor.name} has read personal data faster than this node allows "
                f"({self.rate.describe()}); try again in {seconds} s. This is recorded in the "
                "audit log.",
                seconds,
            )
