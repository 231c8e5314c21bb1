"""Screening travellers against alerts across scripts and spellings (the alerts issue).

``ScreeningIndex`` holds the alerts; ``screen(query, on)`` answers ranked ``Hit``s, each with
a score from 0 to 1 and its reasons in words. Hits at or above ``THRESHOLD`` make the border
check refer. See docs/screening.md for the method and its benchmark.
"""

from __future__ import annotations

from cta.domain.screening.index import ScreeningIndex
from cta.domain.screening.model import (
    AlertRecord,
    Hit,
    HitKind,
    ScreeningQuery,
    alert_from_json,
    query_from_json,
)
from cta.domain.screening.normalise import skeleton
from cta.domain.screening.score import THRESHOLD

__all__ = [
    "THRESHOLD",
    "AlertRecord",
    "Hit",
    "HitKind",
    "ScreeningIndex",
    "ScreeningQuery",
    "alert_from_json",
    "query_from_json",
    "skeleton",
]
