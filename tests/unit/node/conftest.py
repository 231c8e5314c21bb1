"""A node of GEO on the in-memory twin of the store, at a fixed time (noon in Tbilisi)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cta.bootstrap import reference
from cta.policy.crossing_points import load_crossing_points
from cta.services.node import Node

from .memory_store import MemoryStore

NOW = datetime(2027, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
def store() -> MemoryStore:
    return MemoryStore()


@pytest.fixture
def node(store: MemoryStore) -> Node:
    return Node(store, reference(), load_crossing_points(), state="GEO", clock=lambda: NOW)
