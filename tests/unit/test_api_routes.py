"""The API's busiest routes are matched first, and moving them there changed no answer."""

from __future__ import annotations

import pytest
from starlette.routing import Match

from cta.bootstrap import reference
from cta.entrypoints.api.app import BUSIEST, create_app
from cta.policy.crossing_points import load_crossing_points
from cta.services.node import Node
from tests.unit.node.conftest import NOW
from tests.unit.node.memory_store import MemoryStore


@pytest.fixture(scope="module")
def routes() -> list[object]:
    node = Node(MemoryStore(), reference(), load_crossing_points(), state="GEO",
                clock=lambda: NOW)  # fmt: skip
    return list(create_app(node).router.routes)


FIRST = len(BUSIEST) + 2  # and the lean routes of checks and entries (api/lean.py)


def test_the_checks_entries_and_health_are_the_first_routes_tried(routes: list[object]) -> None:
    assert {getattr(r, "path", None) for r in routes[:FIRST]} == set(BUSIEST)


@pytest.mark.parametrize("path", BUSIEST)
@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "DELETE", "PATCH"])
def test_no_later_route_answers_a_busiest_path(
    routes: list[object], path: str, method: str
) -> None:
    """Had another route answered one of these paths before, it would still: nothing after
    them matches their paths, with any method."""
    scope = {"type": "http", "method": method, "path": path, "root_path": "", "headers": []}
    later = [r for r in routes[FIRST:] if r.matches(scope)[0] is not Match.NONE]  # type: ignore[attr-defined]
    assert later == []
