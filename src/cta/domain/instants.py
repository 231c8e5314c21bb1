"""Times in answers: every instant is RFC 3339 with its offset, in UTC.

The store keeps instants in UTC; SQLite gives them back without their zone, PostgreSQL with
the session's. Every answer (the API, the CLI's JSON, the federation status) spells an instant
with ``rfc3339`` -- ``2026-12-06T04:17:11.459239+00:00`` -- and a day as ``YYYY-MM-DD``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from enum import Enum
from typing import Any

__all__ = ["jsonable", "rfc3339"]


def rfc3339(value: datetime) -> str:
    """An instant as RFC 3339 in UTC with its offset; a time without a zone is taken as UTC
    (as the store keeps it)."""
    aware = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return aware.isoformat()


def jsonable(value: Any) -> Any:
    """``value`` with every instant as ``rfc3339`` text, every day as ``YYYY-MM-DD``, tuples as
    lists, enums as their values, and anything else not JSON as its text."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, datetime):  # before date: a datetime is a date
        return rfc3339(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v) for v in value]
    if isinstance(value, Enum):
        return jsonable(value.value)
    return str(value)
