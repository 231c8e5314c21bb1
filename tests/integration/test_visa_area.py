"""The common visa across three federated nodes (real processes on loopback), on SQLite and
PostgreSQL: a visa Georgia issues is found by its MRZ in Azerbaijan and Armenia, and its one
entry, made in Armenia, is counted in Azerbaijan."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from cta.domain.roles import Role
from tests.integration.area import POINT, Member, area_on, in_sync, wait_until
from tests.integration.node_server import (
    BOTH_DATABASES,
    add_user,
    node_today,
    passport,
    unique_number,
)


@pytest.fixture(scope="module", params=BOTH_DATABASES)
def nodes(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Member]]:
    yield from area_on(request, tmp_path_factory, "visa")


def check(node: Member, mrz: list[str], visa: list[str]) -> dict[str, Any]:
    response = node.post("/v1/checks", {"mrz": mrz, "visa_mrz": visa, "direction": "entry",
                                        "crossing_point": POINT[node.state]})  # fmt: skip
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_single_entry_visa_used_in_one_state_is_used_in_the_others(
    nodes: dict[str, Member],
) -> None:
    consul = add_user(nodes["GEO"].url, f"consul.{uuid.uuid4().hex[:6]}", Role.CONSULAR_OFFICER)
    mrz = passport("IND", number=unique_number())
    today = node_today()
    with nodes["GEO"].server.client(consul, "visa application") as client:
        issued = client.post("/v1/visas", json={
            "mrz": mrz, "valid_from": (today - timedelta(days=10)).isoformat(),
            "valid_to": (today + timedelta(days=90)).isoformat(), "duration_days": 30,
            "entries": 1})  # fmt: skip
    assert issued.status_code == 201, issued.text
    visa = issued.json()
    wait_until(lambda: all(check(nodes[s], mrz, visa["mrz"])["visa"] is not None
                           for s in ("AZE", "ARM")), what="the visa reached AZE and ARM")
    found = check(nodes["AZE"], mrz, visa["mrz"])
    assert found["decision"] == "admit", found["reasons"]
    assert (found["visa"]["visa_number"], found["visa"]["issued_by"]) == (
        visa["visa_number"], "GEO")
    for direction, days in (("entry", 4), ("exit", 2)):
        response = nodes["ARM"].post("/v1/crossings", {
            "mrz": mrz, "visa_mrz": visa["mrz"], "crossing_point": POINT["ARM"],
            "direction": direction,
            "occurred_at": (datetime.now(UTC) - timedelta(days=days)).isoformat()})
        assert response.status_code == 201, response.text
    wait_until(lambda: in_sync(nodes), what="the entry reached every node")
    for state in ("AZE", "GEO"):
        answer = check(nodes[state], mrz, visa["mrz"])
        assert answer["decision"] == "refuse", (state, answer["reasons"])
        assert "allowed 1 entries, all used" in answer["reasons"][0]["message"], state
