"""Use case: the stay status of a traveller on a date."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from cta.domain.errors import StayError
from cta.domain.stays import Stay, StayHistory, StayStatus

__all__ = ["stay_status"]


def stay_status(
    on: date, stays: Iterable[tuple[date, date]], *, limit: int = 90, window: int = 180
) -> StayStatus:
    """Days used, the longest stay from ``on``, the next possible entry and the overstays."""
    if not 1 <= limit < window:
        raise StayError(f"the limit {limit} must be at least 1 and less than the window {window}")
    history = StayHistory(Stay(entry, exit_) for entry, exit_ in stays)
    return history.status(on, limit, window)
